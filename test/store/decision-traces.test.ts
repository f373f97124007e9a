import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import type { TraceStep } from '../../src/core/gate/types.ts';
import { DecisionsRepo, registerDecisionWriter, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openPGlite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { decisionCounts, denyStats, provisionRows, timelineRows } from '../../src/store/report-queries.ts';
import { decisionsAfter } from '../../src/store/rights-repo.ts';
import { releasesOf } from '../../src/store/usage-notice-queries.ts';
import type { Database, Engine } from '../../src/store/sql.ts';
import { allowedRow, decisionJournal, expectedDenies, expectedProvisions, insertDecisionLeaf } from '../support/decision-rows.ts';
import { engines, openTestDatabase, POSTGRES_URL } from '../support/engines.ts';

/**
 * Migration 221 keeps each distinct decision trace once (decision_traces) and the decision row
 * its SHA-256: the records read back exactly as before, old rows upgraded in place.
 */
const step = (check: string, detail: string, ok = true): TraceStep => Object.freeze({ check, ok, detail });
const ALLOW_TRACE = [step('subject', 'known'), step('recipient', 'seller-a is a declared recipient'), step('consent', 'active consent')];

let n = 0;
function row(trace: readonly TraceStep[], over: Partial<DecisionRow> = {}): DecisionRow {
  const id = `dec_t${process.pid}_${n++}`;
  return allowedRow(id, trace.slice(), { at: 1_780_000_000_000 + n, ...over });
}

async function withJournal(db: Database): Promise<Journal> {
  const journal = new Journal(db, sqlLedgerAppender);
  registerDecisionWriter(journal);
  return journal;
}

const count = async (db: Database, table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${table}`))[0]!.n;
const traceOf = async (db: Database, id: string) => (await new DecisionsRepo(db).get(id))!.trace;

describe.each(engines())('decision traces stored once on %s', (engine) => {
  const t = decisionJournal(engine);

  it('stores one trace row for many decisions with the same trace, and reads each back whole', async () => {
    const before = await count(t.db, 'decision_traces');
    // Large (COPY on PostgreSQL) and small (one statement) batches alike.
    for (const size of [80, 3, 1]) {
      const rows = Array.from({ length: size }, () => row(ALLOW_TRACE));
      await Promise.all(rows.map((r) => appendDecision(t.journal, r)));
      for (const r of rows.slice(0, 2)) expect(await traceOf(t.db, r.id)).toEqual(ALLOW_TRACE.map((s) => ({ ...s })));
    }
    expect(await count(t.db, 'decision_traces')).toBe(before + 1);
    // A denial's fresh steps with the same text share the row too: the key is the text's hash.
    const same = row(ALLOW_TRACE.map((s) => ({ ...s })));
    await appendDecision(t.journal, same);
    expect(await count(t.db, 'decision_traces')).toBe(before + 1);
    expect(await traceOf(t.db, same.id)).toEqual(ALLOW_TRACE.map((s) => ({ ...s })));
  });

  it('writes a trace again after the batch that carried it failed', async () => {
    const trace = [step('subject', 'known'), step('policy', `failed-batch ${randomBytes(4).toString('hex')}`)];
    await t.db.exec('ALTER TABLE release_decisions ADD CONSTRAINT t_refuse_all CHECK (false) NOT VALID');
    try {
      await expect(appendDecision(t.journal, row(trace))).rejects.toThrow();
    } finally {
      await t.db.exec('ALTER TABLE release_decisions DROP CONSTRAINT t_refuse_all');
    }
    const ok = row(trace);
    await appendDecision(t.journal, ok);
    expect(await traceOf(t.db, ok.id)).toEqual(trace.map((s) => ({ ...s })));
  });

  it('writes a trace into each database, though one writer of the process stored it elsewhere', async () => {
    const other = await openTestDatabase(engine);
    const otherJournal = await withJournal(other);
    try {
      const trace = [step('subject', 'known'), step('items', `two databases ${randomBytes(4).toString('hex')}`)];
      await appendDecision(t.journal, row(trace));
      const there = row(trace);
      await appendDecision(otherJournal, there);
      expect(await traceOf(other, there.id)).toEqual(trace.map((s) => ({ ...s })));
    } finally {
      await otherJournal.close();
      await other.close();
    }
  });

  it('upgrades decisions stored before migration 221: every record reads back as it was', async () => {
    const schema = `cg_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const old: Database = engine === 'pglite' ? await openPGlite({ schema }) : await openPostgres(POSTGRES_URL, { schema });
    try {
      const all = loadMigrations();
      await migrate(old, all.filter((m) => m.id < '221'));
      // Trace texts as the writer made them before (canonical JSON) and as a jsonb column
      // converted by migration 070 left them (spaces), shared and not, with escapes and Korean.
      const canonical = '[{"check":"subject","detail":"known","ok":true}]';
      const traces = [canonical, canonical, '[{"check": "consent", "detail": "동의 \\"철회\\"\\n", "ok": false, "article": "PIPA 37"}]', '[]', canonical];
      for (const [i, t] of traces.entries()) {
        await old.query(
          `INSERT INTO release_decisions (id, leaf_index, recipient, subject_pseudonym, purpose, requested, released, allow, code, article, basis, declaration_id, trace, registry_hash, notice_hash, consent_event_id, order_ref, retention_until, decided_at, via_decision)
           VALUES ($1, $2, 'seller-a', $3, 'order_fulfilment', $4::jsonb, '[{"category":"name","form":"plain"}]', $5, $6, NULL, 'consent', 'd1', $7::json, 'h', NULL, 'evt', 'A-1', NULL, $8, NULL)`,
          [`old_${i}`, 1_000_000 + i, `sp_old_${i}`, i % 2 ? '["name"]' : null, i !== 2, i === 2 ? 'NO_CONSENT' : null, t, new Date(1_780_000_000_000 + i).toISOString()],
        );
        // Its ledger leaf, written with it by the journal (migration 222 reads the record back from it).
        const released = [{ category: 'name', form: 'plain' }];
        const fields = { subjectPseudonym: `sp_old_${i}`, requested: i % 2 ? ['name'] : null, released, allow: i !== 2, code: i === 2 ? 'NO_CONSENT' : null };
        await insertDecisionLeaf(old, allowedRow(`old_${i}`, [], { ...fields, declarationId: 'd1', registryHash: 'h', consentEventId: 'evt', orderRef: 'A-1', at: 1_780_000_000_000 + i }), 1_000_000 + i);
      }
      const read = (table: string) => old.query<Record<string, unknown>>(`SELECT *, trace::text AS trace_text FROM ${table} ORDER BY id`);
      // What the readers of decisions answer (reports, the relay's stream, usage notices).
      const period = { from: 1_779_999_000_000, to: 1_780_001_000_000, belowLeaf: 2_000_000 };
      const readers = async () => ({
        counts: await decisionCounts(old, period),
        timeline: [...(await timelineRows(old, period, 'day')).entries()],
        stream: await decisionsAfter(old, -1, 100),
        usage: [...(await releasesOf(old, traces.map((_, i) => `sp_old_${i}`), period.from, period.to)).entries()],
      });
      const before = await read('release_decisions');
      // The readers read release_decision_records, which 221 creates: they answer from there on,
      // and answer the same after 222 (which moves most columns into the ledger entry).
      await migrate(old, all.filter((m) => m.id < '222'));
      expect(await read('release_decision_records')).toEqual(before);
      const answered = await readers();
      await migrate(old, all);
      const after = await read('release_decision_records');
      expect(after).toEqual(before);
      expect(await readers()).toEqual(answered);
      // The provision report pages on a column 222 adds: checked against the records themselves.
      const provisions = await provisionRows(old, period, 100);
      expect(provisions).toEqual(expectedProvisions(after));
      expect(provisions.total).toBe(4);
      // The deny statistics count on columns 223 adds: checked against the records too.
      expect((await denyStats(old, period)).map((d) => JSON.stringify(d)).sort()).toEqual(expectedDenies(after).stats);
      expect(expectedDenies(after).stats).toEqual([JSON.stringify({ code: 'NO_CONSENT', article: '', denies: 1, subjects: 1 })]);
      expect(answered.counts).toEqual({ allowed: 4, denied: 1 });
      expect(await count(old, 'decision_traces')).toBe(3);
      // The writer's key for a trace is the one the migration gave it: the shared text is not stored twice.
      const j = await withJournal(old);
      try {
        const r = row([step('subject', 'known')]);
        await appendDecision(j, r);
        expect(await count(old, 'decision_traces')).toBe(3);
        const [rec] = await old.query<{ trace_text: string }>('SELECT trace::text AS trace_text FROM release_decision_records WHERE id = $1', [r.id]);
        expect(rec!.trace_text).toBe(canonical);
      } finally {
        await j.close();
      }
    } finally {
      if (engine === ('postgres' satisfies Engine)) await old.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await old.close();
    }
  });
});
