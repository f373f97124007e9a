import type { LawPack } from '../types.ts';
import { refuse } from '../types.ts';
import { KR_AGREEMENT_RULES } from './agreement.ts';
import { KR_BASIS_RULES } from './basis.ts';
import { KR_BREACH_RULES, KR_RECTIFICATION_RULES, KR_USAGE_NOTICE_RULES } from './duties.ts';
import { KR_ENTRUSTMENT_RULES } from './entrustment.ts';
import { KR_FORMER_BASIS_RULES } from './former-basis.ts';
import { KR_FORMER_TRANSFER_RULES } from './former-transfer.ts';
import { KR_TRANSFER_RULES } from './transfer.ts';
import { PIPA_2020, PIPA_2020_LAST_DAY, PIPA_2023, SOURCES } from '../sources.ts';

/**
 * Korea: the Personal Information Protection Act as in force since 15 September 2023 and, for the
 * legal basis and the transfer questions, the former rules in force from 5 August 2020 to 14 September
 * 2023 (17(1), 17(3), 39-12).
 */
export const KR_PACK: LawPack = {
  jurisdiction: 'KR',
  name: 'Personal Information Protection Act (Republic of Korea)',
  timeZone: 'Asia/Seoul',
  versions: [
    {
      id: 'PIPA-2020',
      title: 'PIPA as amended by Act No. 16930 (former 17(3) and 39-12), 2020-08-05 to 2023-09-14',
      effectiveFrom: PIPA_2020,
      effectiveTo: PIPA_2020_LAST_DAY,
      source: SOURCES.PIPA_2020,
      transferArticle: 'PIPA 17(3), 39-12(2) (former)',
    },
    {
      id: 'PIPA-2023',
      title: 'PIPA as amended by Act No. 19234 (28-8), from 2023-09-15',
      effectiveFrom: PIPA_2023,
      source: SOURCES.PIPA,
      transferArticle: 'PIPA 28-8(1)',
    },
  ],
  basis: {
    mode: 'every',
    rules: [...KR_FORMER_BASIS_RULES, ...KR_BASIS_RULES],
    fallback: (c) => refuse('no_basis', `no PIPA ground for ${c.basis}`, 'PIPA 17(1)'),
  },
  transfer: {
    mode: 'any',
    rules: [...KR_FORMER_TRANSFER_RULES, ...KR_TRANSFER_RULES],
    // Before 5 August 2020 no rule of the pack is in force: the pack carries no older text (the
    // Network Act's Art. 63, the 2011 PIPA), so such a transfer is reported, never silently passed.
    fallback: (c) =>
      c.on !== undefined && c.on < PIPA_2020
        ? refuse('no_ground', `transfer to ${c.country} on ${c.on}: the PIPA before ${PIPA_2020} is not carried by this pack; review by hand`, 'PIPA 17(3) (former)')
        : refuse('no_ground', `transfer to ${c.country} declares no transfer ground`, c.on !== undefined && c.on < PIPA_2023 ? 'PIPA 17(3) (former)' : 'PIPA 28-8(1)'),
  },
  agreement: { mode: 'every', rules: KR_AGREEMENT_RULES, fallback: () => ({ ok: true, detail: 'no agreement required', article: 'PIPA 26(1)' }) },
  entrustment: { mode: 'every', rules: KR_ENTRUSTMENT_RULES, fallback: () => ({ ok: true, detail: 'not an entrustment', article: 'PIPA 26(2)' }) },
  duties: { breach: { rules: KR_BREACH_RULES }, usageNotice: { rules: KR_USAGE_NOTICE_RULES }, rectification: { rules: KR_RECTIFICATION_RULES } },
};
