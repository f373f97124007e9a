import type { Party, RegistryModel } from '../../registry/model.ts';
import { text } from '../../registry/local-text.ts';
import { answers, packFor } from '../../law/packs.ts';
import { partyCase } from '../../law/verdicts.ts';
import type { Jurisdiction } from '../../registry/schema.ts';
import type { Verdict } from '../../law/types.ts';
import { problemKo } from '../law-text.ts';
import { defineRule, finding, partyContexts, type Rule, type RuleFinding, type RuleMeta } from '../rule.ts';

/**
 * Agreements with recipients, from the packs' agreement rules: an entrustee's or processor's terms
 * (PIPA 26(1), GDPR 28(3)) and every overseas recipient's protective measures (PIPA 28-8(4)).
 */
function agreementRule(meta: RuleMeta, ruleIds: ReadonlySet<string>): Rule {
  return defineRule(meta, (model: RegistryModel) =>
    partyContexts(model).flatMap(({ key, index: i, p, party }) => {
      const failed = refusals(model, party).filter((v) => ruleIds.has(v.rule));
      if (failed.length === 0) return [];
      const missing = [...new Set(failed.flatMap((v) => v.missing ?? []))];
      const articles = [...new Set(failed.map((v) => v.article))].join(', ');
      const what = p.agreement ? `agreement ${p.agreement.id} v${p.agreement.version} lacks ${missing.join(', ')}` : `no agreement (needs ${missing.join(', ')})`;
      return [
        finding(
          meta,
          p.agreement ? [key, i, 'agreement', 'clauses'] : [key, i, 'agreement'],
          `${text(p.name, 'en')} ("${p.id}"): ${what} (${articles})`,
          `${text(p.name, 'en')}("${p.id}"): ${problemKo(failed[0]!.problem)} (${missing.join(', ')})`,
        ),
      ];
    }),
  );
}

function refusals(model: RegistryModel, party: Party): Verdict[] {
  return model.operator.jurisdictions.flatMap((j: Jurisdiction) => answers(packFor(j).agreement, partyCase(model, party, j)).filter((v) => !v.ok));
}

export const processorAgreementRule = agreementRule(
  {
    code: 'PROCESSOR_NO_DPA',
    severity: 'error',
    articles: ['PIPA 26', 'GDPR 28'],
    title: 'Every processor works under an agreement with the statutory terms',
    description:
      'A recipient or class with `role: processor` names its agreement (`agreement: { id, version, clauses }`) carrying, when serving KR, ' +
      'the PIPA 26(1) terms (`work_scope`, `purpose_limitation`, `security_measures`, `re_entrustment_limits`, `supervision`, ' +
      '`liability`) and, when serving EU, the GDPR 28(3) terms (`purpose_limitation`, `confidentiality`, `security_measures`, ' +
      '`re_entrustment_limits`, `subject_rights_assistance`, `controller_assistance`, `return_or_destruction`, `supervision`). A free-text ' +
      '`safeguards.dpa` is not enough.',
  },
  new Set(['KR.ENTRUSTMENT_AGREEMENT', 'EU.PROCESSOR_CONTRACT']),
);

export const overseasAgreementRule = agreementRule(
  {
    code: 'OVERSEAS_AGREEMENT_MISSING',
    severity: 'error',
    articles: ['PIPA 28-8(4)'],
    title: 'Every overseas recipient, sellers included, is bound by the 28-8(4) protective measures',
    description:
      'Serving KR, every recipient or class with a destination outside Korea — whatever its role or ground — names its agreement ' +
      'carrying `security_measures`, `grievance_handling`, `dispute_resolution`, `purpose_limitation`, `onward_transfer` (28-8(5)) and ' +
      '`return_or_destruction`. Class members accept the class’s current `agreement.version`.',
  },
  new Set(['KR.OVERSEAS_AGREEMENT']),
);

/** Exported for the rule tests. */
export const processorHasAgreement = processorAgreementRule.check;
export const overseasRecipientHasAgreement = overseasAgreementRule.check;
export type { RuleFinding };
