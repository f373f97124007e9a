import { describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import type { DecisionRow } from '../../src/store/decisions-repo.ts';
import { allowedRow, decisionJournal } from '../support/decision-rows.ts';
import { engines } from '../support/engines.ts';

const row = (i: number): DecisionRow =>
  allowedRow(`dec_plan_${process.pid}_${i}`, [Object.freeze({ check: 'subject', ok: true, detail: 'known' })], { subjectPseudonym: `sp_plan_${i}`, declarationId: 'd', registryHash: 'h', at: 1_780_000_000_000 + i });

/**
 * The journal's batch statement is planned once per session, not for every batch: planning it
 * again was a fifth of a PostgreSQL backend's CPU at 1,000 releases/s (postgres.ts `prepared`).
 */
describe.each(engines())('the batch statement on %s', (engine) => {
  const t = decisionJournal(engine);

  it('runs on its generic plan, never one planned for the batch values', async () => {
    // One decision at a time: each batch is the one statement, on the session that ran the last.
    for (let i = 0; i < 12; i++) await appendDecision(t.journal, row(i));
    const plans = await t.db.query<{ custom_plans: number; generic_plans: number }>(
      `SELECT custom_plans::int8 AS custom_plans, generic_plans::int8 AS generic_plans FROM pg_prepared_statements WHERE statement LIKE '%UPDATE ledger_head%'`,
      [],
      { prepare: true },
    );
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.reduce((n, p) => n + p.generic_plans, 0)).toBeGreaterThanOrEqual(12);
    expect(plans.every((p) => p.custom_plans === 0)).toBe(true);
  });
});
