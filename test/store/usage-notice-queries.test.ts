import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyCounts, kstMidnight, thresholdWindow } from '../../src/core/law/kr/usage-notice.ts';
import type { Database } from '../../src/store/sql.ts';
import { membersOf, releasesOf, subjectCountsByDay, subjectsPage } from '../../src/store/usage-notice-queries.ts';
import { allowedRow, insertDecisionAt } from '../support/decision-rows.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

/**
 * The PIPA 20-2 queries on every engine: the per-day subject counts equal a brute-force count at
 * each day's end; releases are read per pseudonym within the year, allowed and non-empty only.
 */
const DAY = 86_400_000;
const window = thresholdWindow(2025, Date.parse('2026-06-01T00:00:00Z'));
const day = (d: number, hours = 5) => window.from + d * DAY + hours * 3_600_000;

// [id, created, erased]: before the window, inside, erased inside, erased before, created after.
const SUBJECTS: Array<[string, number, number | null]> = [
  ['s-before', window.from - 10 * DAY, null],
  ['s-erased-before', window.from - 10 * DAY, window.from - DAY],
  ['s-erased-inside', window.from - 10 * DAY, day(40)],
  ['s-day0', day(0), null],
  ['s-day30', day(30), null],
  ['s-day30-erased-day31', day(30), day(31)],
  ['s-last-day', day(91, 23), null],
  ['s-after', window.to + DAY, null],
];

describe.each(engines())('usage-notice queries (%s)', (engine) => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    for (const [id, created, erased] of SUBJECTS) {
      await db.query('INSERT INTO subjects (id, pseudonym, jurisdiction, created_at, erased_at) VALUES ($1, $2, $3, $4, $5)', [
        id,
        `p-${id}`,
        'KR',
        new Date(created).toISOString(),
        erased === null ? null : new Date(erased).toISOString(),
      ]);
    }
    // Stored as the journal stores a decision: its ledger leaf and its row (migration 222).
    const decision = (id: string, leaf: number, subject: string, at: number, allow: boolean, items: string[], recipient = 'seller-a') =>
      insertDecisionAt(
        db,
        allowedRow(id, [], { recipient, subjectPseudonym: subject, at, allow, released: items.map((category) => ({ category, form: 'plain' })), registryHash: 'h' }),
        leaf,
      );
    await decision('d1', 1, 'p-s-before', kstMidnight(2026, 3, 4), true, ['name', 'phone']);
    await decision('d2', 2, 'p-s-before', kstMidnight(2026, 1, 1) - 1, true, ['name']); // 2025 in Korea
    await decision('d3', 3, 'p-s-before', kstMidnight(2026, 5, 1), false, []); // denied
    await decision('d4', 4, 'p-s-day0', kstMidnight(2026, 7, 1), true, ['address'], 'hanbit_express');
    await decision('d5', 5, 'p-s-day30', kstMidnight(2026, 7, 1), true, []); // allowed, nothing released
    await db.query(`INSERT INTO recipient_members (id, class_id, name, country, created_by) VALUES ('seller-a', 'cn_sellers', 'Seller A', 'CN', 'test')`);
  });

  afterAll(() => db?.close());

  it('per-day counts equal the brute-force count of subjects held at the end of each day', async () => {
    const c = await subjectCountsByDay(db, window);
    const counts = dailyCounts(c.baseline, c.created, c.erased, window.days);
    expect(counts).toHaveLength(92);
    const brute = (d: number) => SUBJECTS.filter(([, cr, er]) => cr < window.from + (d + 1) * DAY && (er === null || er >= window.from + (d + 1) * DAY)).length;
    expect(counts).toEqual(Array.from({ length: 92 }, (_, d) => brute(d)));
    expect(c.current).toBe(SUBJECTS.filter(([, , er]) => er === null).length);
  });

  it('subjects to notify: created by the year end, not erased, in id order, paged', async () => {
    const end = kstMidnight(2026, 1, 1) - 1;
    const first = await subjectsPage(db, { after: null, createdBy: end, limit: 2 });
    const rest = await subjectsPage(db, { after: first.at(-1)!.id, createdBy: end, limit: 10 });
    expect([...first, ...rest].map((s) => s.id)).toEqual(['s-before', 's-day0', 's-day30', 's-last-day']);
  });

  it('releases of a year: allowed, with items, within the Korean calendar year', async () => {
    const r = await releasesOf(db, ['p-s-before', 'p-s-day0', 'p-s-day30'], kstMidnight(2026, 1, 1), kstMidnight(2027, 1, 1) - 1);
    expect(r.get('p-s-before')).toEqual([
      { recipient: 'seller-a', declarationId: 'sellers_fulfilment', purpose: 'order_fulfilment', basis: 'consent', items: ['name', 'phone'], at: kstMidnight(2026, 3, 4), ledgerIndex: 1 },
    ]);
    expect(r.get('p-s-day0')?.map((x) => x.ledgerIndex)).toEqual([4]);
    expect(r.has('p-s-day30')).toBe(false);
    expect(await membersOf(db, ['seller-a', 'hanbit_express'])).toEqual(new Map([['seller-a', { name: 'Seller A', country: 'CN', classId: 'cn_sellers' }]]));
  });
});
