import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releasedItem, traceStepJson } from '../../src/store/decision-json.ts';
import { DecisionsRepo, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openPGlite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { ConsoleQueries } from '../../src/store/console-queries.ts';
import { decisionCounts, denyStats, provisionRows } from '../../src/store/report-queries.ts';
import { decisionsAfter } from '../../src/store/rights-repo.ts';
import type { Database, Engine } from '../../src/store/sql.ts';
import { decisionRows, expectedDenies, expectedProvisions, insertDecisionLeaf } from '../support/decision-rows.ts';
import { engines, POSTGRES_URL } from '../support/engines.ts';

/**
 * Migration 222 narrows release_decisions to what the ledger entry lacks: decisions stored
 * before it (the 221 table, every column, written beside their leaves) read back exactly as
 * they were; a row its leaf does not reproduce stops the migration and nothing is changed.
 */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0')),
  fc.constantFrom('\\', '\t', '\n', '"', '주문-😀', '\\N', ''),
);
const ms = fc.integer({ min: 0, max: 7_258_118_400_000 });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A decision as the writer before 222 stored it: its leaf, its trace, its 221 row. */
async function insertOld(db: Database, r: DecisionRow, leaf: number): Promise<void> {
  await insertDecisionLeaf(db, r, leaf);
  const trace = traceStepJson.array(r.trace);
  await db.query(`INSERT INTO decision_traces (id, trace) VALUES (sha256(convert_to($1, 'UTF8')), $1::json) ON CONFLICT DO NOTHING`, [trace]);
  await db.query(
    `INSERT INTO release_decisions (id, leaf_index, recipient, subject_pseudonym, purpose, requested, released, allow, code, article, basis,
       declaration_id, trace_id, registry_hash, notice_hash, consent_event_id, order_ref, retention_until, decided_at, via_decision)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, sha256(convert_to($13, 'UTF8')), $14, $15, $16, $17, $18, $19, $20)`,
    [
      r.id, leaf, r.recipient, r.subjectPseudonym, r.purpose, r.requested === null ? null : JSON.stringify(r.requested), JSON.stringify(r.released),
      r.allow, r.code, r.article, r.basis, r.declarationId, trace, r.registryHash, r.noticeHash, r.consentEventId, r.orderRef,
      iso(r.retentionUntil), iso(r.at), r.viaDecision,
    ],
  );
}

async function oldDatabase(engine: Engine, below = '222'): Promise<{ db: Database; drop: () => Promise<void> }> {
  const schema = `cg_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const db: Database = engine === 'pglite' ? await openPGlite({ schema }) : await openPostgres(POSTGRES_URL, { schema });
  await migrate(db, loadMigrations().filter((m) => m.id < below));
  return {
    db,
    drop: async () => {
      if (engine === 'postgres') await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close();
    },
  };
}

/** 40–60 decisions as an older writer stored them, from a fixed seed (one per migration's test). */
function oldRows(seed: number) {
  let n = 0;
  const rows = fc.array(
    decisionRows({
      id: fc.constant('').map(() => `old_${n++}`),
      subject: text,
      text,
      ms,
      item: fc.tuple(text, fc.constantFrom('plain', 'masked', 'token')).map(([c, f]) => releasedItem(c, f)),
      step: fc.record({ check: text, ok: fc.boolean(), detail: text }),
    }),
    { minLength: 40, maxLength: 60 },
  );
  return fc.sample(rows, { numRuns: 1, seed })[0]!;
}

describe.each(engines())('migration 222 (decisions read from their ledger entries) on %s', (engine) => {
  it('upgrades decisions stored by the 221 writer: every record and every reader answer as before (property)', { timeout: 120_000 }, async () => {
    const { db, drop } = await oldDatabase(engine);
    try {
      const sample = oldRows(222);
      for (const [i, r] of sample.entries()) await insertOld(db, r, 10 + i * 3);
      const read = () => db.query<Record<string, unknown>>('SELECT *, trace::text AS trace_text FROM release_decision_records ORDER BY leaf_index');
      const period = { from: 0, to: 7_258_118_400_000, belowLeaf: 1_000_000 };
      const readers = async () => ({
        counts: await decisionCounts(db, period),
        stream: await decisionsAfter(db, -1, 1000),
        got: await Promise.all(sample.map((r) => new DecisionsRepo(db).get(r.id))),
      });
      const before = await read();
      const answered = await readers();
      expect(before).toHaveLength(sample.length);
      expect(await migrate(db)).toEqual(['222-decision-rows', '223-decision-codes', '224-token-binding-index', '230-append-only-vacuum']);
      expect(await read()).toEqual(before);
      expect(await readers()).toEqual(answered);
      // The provision report pages on a column 222 adds (handed_over): checked against the records.
      const provisions = await provisionRows(db, period, 1000);
      expect(provisions).toEqual(expectedProvisions(before));
      expect(provisions.total).toBeGreaterThan(0);
      expect(provisions.total).toBeLessThan(sample.length);
      // So do the deny statistics (code, article and subject of a deny on the row, 223).
      expect((await denyStats(db, period)).map((d) => JSON.stringify(d)).sort()).toEqual(expectedDenies(before).stats);
      // Only the narrow columns are left in the table.
      const [cols] = await db.query<{ names: string }>(
        `SELECT string_agg(attname, ',' ORDER BY attnum) AS names FROM pg_attribute WHERE attrelid = 'release_decisions'::regclass AND attnum > 0 AND NOT attisdropped`,
      );
      expect(cols!.names).toBe('id,leaf_index,recipient,allow,trace_id,order_ref,retention_until,decided_at,handed_over,code,article,denied_subject');
    } finally {
      await drop();
    }
  });

  it('refuses to drop what a row holds and its leaf does not say, changing nothing', { timeout: 240_000 }, async () => {
    for (const spoil of [
      // The leaf says another purpose; a row without its leaf.
      (db: Database) => db.query(`UPDATE release_decisions SET purpose = 'other' WHERE id = 'old_1'`),
      (db: Database) => db.query(`DELETE FROM ledger_entries WHERE idx = 11`),
    ]) {
      const { db, drop } = await oldDatabase(engine);
      try {
        const base = {
          recipient: 'seller-a', subjectPseudonym: 'sp', purpose: 'p', requested: null, released: [], allow: true, code: null, article: null, basis: 'consent',
          declarationId: 'd', trace: [], registryHash: 'h', noticeHash: null, consentEventId: null, orderRef: 'A-1', retentionUntil: null, at: 1_780_000_000_000, viaDecision: null, tokens: [],
        } satisfies Omit<DecisionRow, 'id'>;
        await insertOld(db, { ...base, id: 'old_0' }, 10);
        await insertOld(db, { ...base, id: 'old_1' }, 11);
        await spoil(db);
        const before = await db.query('SELECT * FROM release_decisions ORDER BY id');
        await expect(migrate(db)).rejects.toThrow(/release_decisions_rows_must_match_their_ledger_entries/);
        expect(await db.query('SELECT * FROM release_decisions ORDER BY id')).toEqual(before);
        expect(await db.query(`SELECT id FROM schema_migrations WHERE id >= '222'`)).toEqual([]);
      } finally {
        await drop();
      }
    }
  });
});

/** A decision as the 222 writer stored it: its leaf, and the narrow row without code and article. */
async function insert222(db: Database, r: DecisionRow, leaf: number): Promise<void> {
  await insertDecisionLeaf(db, r, leaf);
  await db.query(
    `INSERT INTO release_decisions (id, leaf_index, recipient, allow, trace_id, order_ref, retention_until, decided_at, handed_over)
     VALUES ($1, $2, $3, $4, sha256(convert_to($5, 'UTF8')), $6, $7, $8, $9)`,
    [r.id, leaf, r.recipient, r.allow, traceStepJson.array(r.trace), r.orderRef, iso(r.retentionUntil), iso(r.at), r.released.length > 0],
  );
}

describe.each(engines())('migration 223 (deny code, article and subject on the decision row) on %s', (engine) => {
  it('fills code, article and denied_subject of decisions stored by the 222 writer from their entries: records unchanged, deny readers answer the records (property)', { timeout: 120_000 }, async () => {
    const { db, drop } = await oldDatabase(engine, '223');
    try {
      const sample = oldRows(223);
      for (const [i, r] of sample.entries()) await insert222(db, r, 10 + i * 3);
      const read = () => db.query<Record<string, unknown>>('SELECT *, trace::text AS trace_text FROM release_decision_records ORDER BY leaf_index');
      const before = await read();
      expect(before).toHaveLength(sample.length);
      const denied = before.filter((r) => r.allow === false);
      expect(denied.length).toBeGreaterThan(3);
      expect(denied.some((r) => r.code !== null) && denied.some((r) => r.code === null)).toBe(true);
      expect(await migrate(db)).toEqual(['223-decision-codes', '224-token-binding-index', '230-append-only-vacuum']);
      expect(await read()).toEqual(before);
      // The table's own columns hold what the entries said, for every row (allowed ones too).
      expect(await db.query('SELECT id, code, article, denied_subject FROM release_decisions ORDER BY leaf_index')).toEqual(
        before.map((r) => ({ id: r.id, code: r.code, article: r.article, denied_subject: r.allow ? null : r.subject_pseudonym })),
      );
      const want = expectedDenies(before);
      const period = { from: 0, to: 7_258_118_400_000, belowLeaf: 1_000_000 };
      expect((await denyStats(db, period)).map((d) => JSON.stringify(d)).sort()).toEqual(want.stats);
      if (want.codes.length <= 20) expect((await new ConsoleQueries(db).denyCodes(new Date(0))).map((d) => JSON.stringify(d)).sort()).toEqual(want.codes);
    } finally {
      await drop();
    }
  });

  it('refuses when a decision has no leaf or its leaf is not a decision, changing nothing', { timeout: 240_000 }, async () => {
    for (const spoil of [
      (db: Database) => db.query(`UPDATE ledger_entries SET entry = convert_to('{"kind":"consent_event","subject":"sp_x"}', 'UTF8') WHERE idx = 11`),
      (db: Database) => db.query(`DELETE FROM ledger_entries WHERE idx = 11`),
    ]) {
      const { db, drop } = await oldDatabase(engine, '223');
      try {
        const base = {
          recipient: 'seller-a', subjectPseudonym: 'sp_x', purpose: 'p', requested: null, released: [], allow: false, code: 'NO_CONSENT', article: 'PIPA 15', basis: null,
          declarationId: 'd', trace: [], registryHash: 'h', noticeHash: null, consentEventId: null, orderRef: null, retentionUntil: null, at: 1_780_000_000_000, viaDecision: null, tokens: [],
        } satisfies Omit<DecisionRow, 'id'>;
        await insert222(db, { ...base, id: 'old_0' }, 10);
        await insert222(db, { ...base, id: 'old_1' }, 11);
        await spoil(db);
        const before = await db.query('SELECT * FROM release_decisions ORDER BY id');
        await expect(migrate(db)).rejects.toThrow(/release_decisions_rows_must_have_their_ledger_entries/);
        expect(await db.query('SELECT * FROM release_decisions ORDER BY id')).toEqual(before);
        expect(await db.query(`SELECT id FROM schema_migrations WHERE id >= '223'`)).toEqual([]);
      } finally {
        await drop();
      }
    }
  });
});
