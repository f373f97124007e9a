import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { registerDecisionWriter, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

const row = (i: number): DecisionRow => ({
  id: `dec_plan_${process.pid}_${i}`,
  recipient: 'seller-a',
  subjectPseudonym: `sp_plan_${i}`,
  purpose: 'order_fulfilment',
  requested: null,
  released: [],
  allow: true,
  code: null,
  article: null,
  basis: 'consent',
  declarationId: 'd',
  trace: [Object.freeze({ check: 'subject', ok: true, detail: 'known' })],
  registryHash: 'h',
  noticeHash: null,
  consentEventId: null,
  orderRef: null,
  retentionUntil: null,
  at: 1_780_000_000_000 + i,
  viaDecision: null,
  tokens: [],
});

/**
 * The journal's batch statement is planned once per session, not for every batch: planning it
 * again was a fifth of a PostgreSQL backend's CPU at 1,000 releases/s (postgres.ts `prepared`).
 */
describe.each(engines())('the batch statement on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    journal = new Journal(db, sqlLedgerAppender);
    registerDecisionWriter(journal);
  });
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  it('runs on its generic plan, never one planned for the batch values', async () => {
    // One decision at a time: each batch is the one statement, on the session that ran the last.
    for (let i = 0; i < 12; i++) await appendDecision(journal, row(i));
    const plans = await db.query<{ custom_plans: number; generic_plans: number }>(
      `SELECT custom_plans::int8 AS custom_plans, generic_plans::int8 AS generic_plans FROM pg_prepared_statements WHERE statement LIKE '%UPDATE ledger_head%'`,
      [],
      { prepare: true },
    );
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.reduce((n, p) => n + p.generic_plans, 0)).toBeGreaterThanOrEqual(12);
    expect(plans.every((p) => p.custom_plans === 0)).toBe(true);
  });
});
