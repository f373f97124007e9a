import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MerkleTree, leafHash, verifyConsistency, verifyInclusion } from '../../src/ledger/index.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { LedgerReader } from '../../src/store/ledger-reader.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database, Sql } from '../../src/store/sql.ts';
import { POSTGRES_URL, engines, openTestDatabase } from '../support/engines.ts';
import { canonicalJson } from '../../src/core/canonical.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Counts statements, to show proofs are a fixed number of reads, not a rebuild. */
function counting(db: Sql): Sql & { count: number } {
  const c = {
    count: 0,
    query: <R>(t: string, p?: readonly unknown[]) => {
      c.count++;
      return db.query<R>(t, p);
    },
    exec: (s: string) => db.exec(s),
  };
  return c;
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
});
