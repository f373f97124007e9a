import type { RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { answers, packFor } from '../../law/packs.ts';
import { partyCase } from '../../law/verdicts.ts';
import { problemKo } from '../law-text.ts';
import { defineRule, finding, partyContexts, type Rule, type RuleMeta } from '../rule.ts';

/** Entrustment records, from the packs' entrustment rules (PIPA 26(2), (3), (6); GDPR 28(2)). */
function entrustmentRule(meta: RuleMeta, ruleIds: ReadonlySet<string>, field: (hasEntrustment: boolean) => string[]): Rule {
  return defineRule(meta, (model: RegistryModel) =>
    partyContexts(model).flatMap(({ key, index: i, p, party }) => {
      const failed = model.operator.jurisdictions
        .flatMap((j) => answers(packFor(j).entrustment, partyCase(model, party, j)))
        .filter((v) => !v.ok && ruleIds.has(v.rule));
      const first = failed[0];
      if (!first) return [];
      return [finding(meta, [key, i, ...field(p.entrustment !== undefined)], first.detail, `${text(p.name, 'en')}("${p.id}"): ${problemKo(first.problem)}`)];
    }),
  );
}

export const entrustmentDisclosedRule = entrustmentRule(
  {
    code: 'ENTRUSTMENT_UNDISCLOSED',
    severity: 'error',
    articles: ['PIPA 26(2)'],
    title: 'Every entrustee is recorded with its work and disclosed',
    description:
      'Serving KR, a recipient or class with `role: processor` has `entrustment.work` (ko/en) and a public disclosure: ' +
      '`entrustment.disclosed_in` or `operator.privacy_policy_url` (the generated privacy policy lists the work and the entrustee).',
  },
  new Set(['KR.ENTRUSTMENT_DISCLOSED']),
  (has) => (has ? ['entrustment', 'disclosed_in'] : ['entrustment']),
);

export const marketingEntrustmentRule = entrustmentRule(
  {
    code: 'ENTRUSTMENT_MARKETING_UNNOTIFIED',
    severity: 'error',
    articles: ['PIPA 26(3)'],
    title: 'Subjects are told of an entrustment whose work is marketing',
    description:
      'Serving KR, an entrustment with `marketing: true`, or a processor receiving data for an ad-targeting purpose, records how the ' +
      'subject is told in `entrustment.subject_notice` (ko/en).',
  },
  new Set(['KR.ENTRUSTMENT_MARKETING_NOTICE']),
  () => ['entrustment', 'subject_notice'],
);

export const reEntrustmentRule = entrustmentRule(
  {
    code: 'RE_ENTRUSTMENT_WITHOUT_CONSENT',
    severity: 'error',
    articles: ['PIPA 26(6)', 'GDPR 28'],
    title: 'Re-entrustment only with the operator’s recorded consent',
    description: 'An entrustment with `re_entrustment.allowed: true` names the operator’s recorded consent in `re_entrustment.operator_consent`.',
  },
  new Set(['KR.RE_ENTRUSTMENT_CONSENT', 'EU.SUB_PROCESSOR_AUTHORISED']),
  () => ['entrustment', 're_entrustment', 'operator_consent'],
);
