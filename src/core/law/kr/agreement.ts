import type { AgreementClause } from '../../registry/schema.ts';
import { PIPA_2023, SOURCES } from '../sources.ts';
import type { LawRule, PartyCase } from '../types.ts';
import { clausesAnswer } from '../vocabulary.ts';

/** PIPA 26(1) and decree: the entrustment document's terms. */
export const PIPA_26_CLAUSES: readonly AgreementClause[] = [
  'work_scope',
  'purpose_limitation',
  'security_measures',
  're_entrustment_limits',
  'supervision',
  'liability',
];

/**
 * PIPA 28-8(4) and decree: the contract with an overseas recipient carries safety measures, grievance
 * handling and dispute resolution and other protective measures. Read protectively, the other
 * measures include the purpose limit, the onward-transfer rule of 28-8(5) and destruction at the end.
 */
export const PIPA_28_8_4_CLAUSES: readonly AgreementClause[] = [
  'security_measures',
  'grievance_handling',
  'dispute_resolution',
  'purpose_limitation',
  'onward_transfer',
  'return_or_destruction',
];

export const entrustmentAgreement: LawRule<PartyCase> = {
  id: 'KR.ENTRUSTMENT_AGREEMENT',
  title: 'An entrustee works under a written agreement with the 26(1) terms',
  article: 'PIPA 26(1)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading: 'The agreement (`agreement`) must carry the work and its scope, the purpose limit, safety measures, re-entrustment limits, supervision and liability.',
  judge(c) {
    if (c.role !== 'processor') return undefined;
    return clausesAnswer(c, PIPA_26_CLAUSES, 'PIPA 26(1)', 'entrustment agreement');
  },
};

export const overseasAgreement: LawRule<PartyCase> = {
  id: 'KR.OVERSEAS_AGREEMENT',
  title: 'Every overseas recipient, sellers included, under a contract with the 28-8(4) measures',
  article: 'PIPA 28-8(4)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading:
    'Whatever the ground and the role — a seller receiving on consent too — the contract with a recipient abroad carries the safety ' +
    'measures, grievance handling, dispute resolution and the other protective measures (purpose limit, onward transfer, destruction).',
  judge(c) {
    if (!c.overseas) return undefined;
    return clausesAnswer(c, PIPA_28_8_4_CLAUSES, 'PIPA 28-8(4)', 'overseas transfer agreement');
  },
};

export const KR_AGREEMENT_RULES = [entrustmentAgreement, overseasAgreement] as const;
