import { PIPA_2020, PIPA_2023, SOURCES } from '../sources.ts';
import type { BreachCase, LawRule, RectificationCase, RuleAnswer, UsageNoticeCase } from '../types.ts';

/**
 * Duties PIPA attaches to events rather than to a release: telling subjects and the PIPC about a
 * breach (Article 34, Enforcement Decree 39–40) and the yearly usage-history notice (Article 20-2,
 * Enforcement Decree 15-3). Each rule says whether its duty applies (`ok: true`) and why.
 */
const applies = (detail: string, article: string): RuleAnswer => ({ ok: true, detail, article });
const notApplies = (detail: string, article: string): RuleAnswer => ({ ok: false, detail, article });

/** Decree 40(1)1: the subject count from which any leak is reported to the PIPC. */
export const PIPC_SUBJECT_THRESHOLD = 1000;

const subjectNotice: LawRule<BreachCase> = {
  id: 'KR.BREACH_SUBJECT_NOTICE',
  title: 'Notify the affected subjects of a breach',
  article: 'PIPA 34(1)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading:
    'Every affected subject is told, whatever their number, without delay and at the latest within 72 hours of the controller becoming aware (decree 39(1)); the clock starts at discovery, not when the investigation ends.',
  judge: (c) =>
    c.krSubjects > 0 ? applies(`${c.krSubjects} subject(s) under PIPA affected`, 'PIPA 34(1)') : notApplies('no subject under PIPA affected', 'PIPA 34(1)'),
};

const reportCount: LawRule<BreachCase> = {
  id: 'KR.BREACH_REPORT_1000',
  title: 'Report a breach of 1,000 or more subjects to the PIPC',
  article: 'PIPA 34(3)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading: 'Counted in distinct subjects under PIPA whose data reached the compromised recipient or window (decree 40(1)1), not in records.',
  judge: (c) =>
    c.krSubjects >= PIPC_SUBJECT_THRESHOLD
      ? applies(`${c.krSubjects} subjects ≥ ${PIPC_SUBJECT_THRESHOLD}`, 'PIPA 34(3)')
      : notApplies(`${c.krSubjects} subjects < ${PIPC_SUBJECT_THRESHOLD}`, 'PIPA 34(3)'),
};

const reportSensitive: LawRule<BreachCase> = {
  id: 'KR.BREACH_REPORT_SENSITIVE',
  title: 'Report a breach of sensitive information to the PIPC, whatever the count',
  article: 'PIPA 34(3)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading: 'Any item the registry marks `sensitivity: sensitive` (PIPA 23) that reached at least one affected subject (decree 40(1)2).',
  judge: (c) =>
    c.krSubjects > 0 && c.sensitivities.includes('sensitive') ? applies('a sensitive item (PIPA 23) was leaked', 'PIPA 34(3)') : undefined,
};

const reportUniqueId: LawRule<BreachCase> = {
  id: 'KR.BREACH_REPORT_UNIQUE_ID',
  title: 'Report a breach of unique identifiers to the PIPC, whatever the count',
  article: 'PIPA 34(3)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading: 'Any item the registry marks `sensitivity: unique_identifier` (PIPA 24, 24-2) that reached at least one affected subject (decree 40(1)2).',
  judge: (c) =>
    c.krSubjects > 0 && c.sensitivities.includes('unique_identifier') ? applies('a unique-identifier item (PIPA 24) was leaked', 'PIPA 34(3)') : undefined,
};

const reportUnauthorisedAccess: LawRule<BreachCase> = {
  id: 'KR.BREACH_REPORT_UNAUTHORISED_ACCESS',
  title: 'Report a breach caused by unauthorised access to the PIPC, whatever the count',
  article: 'PIPA 34(3)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading:
    'When the leak results from unauthorised access from outside (hacking) to a system processing the data or to a device of a person handling it (decree 40(1)3), one affected subject is enough. The operator states the cause (`unauthorised_access`); a compromised recipient counts too: its systems process the data the operator provided. When the operator has not stated the cause, the assessment says so (`cause.unauthorised_access: null`) instead of reading silence as “no”.',
  judge: (c) =>
    c.krSubjects > 0 && c.unauthorisedAccess ? applies('the leak results from unauthorised access from outside', 'PIPA 34(3)') : undefined,
};

export const KR_BREACH_RULES: readonly LawRule<BreachCase>[] = [subjectNotice, reportCount, reportSensitive, reportUniqueId, reportUnauthorisedAccess];

/** Decree 15-3(1): the daily averages from which the usage-history notice is due. */
export const USAGE_NOTICE_THRESHOLD = 1_000_000;
export const USAGE_NOTICE_SENSITIVE_THRESHOLD = 50_000;

const usageNotice: LawRule<UsageNoticeCase> = {
  id: 'KR.USAGE_NOTICE_THRESHOLD',
  title: 'Yearly notice of use and provision to each subject, over the decree’s thresholds',
  article: 'PIPA 20-2',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA_DECREE,
  reading:
    'Due when the daily average of subjects whose data is stored, over the last three months of the year, is 1,000,000 or more, or 50,000 or more when the registry holds any sensitive or unique-identifier category (protective: the whole subject count is compared, not only the subjects whose sensitive items are stored). Every subject whose data is held gets a notice, whatever their jurisdiction; each lists every recipient — third parties and entrustees alike — with the items, the dates and the ground.',
  judge: (c) => {
    const avg = c.averageDailySubjects;
    if (avg >= USAGE_NOTICE_THRESHOLD) return applies(`daily average ${avg} subjects ≥ ${USAGE_NOTICE_THRESHOLD}`, 'PIPA 20-2');
    if (c.sensitiveOrUniqueData && avg >= USAGE_NOTICE_SENSITIVE_THRESHOLD) {
      return applies(`daily average ${avg} subjects ≥ ${USAGE_NOTICE_SENSITIVE_THRESHOLD} with sensitive or unique-identifier data`, 'PIPA 20-2');
    }
    const limit = c.sensitiveOrUniqueData ? USAGE_NOTICE_SENSITIVE_THRESHOLD : USAGE_NOTICE_THRESHOLD;
    return notApplies(`daily average ${avg} subjects < ${limit}${c.sensitiveOrUniqueData ? ' (sensitive or unique-identifier data)' : ''}`, 'PIPA 20-2');
  },
};

export const KR_USAGE_NOTICE_RULES: readonly LawRule<UsageNoticeCase>[] = [usageNotice];

const rectification: LawRule<RectificationCase> = {
  id: 'KR.RECTIFICATION_RECIPIENTS',
  title: 'Tell the recipients of the data about a completed correction',
  article: 'PIPA 36(2)',
  effectiveFrom: PIPA_2020,
  source: SOURCES.PIPA,
  reading:
    'PIPA 36(2) requires the controller to correct the data without delay; it names no duty to tell earlier recipients. Protective reading: data already provided keeps its error until the recipient learns of the correction, so a correction is complete only once every recipient the release ledger shows is told (as GDPR 19 requires for EU subjects).',
  judge: (c) =>
    c.recipients > 0 ? applies(`${c.recipients} recipient(s) received the data`, 'PIPA 36(2)') : notApplies('no recipient received the data', 'PIPA 36(2)'),
};

export const KR_RECTIFICATION_RULES: readonly LawRule<RectificationCase>[] = [rectification];
