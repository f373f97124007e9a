import type { LegalBasis } from '../../registry/schema.ts';
import { PIPA_2020, PIPA_2020_LAST_DAY, SOURCES } from '../sources.ts';
import { grant, refuse, type BasisCase, type LawRule } from '../types.ts';
import { TRANSFER_MECHANISMS } from '../vocabulary.ts';
import { entrustmentBasis, legitimateInterestRecorded, mechanismNotBasis } from './basis.ts';

/**
 * The legal basis before 15 September 2023 (PIPA as amended by Act No. 16930, in force 5 August
 * 2020). Former 17(1)2 allowed provision to a third party, without consent, only on 15(1)2, 3 and 5
 * (a law or legal duty, a public body's duty, urgent vital interests): neither a clearly overriding
 * legitimate interest (15(1)6) nor urgent public safety (15(1)7, added in 2023) carried a provision.
 * Entrustment (26), the 15(1) grounds and the legitimate-interest ground for the operator's own
 * processing read as today, so those rules are in force for the former period under their own ids.
 */

const FORMER_17_1 = 'PIPA 17(1) (former)';
/** Former 17(1)2: 15(1)2, 3 and 5 — besides consent (17(1)1). */
const FORMER_17_GROUNDS: ReadonlySet<LegalBasis> = new Set(['consent', 'legal_obligation', 'public_task', 'vital_interest']);

const isProvision = (c: BasisCase) => c.role === 'third_party' || c.role === 'affiliate';
const former = { effectiveFrom: PIPA_2020, effectiveTo: PIPA_2020_LAST_DAY, source: SOURCES.PIPA_2020 } as const;

export const formerProvisionGrounds: LawRule<BasisCase> = {
  id: 'KR.FORMER_PROVISION_GROUNDS',
  title: 'Before 15 September 2023: provision to a third party only on consent or a 15(1)2, 3 or 5 ground',
  article: FORMER_17_1,
  ...former,
  reading:
    'A third party or affiliate received data only on consent or on 15(1)2, 3 or 5 (former 17(1)2). A legitimate interest or public ' +
    'safety did not carry a provision before 15 September 2023, and contract necessity never did.',
  judge(c) {
    if (!isProvision(c) || TRANSFER_MECHANISMS.has(c.basis)) return undefined;
    if (FORMER_17_GROUNDS.has(c.basis)) return grant(`${c.partyName} receives on ${c.basis}`, FORMER_17_1);
    if (c.basis === 'processor') {
      return refuse('processor_basis_for_third_party', `${c.partyName} is a ${c.role}, not an entrustee: the processor basis cannot carry a provision`, FORMER_17_1);
    }
    if (c.basis === 'contract_necessity') {
      return refuse('contract_not_provision', `contract necessity (15(1)4) is not a ground for provision to ${c.partyName} (former 17(1) allowed consent or 15(1)2, 3, 5)`, FORMER_17_1);
    }
    return refuse('no_basis', `before 15 September 2023, ${c.basis} was no ground for provision to ${c.partyName} (former 17(1)2: 15(1)2, 3 and 5 only)`, FORMER_17_1);
  },
};

export const formerEntrustmentBasis: LawRule<BasisCase> = { ...entrustmentBasis, id: 'KR.FORMER_ENTRUSTMENT_BASIS', ...former };
export const formerMechanismNotBasis: LawRule<BasisCase> = { ...mechanismNotBasis, id: 'KR.FORMER_MECHANISM_NOT_BASIS', ...former };
export const formerLegitimateInterestRecorded: LawRule<BasisCase> = { ...legitimateInterestRecorded, id: 'KR.FORMER_LEGITIMATE_INTEREST_RECORDED', ...former };

export const KR_FORMER_BASIS_RULES = [formerProvisionGrounds, formerEntrustmentBasis, formerMechanismNotBasis, formerLegitimateInterestRecorded] as const;
