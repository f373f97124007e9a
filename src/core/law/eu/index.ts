import type { LawPack } from '../types.ts';
import { refuse } from '../types.ts';
import { EU_AGREEMENT_RULES } from './agreement.ts';
import { EU_BASIS_RULES } from './basis.ts';
import { EU_BREACH_RULES, EU_RECTIFICATION_RULES } from './duties.ts';
import { EU_ENTRUSTMENT_RULES } from './entrustment.ts';
import { EU_TRANSFER_RULES } from './transfer.ts';
import { GDPR_APPLIES, SOURCES } from '../sources.ts';

/** The European Union (and the EEA): the GDPR. */
export const EU_PACK: LawPack = {
  jurisdiction: 'EU',
  name: 'General Data Protection Regulation (EU) 2016/679',
  // Reading: the Union's effective dates are read as calendar dates in Brussels.
  timeZone: 'Europe/Brussels',
  versions: [{ id: 'GDPR', title: 'GDPR, from 2018-05-25', effectiveFrom: GDPR_APPLIES, source: SOURCES.GDPR, transferArticle: 'GDPR 44' }],
  basis: {
    mode: 'every',
    rules: EU_BASIS_RULES,
    fallback: (c) => refuse('no_basis', `no GDPR 6(1) basis for ${c.basis}`, 'GDPR 6(1)'),
  },
  transfer: {
    mode: 'any',
    rules: EU_TRANSFER_RULES,
    fallback: (c) => refuse('no_ground', `${c.country} has no adequacy decision and the transfer has no safeguard or valid derogation`, 'GDPR 44'),
  },
  agreement: { mode: 'every', rules: EU_AGREEMENT_RULES, fallback: () => ({ ok: true, detail: 'no agreement required', article: 'GDPR 28(3)' }) },
  entrustment: { mode: 'every', rules: EU_ENTRUSTMENT_RULES, fallback: () => ({ ok: true, detail: 'not a processor', article: 'GDPR 28(2)' }) },
  duties: { breach: { rules: EU_BREACH_RULES }, usageNotice: { rules: [] }, rectification: { rules: EU_RECTIFICATION_RULES } },
};
