import type { LawPack } from '../types.ts';
import { refuse } from '../types.ts';
import { KR_AGREEMENT_RULES } from './agreement.ts';
import { KR_BASIS_RULES } from './basis.ts';
import { KR_BREACH_RULES, KR_USAGE_NOTICE_RULES } from './duties.ts';
import { KR_ENTRUSTMENT_RULES } from './entrustment.ts';
import { KR_TRANSFER_RULES } from './transfer.ts';

/** Korea: the Personal Information Protection Act as in force since 15 September 2023. */
export const KR_PACK: LawPack = {
  jurisdiction: 'KR',
  name: 'Personal Information Protection Act (Republic of Korea)',
  basis: {
    mode: 'every',
    rules: KR_BASIS_RULES,
    fallback: (c) => refuse('no_basis', `no PIPA ground for ${c.basis}`, 'PIPA 17(1)'),
  },
  transfer: {
    mode: 'any',
    rules: KR_TRANSFER_RULES,
    fallback: (c) => refuse('no_ground', `transfer to ${c.country} declares no transfer ground`, 'PIPA 28-8(1)'),
  },
  agreement: { mode: 'every', rules: KR_AGREEMENT_RULES, fallback: () => ({ ok: true, detail: 'no agreement required', article: 'PIPA 26(1)' }) },
  entrustment: { mode: 'every', rules: KR_ENTRUSTMENT_RULES, fallback: () => ({ ok: true, detail: 'not an entrustment', article: 'PIPA 26(2)' }) },
  duties: { breach: { rules: KR_BREACH_RULES }, usageNotice: { rules: KR_USAGE_NOTICE_RULES } },
};
