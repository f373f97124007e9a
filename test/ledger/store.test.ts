import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MerkleTree, leafHash, verifyConsistency, verifyInclusion } from '../../src/ledger/index.ts';
import { Journal, type PreparedWriter } from '../../src/store/journal.ts';
import { COPY_MIN_LEAVES, sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { LedgerReader } from '../../src/store/ledger-reader.ts';
import { storedNodeCount } from '../../src/ledger/tree-math.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { BulkRows, Database, QueryOptions, Sql } from '../../src/store/sql.ts';
import { POSTGRES_URL, engines, openTestDatabase } from '../support/engines.ts';
import { canonicalJson } from '../../src/core/canonical.ts';
import { encodeJsonRows, jsonRowsIfHeadMoved, type CopyValue } from '../../src/store/bulk-rows.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Counts statements, to show proofs are a fixed number of reads, not a rebuild. */
function counting(db: Sql): Sql & { count: number } {
  const c = {
    engine: db.engine,
    count: 0,
    query: <R>(t: string, p?: readonly unknown[]) => {
      c.count++;
      return db.query<R>(t, p);
    },
    exec: (s: string) => db.exec(s),
    copyInto: (table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>) => {
      c.count++;
      return db.copyInto(table, columns, rows);
    },
    encodeBulk: (table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>) => db.encodeBulk(table, columns, rows),
    insertBulk: (rows: BulkRows) => {
      c.count++;
      return db.insertBulk(rows);
    },
  };
  return c;
}

/** The stored head is the RFC 9162 tree of every stored entry, in order. */
async function expectHeadIsTreeOfEntries(db: Sql): Promise<void> {
  const entries = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries ORDER BY idx');
  const head = await new LedgerReader(db).head();
  expect(head.size).toBe(entries.length);
  expect(hex(head.root)).toBe(hex(MerkleTree.of(entries.map((r) => new Uint8Array(r.entry))).root()));
}

/** A writer of `{ v }` rows into `table (leaf, v)` that also has the journal's one-statement form. */
function oneStatementWriter(table: string): PreparedWriter<{ v: number }> {
  return {
    prepare: (sql, rows) => {
      const bulk = sql.encodeBulk(table, ['leaf', 'v'], rows.map((r) => [r.leafIndex, r.row.v]));
      return async (tx) => {
        if (bulk) await tx.insertBulk(bulk);
      };
    },
    statements: (rows, param) => [jsonRowsIfHeadMoved(table, ['leaf', 'v'], param(encodeJsonRows(rows.map((r) => [r.leafIndex, r.row.v]), ['leaf', 'v'])))],
  };
}

describe.each(engines())('stored Merkle log on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  const mirror = new MerkleTree();

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    await db.exec('CREATE TABLE t_records (leaf bigint PRIMARY KEY, v int NOT NULL CHECK (v >= 0))');
    journal = new Journal(db, sqlLedgerAppender, { maxBatch: 37 });
    journal.register<{ v: number }>('test', async (tx, rows) => {
      await tx.query('INSERT INTO t_records SELECT * FROM unnest($1::int8[], $2::int[])', [rows.map((r) => r.leafIndex), rows.map((r) => r.row.v)]);
    });
  });
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  const append = (v: number, subject?: string) => journal.append('test', { v }, { v, ...(subject ? { subject } : {}) });
  const entryBytes = (v: number, subject?: string) => new TextEncoder().encode(canonicalJson({ v, ...(subject ? { subject } : {}), kind: 'test' }));

  it('appends concurrent batches gaplessly and stores exactly the RFC 9162 tree', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, v) => append(v, v % 7 === 0 ? `sp_${v % 3}` : undefined)));
    const indexes = results.map((r) => r.leafIndex).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const reader = new LedgerReader(db);
    // Rebuild the mirror in log order from what the journal reports, and compare roots for every size.
    const byIndex = new Map(results.map((r, v) => [r.leafIndex, v]));
    for (let i = 0; i < 300; i++) {
      const v = byIndex.get(i)!;
      mirror.append(entryBytes(v, v % 7 === 0 ? `sp_${v % 3}` : undefined));
    }
    const head = await reader.head();
    expect(head.size).toBe(300);
    expect(hex(head.root)).toBe(hex(mirror.root()));
    for (const size of [1, 2, 3, 37, 64, 100, 255, 256, 299]) expect(hex(await reader.root(size)), `root(${size})`).toBe(hex(mirror.root(size)));
    expect(await reader.storedCount()).toBe(300);
  });

  it('serves inclusion proofs equal to the in-memory tree, in a fixed number of reads', async () => {
    const reader = new LedgerReader(db);
    for (const [index, size] of [
      [0, 1],
      [5, 8],
      [137, 300],
      [299, 300],
      [64, 65],
    ] as const) {
      const c = counting(db);
      const proof = await new LedgerReader(c).inclusionProof(index, size);
      expect(c.count).toBeLessThanOrEqual(2); // head size check + (at most) one node fetch
      expect(proof.map(hex)).toEqual(mirror.inclusionProof(index, size).map(hex));
      const e = await reader.entry(index);
      expect(verifyInclusion(leafHash(e!.entry), index, size, proof, mirror.root(size))).toBe(true);
    }
  });

  it('batches several inclusion proofs into one node query', async () => {
    const c = counting(db);
    const idx = [0, 7, 150, 299];
    const proofs = await new LedgerReader(c).inclusionProofs(idx, 300);
    expect(c.count).toBe(2);
    idx.forEach((i, k) => expect(proofs[k]!.map(hex)).toEqual(mirror.inclusionProof(i, 300).map(hex)));
  });

  it('serves consistency proofs equal to the in-memory tree', async () => {
    const reader = new LedgerReader(db);
    for (const [m, n] of [
      [1, 300],
      [6, 8],
      [100, 256],
      [255, 299],
      [0, 10],
      [300, 300],
    ] as const) {
      const proof = await reader.consistencyProof(m, n);
      expect(proof.map(hex)).toEqual(mirror.consistencyProof(m, n).map(hex));
      expect(verifyConsistency(m, n, mirror.root(m), mirror.root(n), proof)).toBe(true);
    }
  });

  it('keeps only every fourth level of subtrees, and any proof from them equals the in-memory tree (property)', async () => {
    const levels = await db.query<{ level: number; n: number }>('SELECT level, count(*)::int8 AS n FROM ledger_nodes GROUP BY level ORDER BY level');
    expect(levels).toEqual([
      { level: 4, n: Math.floor(300 / 16) },
      { level: 8, n: Math.floor(300 / 256) },
    ]);
    expect(storedNodeCount(300)).toBe(Math.floor(300 / 16) + Math.floor(300 / 256));
    const reader = new LedgerReader(db);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }).chain((size) => fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.constant(size), fc.integer({ min: 0, max: size }))), async ([index, size, old]) => {
        expect((await reader.inclusionProof(index, size)).map(hex)).toEqual(mirror.inclusionProof(index, size).map(hex));
        expect((await reader.consistencyProof(old, size)).map(hex)).toEqual(mirror.consistencyProof(old, size).map(hex));
        expect(hex(await reader.root(size))).toBe(hex(mirror.root(size)));
      }),
      { numRuns: 60 },
    );
  });

  it('rejects impossible ranges with codes', async () => {
    const reader = new LedgerReader(db);
    await expect(reader.inclusionProof(300, 300)).rejects.toMatchObject({ code: 'INDEX_OUT_OF_RANGE' });
    await expect(reader.inclusionProof(3, 301)).rejects.toMatchObject({ code: 'BAD_RANGE' });
    await expect(reader.consistencyProof(10, 5)).rejects.toMatchObject({ code: 'BAD_RANGE' });
    await expect(reader.consistencyProof(10, 500)).rejects.toMatchObject({ code: 'BAD_RANGE' });
    expect(await reader.entry(10_000)).toBeNull();
  });

  it('indexes the subject pseudonym of entries', async () => {
    const reader = new LedgerReader(db);
    const rows = await reader.entriesBySubject('sp_1');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(JSON.parse(Buffer.from(r.entry).toString()).subject).toBe('sp_1');
    const all = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ledger_entries WHERE subject = 'sp_1'`);
    expect(rows.length).toBe(all[0]!.n);
  });

  it('a failed batch stores neither records nor log entries, and the log stays gapless', async () => {
    const before = (await new LedgerReader(db).head()).size;
    const settled = await Promise.allSettled([append(1000), append(-1), append(1001)]);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    const reader = new LedgerReader(db);
    expect((await reader.head()).size).toBe(before);
    expect(await reader.storedCount()).toBe(before);
    const next = await append(1002);
    expect(next.leafIndex).toBe(before);
    mirror.append(entryBytes(1002));
    expect(hex((await reader.head()).root)).toBe(hex(mirror.root()));
  });

  it('several servers on one database produce a single gapless sequence', async () => {
    // A second "server": its own connection pool (PostgreSQL) or a second journal (PGlite).
    const other = engine === 'postgres' ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: db.schema }) : db;
    const j2 = new Journal(other, sqlLedgerAppender, { maxBatch: 13 });
    j2.register<{ v: number }>('test', async (tx, rows) => {
      await tx.query('INSERT INTO t_records SELECT * FROM unnest($1::int8[], $2::int[])', [rows.map((r) => r.leafIndex), rows.map((r) => r.row.v)]);
    });
    try {
      const start = (await new LedgerReader(db).head()).size;
      const a = Array.from({ length: 120 }, (_, i) => append(5000 + i));
      const b = Array.from({ length: 120 }, (_, i) => j2.append('test', { v: 6000 + i }, { v: 6000 + i }));
      const all = (await Promise.all([...a, ...b])).map((r) => r.leafIndex).sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 240 }, (_, i) => start + i));
      const reader = new LedgerReader(db);
      expect(await reader.storedCount()).toBe(start + 240);
      // The stored tree is still the RFC tree of the stored entries, whichever server wrote them.
      const rows = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries ORDER BY idx');
      const rebuilt = MerkleTree.of(rows.map((r) => new Uint8Array(r.entry)));
      expect(hex((await reader.head()).root)).toBe(hex(rebuilt.root()));
      expect((await reader.inclusionProof(start + 7, start + 240)).map(hex)).toEqual(rebuilt.inclusionProof(start + 7, start + 240).map(hex));
    } finally {
      await j2.close();
      if (other !== db) await other.close();
    }
  });

  it('large batches encoded ahead for a predicted index land at the real one when another server moved the head', async () => {
    await db.exec('CREATE TABLE t_bulk (leaf bigint PRIMARY KEY, v int NOT NULL)');
    // Two "servers" with writers that encode in prepare (the bulk path, >= 64 leaves a batch).
    const prepared: Array<{ journal: string; first: number }> = [];
    const bulkWriter = (name: string): PreparedWriter<{ v: number }> => ({
      prepare(sql, rows) {
        prepared.push({ journal: name, first: rows[0]!.leafIndex });
        const bulk = sql.encodeBulk('t_bulk', ['leaf', 'v'], rows.map((r) => [r.leafIndex, r.row.v]));
        return async (tx) => {
          if (bulk) await tx.insertBulk(bulk);
        };
      },
    });
    const other = engine === 'postgres' ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: db.schema }) : db;
    const ja = new Journal(db, sqlLedgerAppender, { maxBatch: 100 });
    const jb = new Journal(other, sqlLedgerAppender, { maxBatch: 100 });
    ja.register('bulk', bulkWriter('a'));
    jb.register('bulk', bulkWriter('b'));
    const batch = (j: Journal, from: number) => Promise.all(Array.from({ length: 100 }, (_, i) => j.append('bulk', { v: from + i }, { v: from + i, kind_of: 'bulk' })));
    try {
      await batch(ja, 0); // a now predicts its next batch right after this one
      await batch(jb, 100); // b appends in between: a's prediction is stale
      prepared.length = 0;
      const third = await batch(ja, 200);
      // Encoded once for the predicted index, then again for the real one.
      expect(prepared.map((p) => p.journal)).toEqual(['a', 'a']);
      expect(prepared[1]!.first).toBe(prepared[0]!.first + 100);
      expect(third.map((r) => r.leafIndex)).toEqual(Array.from({ length: 100 }, (_, i) => prepared[1]!.first + i));
      // In steady state the prediction holds: one encoding per batch.
      prepared.length = 0;
      await batch(ja, 300);
      expect(prepared.length).toBe(1);
      // Every record sits at the leaf whose entry names it, and the log is the RFC tree of its entries.
      const rows = await db.query<{ leaf: number; v: number; entry: Uint8Array }>(
        'SELECT b.leaf, b.v, e.entry FROM t_bulk b JOIN ledger_entries e ON e.idx = b.leaf ORDER BY b.leaf',
      );
      expect(rows.length).toBe(400);
      for (const r of rows) expect(JSON.parse(Buffer.from(r.entry).toString()).v).toBe(r.v);
      await expectHeadIsTreeOfEntries(db);
    } finally {
      await ja.close();
      await jb.close();
      if (other !== db) await other.close();
    }
  });

  it('batches in flight together each go onto the head the one before leaves: no locked-way reads, one encoding each', async () => {
    await db.exec('CREATE TABLE t_pipe (leaf bigint PRIMARY KEY, v int NOT NULL)');
    let encodings = 0;
    let headReads = 0;
    // The journal's database, with the locked way's head read counted.
    const watched: Database = {
      ...db,
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            ...tx,
            query: (t, p) => {
              if (/FROM ledger_head WHERE singleton FOR UPDATE$/.test(t.trim())) headReads++;
              return tx.query(t, p);
            },
          }),
        ),
    };
    const j = new Journal(watched, sqlLedgerAppender, { maxBatch: 100 });
    j.register<{ v: number }>('pipe', {
      prepare(sql, rows) {
        encodings++;
        const bulk = sql.encodeBulk('t_pipe', ['leaf', 'v'], rows.map((r) => [r.leafIndex, r.row.v]));
        return async (tx) => {
          if (bulk) await tx.insertBulk(bulk);
        };
      },
    });
    const append = (from: number, n: number) => Promise.all(Array.from({ length: n }, (_, i) => j.append('pipe', { v: from + i }, { v: from + i })));
    try {
      await append(0, 10); // the first batch finds the head the locked way
      headReads = 0;
      encodings = 0;
      // Five batches at once: on PostgreSQL two are in flight, the second sent while the first holds the head.
      const leaves = (await append(10, 500)).map((r) => r.leafIndex);
      expect(headReads).toBe(0);
      expect(encodings).toBe(5);
      expect(leaves).toEqual(Array.from({ length: 500 }, (_, i) => leaves[0]! + i));
      const rows = await db.query<{ leaf: number; v: number }>('SELECT leaf, v FROM t_pipe WHERE v >= 10 ORDER BY leaf');
      expect(rows).toEqual(leaves.map((leaf, i) => ({ leaf, v: 10 + i })));
    } finally {
      await j.close();
    }
  });

  it('a batch whose writers have a one-statement form is one statement, no transaction; stale heads fall back and land right', async () => {
    await db.exec('CREATE TABLE t_one (leaf bigint PRIMARY KEY, v int NOT NULL)');
    const oneWriter = oneStatementWriter('t_one');
    let transactions = 0;
    const watched = (d: Database): Database => ({ ...d, transaction: (fn) => (transactions++, d.transaction(fn)) });
    const other = engine === 'postgres' ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: db.schema }) : db;
    const ja = new Journal(watched(db), sqlLedgerAppender, { maxBatch: 20 });
    const jb = new Journal(watched(other), sqlLedgerAppender, { maxBatch: 20 });
    ja.register('one', oneWriter);
    jb.register('one', oneWriter);
    const batch = (j: Journal, from: number, n = 20) => Promise.all(Array.from({ length: n }, (_, i) => j.append('one', { v: from + i }, { v: from + i })));
    try {
      await batch(ja, 0); // finds the head the locked way (a transaction)
      transactions = 0;
      await batch(ja, 20, 60); // three batches, each one statement
      expect(transactions).toBe(0);
      await batch(jb, 80); // the other server moves the head
      transactions = 0;
      const moved = await batch(ja, 100); // a's prediction is stale: nothing written by the statement, then the locked way
      expect(transactions).toBe(1);
      expect(new Set(moved.map((r) => r.leafIndex)).size).toBe(20);
      const rows = await db.query<{ leaf: number; v: number; entry: Uint8Array }>('SELECT t.leaf, t.v, e.entry FROM t_one t JOIN ledger_entries e ON e.idx = t.leaf ORDER BY t.leaf');
      expect(rows.length).toBe(120);
      for (const r of rows) expect(JSON.parse(Buffer.from(r.entry).toString()).v).toBe(r.v);
      await expectHeadIsTreeOfEntries(db);
    } finally {
      await ja.close();
      await jb.close();
      if (other !== db) await other.close();
    }
  });

  it('on PostgreSQL a one-statement batch goes right behind the one in flight, before its answer; behind a failed one it writes nothing and lands right after', async () => {
    if (engine !== 'postgres') return;
    await db.exec('CREATE TABLE t_pl (leaf bigint PRIMARY KEY, v int NOT NULL CHECK (v >= 0))');
    const oneWriter = oneStatementWriter('t_pl');
    // The batch statements (QueryOptions.prepare) as the database is handed them and answers them.
    const events: string[] = [];
    let n = 0;
    const watched: Database = {
      ...db,
      query: <R,>(t: string, p?: readonly unknown[], o?: QueryOptions) => {
        if (!o?.prepare) return db.query<R>(t, p, o);
        const k = ++n;
        events.push(`sent ${k}`);
        return db.query<R>(t, p, o).finally(() => events.push(`answered ${k}`));
      },
    };
    const j = new Journal(watched, sqlLedgerAppender, { maxBatch: 10, pipelineMinItems: 1 });
    j.register('pl', oneWriter);
    const submit = (from: number, count: number, v = (i: number) => from + i) => Array.from({ length: count }, (_, i) => j.append('pl', { v: v(i) }, { v: from + i }));
    const turn = () => new Promise((r) => setImmediate(r));
    try {
      await Promise.all(submit(0, 10)); // the first batch finds the head the locked way
      const start = (await db.query<{ size: number }>('SELECT size FROM ledger_head'))[0]!.size;
      events.length = 0;
      n = 0;
      // Two batches, the second cut while the first is in flight.
      const a = submit(100, 10);
      await turn();
      const b = submit(200, 10);
      const leaves = (await Promise.all([...a, ...b])).map((r) => r.leafIndex);
      expect(events).toEqual(['sent 1', 'sent 2', 'answered 1', 'answered 2']);
      expect(leaves).toEqual(Array.from({ length: 20 }, (_, i) => start + i));
      // The first fails in the database (a CHECK): the second, already sent behind it, finds the
      // head where the first would have left it missing, writes nothing, and goes the locked way.
      events.length = 0;
      n = 0;
      const failed = submit(300, 10, (i) => (i === 4 ? -1 : 300 + i)).map((p) => p.then(() => 'stored', () => 'rejected'));
      await turn();
      const next = submit(400, 10);
      expect(await Promise.all(failed)).toEqual(Array.from({ length: 10 }, () => 'rejected'));
      const landed = (await Promise.all(next)).map((r) => r.leafIndex);
      expect(events.slice(0, 2)).toEqual(['sent 1', 'sent 2']);
      expect(landed).toEqual(Array.from({ length: 10 }, (_, i) => start + 20 + i));
      const rows = await db.query<{ leaf: number; v: number; entry: Uint8Array }>('SELECT t.leaf, t.v, e.entry FROM t_pl t JOIN ledger_entries e ON e.idx = t.leaf WHERE t.v >= 100 ORDER BY t.leaf');
      expect(rows.map((r) => r.v)).toEqual([...Array.from({ length: 10 }, (_, i) => 100 + i), ...Array.from({ length: 10 }, (_, i) => 200 + i), ...Array.from({ length: 10 }, (_, i) => 400 + i)]);
      for (const r of rows) expect(JSON.parse(Buffer.from(r.entry).toString()).v).toBe(r.v);
      await expectHeadIsTreeOfEntries(db);
    } finally {
      await j.close();
    }
  });

  it('a batch with a value no engine can store fails whole before it reaches the database', async () => {
    const j = new Journal(db, sqlLedgerAppender, { maxBatch: 100 });
    j.register<{ t: string }>('text', {
      prepare(sql, rows) {
        const bulk = sql.encodeBulk('t_text', ['leaf', 't'], rows.map((r) => [r.leafIndex, r.row.t]));
        return async (tx) => {
          if (bulk) await tx.insertBulk(bulk);
        };
      },
    });
    await db.exec('CREATE TABLE t_text (leaf bigint PRIMARY KEY, t text NOT NULL)');
    try {
      await j.append('text', { t: 'first' }, { t: 'first' }); // the journal now predicts
      const before = (await new LedgerReader(db).head()).size;
      const settled = await Promise.allSettled(Array.from({ length: 70 }, (_, i) => j.append('text', { t: i === 33 ? 'nul\0byte' : `ok ${i}` }, { i })));
      expect(settled.every((r) => r.status === 'rejected')).toBe(true);
      expect((await new LedgerReader(db).head()).size).toBe(before);
      const next = await j.append('text', { t: 'after' }, { t: 'after' });
      expect(next.leafIndex).toBe(before);
      expect(await db.query('SELECT t FROM t_text ORDER BY leaf')).toEqual([{ t: 'first' }, { t: 'after' }]);
    } finally {
      await j.close();
    }
  });

  it('a prepared append writes only onto the head it expected, by size and frontier, and falls back to the lock otherwise', async () => {
    const leaf = (v: number) => {
      const entry = new TextEncoder().encode(canonicalJson({ v, kind: 'direct' }));
      return { entry, subject: null };
    };
    const stored = async () => {
      const rows = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries ORDER BY idx');
      return MerkleTree.of(rows.map((r) => new Uint8Array(r.entry)));
    };
    const [row] = await db.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head');
    const real = { size: row!.size, frontier: new Uint8Array(row!.frontier) };
    // Same size, different tree (e.g. a batch this process counted on rolled back and another
    // server appended as many leaves): must not be taken for the real head.
    const forged = { size: real.size, frontier: real.frontier.map((b) => b ^ 0xff) };
    const wrongSize = { size: 0, frontier: new Uint8Array(0) }; // the empty log: consistent, long gone
    for (const [name, after] of [['forged', forged], ['wrong size', wrongSize], ['real', real]] as const) {
      for (const n of [3, 70]) {
        const leaves = Array.from({ length: n }, (_, i) => leaf(9000 + i));
        const [cur] = await db.query<{ size: number }>('SELECT size FROM ledger_head');
        const counted = counting(db);
        const prepared = sqlLedgerAppender.prepare!(db, leaves, name === 'real' ? await headNow() : after);
        const done = await db.transaction(async (tx) => {
          const c = counting(tx);
          const r = await prepared.write(c);
          counted.count = c.count;
          return r;
        });
        expect(done.first, `${name} ${n}`).toBe(cur!.size);
        expect(done.end.size).toBe(cur!.size + n);
        // The expected head saves the lock statement; a wrong one costs a retry under the lock.
        const statements = engine === 'postgres' && n >= COPY_MIN_LEAVES ? 2 : 1;
        expect(counted.count, `${name} ${n}`).toBe(name === 'real' ? statements : statements + 2);
        const tree = await stored();
        const reader = new LedgerReader(db);
        expect(hex((await reader.head()).root), `${name} ${n}`).toBe(hex(tree.root()));
        expect((await reader.consistencyProof(cur!.size, tree.size)).map(hex)).toEqual(tree.consistencyProof(cur!.size, tree.size).map(hex));
      }
    }
    async function headNow() {
      const [h] = await db.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head');
      return { size: h!.size, frontier: new Uint8Array(h!.frontier) };
    }
  });

  it("answers each caller with the committed record its listeners saw; an unregistered kind is a rejection, not a throw", async () => {
    const seen: unknown[] = [];
    journal.onCommitted((batch) => seen.push(...batch));
    const [a, b] = await Promise.all([append(1_000), append(1_001)]);
    expect(b.leafIndex).toBe(a.leafIndex + 1);
    // The very objects the listeners got, with the caller's own row and the entry's text.
    expect(seen).toContain(a);
    expect(a).toMatchObject({ kind: 'test', row: { v: 1_000 }, text: canonicalJson({ kind: 'test', v: 1_000 }) });
    let thrown: unknown;
    let answer: Promise<unknown> | undefined;
    try {
      answer = journal.appendCanonical('nobody', {}, '{}', null);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeUndefined();
    await expect(answer).rejects.toThrow('journal kind "nobody" has no writer');
  });
});
