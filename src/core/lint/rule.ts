import { formatPath, type FieldPath } from '../errors.ts';
import type { Party, RegistryModel } from '../registry/model.ts';
import type { Declaration, Purpose, Recipient, RecipientClass } from '../registry/schema.ts';
import type { Finding, Severity } from './finding.ts';

/** What a rule is, independent of any registry: the row of the rule table in docs/registry.md. */
export interface RuleMeta {
  /** Stable UPPER_SNAKE code; never renamed once released (SARIF baselines key on it). */
  readonly code: string;
  readonly severity: Severity;
  /** Citations in the form of docs/legal/articles.yaml, e.g. "PIPA 28-8(1)", "GDPR 46". */
  readonly articles: readonly string[];
  /** One line: the obligation, as a heading. */
  readonly title: string;
  /** What the rule checks, for the docs and SARIF `fullDescription`. */
  readonly description: string;
}

/**
 * A finding as a rule emits it: the path is kept as segments so the runner can map it to a
 * line:column and sort numerically (`declarations[10]` after `declarations[9]`).
 * Structurally a `Finding`, so a rule's result can be used as `Finding[]` directly.
 */
export interface RuleFinding extends Finding {
  readonly segments: FieldPath;
}

export interface Rule extends RuleMeta {
  readonly check: (model: RegistryModel) => RuleFinding[];
}

export function defineRule(meta: RuleMeta, check: (model: RegistryModel) => RuleFinding[]): Rule {
  return { ...meta, check };
}

export function finding(meta: RuleMeta, segments: FieldPath, message: string, message_ko: string): RuleFinding {
  return {
    code: meta.code,
    severity: meta.severity,
    articles: meta.articles,
    message,
    message_ko,
    path: formatPath(segments),
    segments,
  };
}

/** A declaration with what it refers to; `party`/`purpose` are undefined only for an unvalidated registry. */
export interface DeclarationContext {
  readonly d: Declaration;
  readonly index: number;
  readonly party: Party | undefined;
  readonly purpose: Purpose | undefined;
}

export function declarationContexts(model: RegistryModel): DeclarationContext[] {
  return model.doc.declarations.map((d, index) => ({
    d,
    index,
    party: model.parties.get(d.recipient),
    purpose: model.purposes.get(d.purpose),
  }));
}

/** A recipient or recipient class as the registry lists it (`key[index]`), with the model's party; none for an unknown id. */
export interface PartyContext {
  readonly key: 'recipients' | 'recipient_classes';
  readonly index: number;
  readonly p: Recipient | RecipientClass;
  readonly party: Party;
}

export function partyContexts(model: RegistryModel): PartyContext[] {
  const lists = [
    ['recipients', model.doc.recipients],
    ['recipient_classes', model.doc.recipient_classes],
  ] as const;
  return lists.flatMap(([key, list]) =>
    list.flatMap((p: Recipient | RecipientClass, index) => {
      const party = model.parties.get(p.id);
      return party ? [{ key, index, p, party }] : [];
    }),
  );
}

export const at = (index: number, ...rest: Array<string | number>): FieldPath => ['declarations', index, ...rest];
