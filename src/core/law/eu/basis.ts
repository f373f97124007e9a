import type { LegalBasis } from '../../registry/schema.ts';
import { TRANSFER_MECHANISMS } from '../vocabulary.ts';
import { GDPR_APPLIES, SOURCES } from '../sources.ts';
import { grant, refuse, type BasisCase, type LawRule } from '../types.ts';

/** GDPR 6(1)(a)–(f), by the registry's names. */
export const GDPR_6_POINTS: Readonly<Partial<Record<LegalBasis, string>>> = {
  consent: 'GDPR 6(1)(a)',
  contract_necessity: 'GDPR 6(1)(b)',
  legal_obligation: 'GDPR 6(1)(c)',
  vital_interest: 'GDPR 6(1)(d)',
  public_task: 'GDPR 6(1)(e)',
  legitimate_interest: 'GDPR 6(1)(f)',
};

export const lawfulBases: LawRule<BasisCase> = {
  id: 'EU.LAWFUL_BASES',
  title: 'One of the six bases of Art. 6(1)',
  article: 'GDPR 6(1)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading:
    'Processing — disclosure to a recipient included — rests on one of the six bases of Art. 6(1). `processor` means the operator’s own ' +
    'basis for the purpose carries the processor’s work (Art. 28) and is only for role processor. `public_safety` (PIPA 15(1)7) has no ' +
    'GDPR counterpart of its own.',
  judge(c) {
    if (TRANSFER_MECHANISMS.has(c.basis)) return undefined;
    const point = GDPR_6_POINTS[c.basis];
    if (point) return grant(`${c.partyName} receives on ${c.basis}`, point);
    if (c.basis === 'processor') {
      return c.role === 'processor'
        ? grant(`${c.partyName} processes on the operator's behalf`, 'GDPR 28')
        : refuse('processor_basis_for_third_party', `${c.partyName} is a ${c.role}, not a processor`, 'GDPR 6(1)');
    }
    return refuse('not_a_gdpr_basis', `"${c.basis}" is not one of the bases of GDPR 6(1)`, 'GDPR 6(1)');
  },
};

export const mechanismNotBasisEu: LawRule<BasisCase> = {
  id: 'EU.MECHANISM_NOT_BASIS',
  title: 'SCCs, adequacy, certification and derogations are Chapter V mechanisms, never a legal basis',
  article: 'GDPR 44',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'A transfer needs both: a basis under Art. 6 for the processing and a Chapter V mechanism for the transfer (Art. 44). One never stands for the other.',
  judge: (c) =>
    TRANSFER_MECHANISMS.has(c.basis)
      ? refuse('transfer_mechanism', `"${c.basis}" is a Chapter V transfer mechanism, not a basis under GDPR 6(1)`, 'GDPR 6(1)')
      : undefined,
};

export const legitimateInterestBalanced: LawRule<BasisCase> = {
  id: 'EU.LEGITIMATE_INTEREST_BALANCED',
  title: 'Legitimate interests with a recorded balancing test',
  article: 'GDPR 6(1)(f)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'Art. 6(1)(f) holds only where the interests are not overridden by the subject’s; accountability (Art. 5(2)) means the weighing is recorded and named (`balancing_test`).',
  judge: (c) =>
    c.basis === 'legitimate_interest' && !c.balancingTest
      ? refuse('no_balancing_test', `legitimate interests for ${c.partyName} without a recorded balancing test`, 'GDPR 6(1)(f)')
      : undefined,
};

export const EU_BASIS_RULES = [lawfulBases, mechanismNotBasisEu, legitimateInterestBalanced] as const;
