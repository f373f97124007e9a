import { describe, expect, it } from 'vitest';
import { dutiesOf, PACKS } from '../../src/core/law/packs.ts';
import type { BreachCase, UsageNoticeCase } from '../../src/core/law/types.ts';

/** The duty rules of the packs (src/core/law/{kr,eu}/duties.ts): each test asserts its rule id. */
const breach = (over: Partial<BreachCase>): BreachCase => ({ on: '2026-03-01', krSubjects: 0, euSubjects: 0, sensitivities: [], unauthorisedAccess: false, highRisk: undefined, ...over });
const usage = (over: Partial<UsageNoticeCase>): UsageNoticeCase => ({ on: '2026-12-31', averageDailySubjects: 0, sensitiveOrUniqueData: false, ...over });

const verdict = (rule: string, c: BreachCase) => [...dutiesOf(PACKS.KR.duties.breach, c), ...dutiesOf(PACKS.EU.duties.breach, c)].find((v) => v.rule === rule);
const usageVerdict = (c: UsageNoticeCase) => dutiesOf(PACKS.KR.duties.usageNotice, c)[0];

describe('KR breach duties (PIPA 34, decree 39–40)', () => {
  it('KR.BREACH_SUBJECT_NOTICE: every affected subject under PIPA is told, one is enough', () => {
    expect(verdict('KR.BREACH_SUBJECT_NOTICE', breach({ krSubjects: 1 }))).toMatchObject({ ok: true, article: 'PIPA 34(1)' });
    expect(verdict('KR.BREACH_SUBJECT_NOTICE', breach({ euSubjects: 5 }))).toMatchObject({ ok: false });
  });

  it('KR.BREACH_REPORT_1000: the PIPC report from 1,000 subjects exactly', () => {
    expect(verdict('KR.BREACH_REPORT_1000', breach({ krSubjects: 999 }))).toMatchObject({ ok: false, article: 'PIPA 34(3)' });
    expect(verdict('KR.BREACH_REPORT_1000', breach({ krSubjects: 1000 }))).toMatchObject({ ok: true, article: 'PIPA 34(3)' });
  });

  it('KR.BREACH_REPORT_SENSITIVE: a sensitive item reported whatever the count, never with nobody affected', () => {
    expect(verdict('KR.BREACH_REPORT_SENSITIVE', breach({ krSubjects: 1, sensitivities: ['normal', 'sensitive'] }))).toMatchObject({ ok: true });
    expect(verdict('KR.BREACH_REPORT_SENSITIVE', breach({ krSubjects: 0, sensitivities: ['sensitive'] }))).toBeUndefined();
    expect(verdict('KR.BREACH_REPORT_SENSITIVE', breach({ krSubjects: 5, sensitivities: ['unique_identifier'] }))).toBeUndefined();
  });

  it('KR.BREACH_REPORT_UNIQUE_ID: a unique identifier reported whatever the count', () => {
    expect(verdict('KR.BREACH_REPORT_UNIQUE_ID', breach({ krSubjects: 2, sensitivities: ['unique_identifier'] }))).toMatchObject({ ok: true });
    expect(verdict('KR.BREACH_REPORT_UNIQUE_ID', breach({ krSubjects: 2, sensitivities: ['normal'] }))).toBeUndefined();
  });

  it('KR.BREACH_REPORT_UNAUTHORISED_ACCESS: a leak by unauthorised access from outside is reported for a single subject', () => {
    expect(verdict('KR.BREACH_REPORT_UNAUTHORISED_ACCESS', breach({ krSubjects: 1, unauthorisedAccess: true }))).toMatchObject({ ok: true, article: 'PIPA 34(3)' });
    expect(verdict('KR.BREACH_REPORT_UNAUTHORISED_ACCESS', breach({ krSubjects: 1 }))).toBeUndefined();
    expect(verdict('KR.BREACH_REPORT_UNAUTHORISED_ACCESS', breach({ euSubjects: 3, unauthorisedAccess: true }))).toBeUndefined();
    // Judged by the law of the day of discovery: the decree's third trigger is in force from 15 September 2023.
    expect(verdict('KR.BREACH_REPORT_UNAUTHORISED_ACCESS', breach({ on: '2023-09-14', krSubjects: 1, unauthorisedAccess: true }))).toBeUndefined();
  });
});

describe('EU breach duties (GDPR 33, 34)', () => {
  it('EU.BREACH_AUTHORITY: the supervisory authority whenever EU subjects are affected', () => {
    expect(verdict('EU.BREACH_AUTHORITY', breach({ euSubjects: 1 }))).toMatchObject({ ok: true, article: 'GDPR 33' });
    expect(verdict('EU.BREACH_AUTHORITY', breach({ krSubjects: 1 }))).toMatchObject({ ok: false });
  });

  it('EU.BREACH_SUBJECT_NOTICE: high risk presumed until assessed otherwise; special categories always high', () => {
    expect(verdict('EU.BREACH_SUBJECT_NOTICE', breach({ euSubjects: 1 }))).toMatchObject({ ok: true, article: 'GDPR 34', detail: 'high risk presumed: no assessment recorded' });
    expect(verdict('EU.BREACH_SUBJECT_NOTICE', breach({ euSubjects: 1, highRisk: false }))).toMatchObject({ ok: false });
    expect(verdict('EU.BREACH_SUBJECT_NOTICE', breach({ euSubjects: 1, highRisk: false, sensitivities: ['sensitive'] }))).toMatchObject({ ok: true });
    expect(verdict('EU.BREACH_SUBJECT_NOTICE', breach({ krSubjects: 9, highRisk: true }))).toMatchObject({ ok: false });
  });
});

describe('KR usage-history notice (PIPA 20-2)', () => {
  it('KR.USAGE_NOTICE_THRESHOLD: 1,000,000 subjects, or 50,000 with sensitive or unique-identifier data', () => {
    expect(usageVerdict(usage({ averageDailySubjects: 999_999 }))).toMatchObject({ ok: false, rule: 'KR.USAGE_NOTICE_THRESHOLD', article: 'PIPA 20-2' });
    expect(usageVerdict(usage({ averageDailySubjects: 1_000_000 }))).toMatchObject({ ok: true, rule: 'KR.USAGE_NOTICE_THRESHOLD' });
    expect(usageVerdict(usage({ averageDailySubjects: 50_000 }))).toMatchObject({ ok: false });
    expect(usageVerdict(usage({ averageDailySubjects: 49_999, sensitiveOrUniqueData: true }))).toMatchObject({ ok: false });
    expect(usageVerdict(usage({ averageDailySubjects: 50_000, sensitiveOrUniqueData: true }))).toMatchObject({ ok: true });
    expect(dutiesOf(PACKS.EU.duties.usageNotice, usage({ averageDailySubjects: 5_000_000 }))).toEqual([]);
  });
});

describe('telling recipients of a correction (GDPR 19; PIPA 36(2) read protectively)', () => {
  const on = '2026-12-06';
  it('EU.RECTIFICATION_RECIPIENTS: due whenever a recipient received the data', () => {
    expect(dutiesOf(PACKS.EU.duties.rectification, { on, recipients: 0 })).toEqual([expect.objectContaining({ ok: false, rule: 'EU.RECTIFICATION_RECIPIENTS', article: 'GDPR 19' })]);
    expect(dutiesOf(PACKS.EU.duties.rectification, { on, recipients: 1 })).toEqual([expect.objectContaining({ ok: true, rule: 'EU.RECTIFICATION_RECIPIENTS' })]);
    expect(dutiesOf(PACKS.EU.duties.rectification, { on: '2018-05-24', recipients: 3 })).toEqual([]); // before the GDPR applied
  });
  it('KR.RECTIFICATION_RECIPIENTS: due whenever a recipient received the data', () => {
    expect(dutiesOf(PACKS.KR.duties.rectification, { on, recipients: 0 })).toEqual([expect.objectContaining({ ok: false, rule: 'KR.RECTIFICATION_RECIPIENTS', article: 'PIPA 36(2)' })]);
    expect(dutiesOf(PACKS.KR.duties.rectification, { on, recipients: 2 })).toEqual([expect.objectContaining({ ok: true, rule: 'KR.RECTIFICATION_RECIPIENTS' })]);
  });
});
