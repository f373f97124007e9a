import type { FieldPath } from '../../errors.ts';
import type { RegistryModel } from '../../registry/model.ts';
import type { Registry } from '../../registry/schema.ts';
import { duplicateIds, emptyDeclarations, unknownReferences, type StructuralIssue } from '../../registry/structure.ts';
import { defineRule, finding, type Rule, type RuleMeta } from '../rule.ts';

/**
 * The structural checks of `src/core/registry/structure.ts`, as rules. `parseRegistry` already rejects
 * such a registry; running them in the lint too means a model built any other way is still checked
 * and every other rule may skip unresolved references silently.
 */
function structuralRule(meta: RuleMeta, issues: (r: Registry) => StructuralIssue[], ko: (i: StructuralIssue) => string): Rule {
  return defineRule(meta, (model: RegistryModel) =>
    issues(model.doc).map((i) => finding(meta, i.pathSegments as FieldPath, i.message, ko(i))),
  );
}

const quoted = (s: string) => /"([^"]*)"/.exec(s)?.[1] ?? '';

export const duplicateIdRule = structuralRule(
  {
    code: 'DUPLICATE_ID',
    severity: 'error',
    articles: [],
    title: 'Ids are unique',
    description: 'Every object id is unique within its list; recipients and recipient classes share one namespace.',
  },
  duplicateIds,
  (i) => `id "${quoted(i.message)}"이(가) 중복됩니다`,
);

export const unknownReferenceRule = structuralRule(
  {
    code: 'UNKNOWN_REFERENCE',
    severity: 'error',
    articles: [],
    title: 'References resolve',
    description: 'Every referenced data category, collection point, purpose, recipient or recipient class exists.',
  },
  unknownReferences,
  (i) => `알 수 없는 참조 "${quoted(i.message)}"입니다`,
);

export const emptyDeclarationRule = structuralRule(
  {
    code: 'EMPTY_DECLARATION',
    severity: 'error',
    articles: [],
    title: 'Declarations release something',
    description: 'A declaration lists at least one item.',
  },
  emptyDeclarations,
  (i) => `선언 "${quoted(i.message)}"에 제공 항목이 없습니다`,
);
