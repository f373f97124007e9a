import type { Party, RegistryModel } from '../../registry/model.ts';
import type { Declaration, Jurisdiction } from '../../registry/schema.ts';
import { legalBasisVerdict } from '../../law/verdicts.ts';
import type { Problem, Verdict } from '../../law/types.ts';
import { problemKo } from '../law-text.ts';
import { at, declarationContexts, defineRule, finding, type Rule, type RuleFinding, type RuleMeta } from '../rule.ts';

/**
 * Lint rules over the law packs' legal-basis verdicts (src/core/law/kr/basis.ts, eu/basis.ts): the
 * gate denies NO_LEGAL_BASIS on exactly these verdicts. One rule per problem, so each finding cites
 * its own article and one registry mistake is reported once.
 */
function basisRule(meta: RuleMeta, problems: ReadonlySet<Problem>): Rule {
  return defineRule(meta, (model: RegistryModel) =>
    declarationContexts(model).flatMap(({ d, index, party }) => {
      if (!party) return [];
      const failed = failures(model, d, party).filter((v) => problems.has(v.problem!));
      // The same mistake judged by both packs is one finding; the first jurisdiction's words speak.
      const first = failed[0];
      if (!first) return [];
      const where = failed.map((v) => v.j).join(', ');
      return [
        finding(
          meta,
          at(index, 'legal_basis'),
          `declaration "${d.id}" (${where} subjects): ${first.detail}`,
          `선언 "${d.id}"(${where} 정보주체): ${problemKo(first.problem)}`,
        ),
      ];
    }),
  );
}

function failures(model: RegistryModel, d: Declaration, party: Party): Array<Verdict & { j: Jurisdiction }> {
  return model.operator.jurisdictions.flatMap((j) => {
    const v = legalBasisVerdict(model, d, party, j);
    return v.ok ? [] : [{ ...v, j }];
  });
}

export const thirdPartyBasisRule = basisRule(
  {
    code: 'THIRD_PARTY_NO_BASIS',
    severity: 'error',
    articles: ['PIPA 17(1)'],
    title: 'A third party receives only on consent or a PIPA 15(1)2, 3, 5–7 ground',
    description:
      'Serving KR, a declaration to a recipient with role `third_party` or `affiliate` has `legal_basis` `consent`, `legal_obligation`, ' +
      '`public_task`, `vital_interest`, `legitimate_interest` (with `balancing_test`) or `public_safety`. `contract_necessity` (PIPA ' +
      '15(1)4) is never a ground for provision: a seller is a third party; a courier or host that works for the operator is an entrustee ' +
      '(`role: processor`). The gate denies such a release with NO_LEGAL_BASIS.',
  },
  new Set<Problem>(['contract_not_provision', 'no_basis']),
);

export const mechanismBasisRule = basisRule(
  {
    code: 'BASIS_IS_TRANSFER_MECHANISM',
    severity: 'error',
    articles: ['PIPA 15(1)', 'PIPA 17(1)', 'GDPR 6', 'GDPR 44'],
    title: 'Transfer mechanisms are never legal bases',
    description:
      '`legal_basis` is not `certification`, `adequacy`, `scc`, `bcr` or `derogation`: those are transfer mechanisms (PIPA 28-8, GDPR ' +
      'Chapter V) and answer where data may go, not whether it may be processed. Declare the basis and, separately, `transfer.ground`.',
  },
  new Set<Problem>(['transfer_mechanism']),
);

export const legitimateInterestRule = basisRule(
  {
    code: 'LEGITIMATE_INTEREST_UNBALANCED',
    severity: 'error',
    articles: ['PIPA 15(1)', 'GDPR 6'],
    title: 'Legitimate interests rest on a recorded balancing test',
    description: '`legal_basis: legitimate_interest` names the recorded balancing test in `balancing_test` (GDPR 6(1)(f), PIPA 15(1)6).',
  },
  new Set<Problem>(['no_balancing_test']),
);

export const gdprBasisRule = basisRule(
  {
    code: 'NOT_A_GDPR_BASIS',
    severity: 'error',
    articles: ['GDPR 6'],
    title: 'EU residents’ data rests on one of the six bases of GDPR 6(1)',
    description: 'Serving EU, `legal_basis` is one of `consent`, `contract_necessity`, `legal_obligation`, `vital_interest`, `public_task`, `legitimate_interest` (or `processor` for a processor). `public_safety` is a PIPA ground only.',
  },
  new Set<Problem>(['not_a_gdpr_basis']),
);

export const processorBasisRule = basisRule(
  {
    code: 'PROCESSOR_BASIS_MISUSED',
    severity: 'error',
    articles: ['PIPA 17', 'PIPA 26', 'GDPR 28'],
    title: 'The `processor` legal basis is used only for processors',
    description:
      'Outsourcing to a processor is not a provision to a third party and needs no consent of its own; calling a third party or affiliate ' +
      'a processor would skip the consent and notice that PIPA 17 requires. `legal_basis: processor` is an error unless the recipient ' +
      '(or class) has `role: processor`.',
  },
  new Set<Problem>(['processor_basis_for_third_party']),
);

/** Exported for the rule tests. */
export const thirdPartyHasProvisionGround = thirdPartyBasisRule.check;
export const basisIsNotTransferMechanism = mechanismBasisRule.check;
export const legitimateInterestBalanced = legitimateInterestRule.check;
export const gdprBasisOfSix = gdprBasisRule.check;
export const processorBasisOnlyForProcessors = processorBasisRule.check;

export type { RuleFinding };
