import { GDPR_APPLIES, SOURCES } from '../sources.ts';
import type { BreachCase, LawRule, RectificationCase } from '../types.ts';

/**
 * GDPR breach duties: the supervisory authority (Art. 33) and the data subjects (Art. 34). Each
 * rule says whether its duty applies (`ok: true`) and why. The GDPR has no usage-history notice.
 */
const authority: LawRule<BreachCase> = {
  id: 'EU.BREACH_AUTHORITY',
  title: 'Notify the supervisory authority of a breach within 72 hours',
  article: 'GDPR 33',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading:
    'Whenever EU subjects are affected. Art. 33(1) exempts a breach "unlikely to result in a risk"; the report cannot judge that, so it lists the duty and leaves the exemption to the controller’s documented decision (Art. 33(5)).',
  judge: (c) =>
    c.euSubjects > 0
      ? { ok: true, detail: `${c.euSubjects} EU subject(s) affected`, article: 'GDPR 33' }
      : { ok: false, detail: 'no EU subject affected', article: 'GDPR 33' },
};

const subjects: LawRule<BreachCase> = {
  id: 'EU.BREACH_SUBJECT_NOTICE',
  title: 'Communicate a high-risk breach to the data subjects without undue delay',
  article: 'GDPR 34',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading:
    'Due "without undue delay" (no fixed hours) when the breach is likely to result in a high risk. Protective reading: a breach is presumed high-risk until the controller records that it is not (`high_risk: false`), and a breach of special-category (sensitive) or unique-identifier items is treated as high-risk whatever the controller records (EDPB Guidelines 9/2022). The Art. 34(3) exceptions (data unintelligible to the intruder, risk no longer likely, public communication instead) are the controller’s to document.',
  judge: (c) => {
    if (c.euSubjects === 0) return { ok: false, detail: 'no EU subject affected', article: 'GDPR 34' };
    if (c.sensitivities.some((s) => s !== 'normal')) return { ok: true, detail: 'special-category or unique-identifier items leaked: high risk', article: 'GDPR 34' };
    if (c.highRisk === false) return { ok: false, detail: 'the controller assessed the risk as not high', article: 'GDPR 34' };
    return { ok: true, detail: c.highRisk ? 'the controller assessed the risk as high' : 'high risk presumed: no assessment recorded', article: 'GDPR 34' };
  },
};

export const EU_BREACH_RULES: readonly LawRule<BreachCase>[] = [authority, subjects];

const rectification: LawRule<RectificationCase> = {
  id: 'EU.RECTIFICATION_RECIPIENTS',
  title: 'Communicate a rectification to each recipient the data was disclosed to',
  article: 'GDPR 19',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading:
    'Every recipient the release ledger shows received the data in the correction\'s scope is told. The Art. 19 exception ("impossible or involves disproportionate effort") is not presumed: the ledger names each recipient and its endpoint, so telling them is neither.',
  judge: (c) =>
    c.recipients > 0
      ? { ok: true, detail: `${c.recipients} recipient(s) received the data`, article: 'GDPR 19' }
      : { ok: false, detail: 'no recipient received the data', article: 'GDPR 19' },
};

export const EU_RECTIFICATION_RULES: readonly LawRule<RectificationCase>[] = [rectification];
