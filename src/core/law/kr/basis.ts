import type { LegalBasis } from '../../registry/schema.ts';
import { PIPA_2023, SOURCES } from '../sources.ts';
import { grant, refuse, type BasisCase, type LawRule } from '../types.ts';
import { TRANSFER_MECHANISMS } from '../vocabulary.ts';

/** PIPA 15(1)1–7 as the registry names them: every ground the operator may process on. */
export const PIPA_15_GROUNDS: ReadonlySet<LegalBasis> = new Set([
  'consent',
  'legal_obligation',
  'public_task',
  'contract_necessity',
  'vital_interest',
  'legitimate_interest',
  'public_safety',
]);

/** PIPA 17(1): consent (1), or 15(1)2, 3 and 5–7 (2). Contract necessity (15(1)4) is not among them. */
export const PIPA_17_GROUNDS: ReadonlySet<LegalBasis> = new Set([
  'consent',
  'legal_obligation',
  'public_task',
  'vital_interest',
  'legitimate_interest',
  'public_safety',
]);


const isProvision = (c: BasisCase) => c.role === 'third_party' || c.role === 'affiliate';

export const provisionGrounds: LawRule<BasisCase> = {
  id: 'KR.PROVISION_GROUNDS',
  title: 'Provision to a third party only on consent or a 15(1)2, 3, 5–7 ground',
  article: 'PIPA 17(1)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    'A recipient that uses the data for its own purposes (role third_party or affiliate — a group company is a third party in law) ' +
    'receives it only on consent or on 15(1)2, 3, 5, 6 or 7. Contract necessity (15(1)4) is never a ground for provision, even when ' +
    'the recipient is needed to deliver the order: work done for the operator is entrustment (PIPA 26), a seller is a third party.',
  judge(c) {
    if (!isProvision(c) || TRANSFER_MECHANISMS.has(c.basis)) return undefined;
    if (PIPA_17_GROUNDS.has(c.basis)) {
      return grant(`${c.partyName} receives on ${c.basis}`, c.basis === 'consent' ? 'PIPA 17(1)1' : 'PIPA 17(1)2');
    }
    if (c.basis === 'processor') {
      return refuse('processor_basis_for_third_party', `${c.partyName} is a ${c.role}, not an entrustee: the processor basis cannot carry a provision`, 'PIPA 17(1)');
    }
    return refuse('contract_not_provision', `contract necessity (15(1)4) is not a ground for provision to ${c.partyName} (PIPA 17(1) allows consent or 15(1)2, 3, 5–7)`, 'PIPA 17(1)');
  },
};

export const entrustmentBasis: LawRule<BasisCase> = {
  id: 'KR.ENTRUSTMENT_BASIS',
  title: 'Entrustment rests on the operator’s own 15(1) ground',
  article: 'PIPA 26',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    'Entrustment is not a provision and needs no consent of its own: the entrustee processes for the operator, whose ground for the ' +
    'purpose (any of 15(1)1–7, or `processor` meaning exactly that) carries it.',
  judge(c) {
    if (c.role !== 'processor' || TRANSFER_MECHANISMS.has(c.basis)) return undefined;
    return grant(`${c.partyName} processes for the operator (entrustment, ${c.basis})`, 'PIPA 26');
  },
};

export const mechanismNotBasis: LawRule<BasisCase> = {
  id: 'KR.MECHANISM_NOT_BASIS',
  title: 'A transfer mechanism is not a legal basis',
  article: 'PIPA 15(1)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading: 'Certification, adequacy, SCCs, BCRs and derogations answer where data may go (28-8), never whether it may be processed or provided (15, 17).',
  judge(c) {
    if (!TRANSFER_MECHANISMS.has(c.basis)) return undefined;
    return refuse('transfer_mechanism', `"${c.basis}" is a transfer mechanism, not a ground under PIPA 15(1) or 17(1)`, isProvision(c) ? 'PIPA 17(1)' : 'PIPA 15(1)');
  },
};

export const legitimateInterestRecorded: LawRule<BasisCase> = {
  id: 'KR.LEGITIMATE_INTEREST_RECORDED',
  title: 'Clearly overriding legitimate interest only with a recorded balancing test',
  article: 'PIPA 15(1)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    '15(1)6 requires the operator’s interest to clearly override the subject’s rights; the operator must be able to show it did that ' +
    'weighing, so the registry names the recorded balancing test (`balancing_test`).',
  judge(c) {
    if (c.basis !== 'legitimate_interest' || c.balancingTest) return undefined;
    return refuse('no_balancing_test', `legitimate interest for ${c.partyName} without a recorded balancing test`, 'PIPA 15(1)');
  },
};

export const KR_BASIS_RULES = [provisionGrounds, entrustmentBasis, mechanismNotBasis, legitimateInterestRecorded] as const;
