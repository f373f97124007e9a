import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import type { DecisionRow } from '../../src/store/decisions-repo.ts';
import { batchText } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { allowedRow, decisionJournal } from '../support/decision-rows.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

/**
 * The journal's batch statement (QueryOptions.prepare outside a transaction) runs on ONE session
 * held for the process's life, pipelined (src/store/postgres.ts PreparedSession), instead of a
 * session checked out of a pool for every batch: what was sent at once runs on one backend, in
 * the order sent, and a session the server ended is replaced for the next statement.
 */
if (engines().includes('postgres')) {
  describe('the prepared-statement session on postgres', () => {
    let db: Database;
    beforeAll(async () => {
      db = await openTestDatabase('postgres');
    });
    afterAll(async () => {
      await db?.close();
    });

    const pid = async () => (await db.query<{ pid: number }>('SELECT pg_backend_pid()::int8 AS pid, $1::int8 AS i', [0], { prepare: true }))[0]!.pid;

    it('runs statements sent at once on one backend, each answered in the order sent', async () => {
      // Sent in one turn: with a pool, each would take a session of its own.
      const got = await Promise.all(Array.from({ length: 12 }, (_, i) => db.query<{ pid: number; i: number; t: string }>('SELECT pg_backend_pid()::int8 AS pid, $1::int8 AS i, clock_timestamp()::text AS t', [i], { prepare: true })));
      expect(new Set(got.map(([r]) => r!.pid)).size).toBe(1);
      expect(got.map(([r]) => r!.i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      // Run in the order sent: each statement's clock is later than the one sent before it.
      const times = got.map(([r]) => r!.t);
      expect([...times].sort()).toEqual(times);
      // The other queries keep their own pool (and their own plans): not this session.
      const [other] = await db.query<{ pid: number }>('SELECT pg_backend_pid()::int8 AS pid');
      expect(other!.pid).not.toBe(got[0]![0]!.pid);
    });

    it('fails a statement whose session the server ends, and opens a new session for the next', async () => {
      const first = await pid();
      const stuck = db.query('SELECT pg_sleep(30), $1::int8 AS i', [1], { prepare: true });
      const settled = stuck.then(
        () => 'resolved',
        () => 'rejected',
      );
      // The statement is running on that backend; end it as a restart or a network cut would.
      for (let i = 0; i < 50; i++) {
        const [a] = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep(30)%'`, [first]);
        if (a!.n === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await db.query('SELECT pg_terminate_backend($1)', [first]);
      expect(await settled).toBe('rejected');
      const second = await pid();
      expect(second).not.toBe(first);
      expect(await pid()).toBe(second);
    });
  });
}

describe.each(engines())('the batch statement text on %s', (engine) => {
  const t = decisionJournal(engine);
  const row = (i: number): DecisionRow =>
    allowedRow(`dec_text_${process.pid}_${i}`, [Object.freeze({ check: 'subject', ok: true, detail: 'known' })], { subjectPseudonym: `sp_text_${i}`, declarationId: 'd', registryHash: 'h', at: 1_780_000_000_000 + i });

  it('is one string per shape, built once, and every decision batch of a shape is stored', async () => {
    const rows = ['INSERT INTO t SELECT 1 FROM h'];
    const a = batchText(rows, true, 0);
    // The same string object for the same shape, so its name and pg's own check compare it by identity.
    expect(batchText(['INSERT INTO t SELECT 1 FROM h'.slice(0)], true, 0)).toBe(a);
    expect(batchText(rows, true, 0)).toBe(a);
    expect(a).toContain('unnest($5::int8[], $6::bytea[], $7::bytea[], $8::text[])');
    expect(a).toContain(', r0 AS (INSERT INTO t SELECT 1 FROM h)');
    expect(a).not.toContain('ledger_nodes');
    const withNodes = batchText(rows, true, 10);
    expect(withNodes).not.toBe(a);
    expect(withNodes).toContain('json_populate_recordset(NULL::ledger_nodes, $10::json)');
    expect(batchText(rows, false, 0)).not.toContain('INSERT INTO ledger_entries');
    expect(batchText([...rows, 'INSERT INTO u SELECT 2 FROM h'], true, 0)).toContain(', r1 AS (INSERT INTO u SELECT 2 FROM h)');
    // Batches one at a time close stored subtrees now and then (a different text): all stored, in order.
    for (let i = 0; i < 40; i++) await appendDecision(t.journal, row(i));
    const [n] = await t.db.query<{ n: number; leaves: number }>('SELECT count(*)::int8 AS n, (SELECT size FROM ledger_head) AS leaves FROM release_decisions');
    expect(n!.n).toBe(40);
    expect(n!.leaves).toBe(40);
  });
});
