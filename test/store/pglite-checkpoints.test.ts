import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPGlite, type PGliteThread } from '../../src/store/pglite.ts';
import type { Database } from '../../src/store/sql.ts';

/**
 * PGlite takes no checkpoint by itself (single-user backend, no checkpointer): the store takes
 * them as PostgreSQL's checkpointer would (pglite-engine.ts startCheckpoints), so pg_wal is
 * recycled and a restart replays only what followed the last one. Thresholds shortened here.
 */
const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(async () => {
  for (const d of dbs.splice(0)) await d.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const redo = async (db: Database) =>
  (await db.query<{ redo: string }>('SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()'))[0]!.redo;

async function open(thread: PGliteThread, checkpoints: { checkMs: number; walBytes: number; maxAgeMs: number; freezeAge?: number }, dir?: string) {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'cg-ckpt-'));
  if (!dir) dirs.push(dataDir);
  const db = await openPGlite({ dataDir, thread, checkpoints });
  dbs.push(db);
  return { db, dataDir };
}

const write = (db: Database, from: number, n: number) =>
  db.query('INSERT INTO t SELECT g, decode(repeat(md5(g::text), 32), $3) FROM generate_series($1::int, $2::int) g', [from, from + n - 1, 'hex']);

const stats = async (db: Database) => (await db.checkpointStats!())!;

/** Waits until the scheduler completed `n` more checks than it had (fails the test if it never does). */
const checked = async (db: Database, n: number) => {
  const from = (await stats(db)).checks;
  return waitFor(async () => (await stats(db)).checks >= from + n);
};

const waitFor = async (f: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
};

describe.each(['worker', 'inline'] as const)('PGlite checkpoints (%s)', { timeout: 40_000 }, (thread) => {
  it('takes one once the WAL since the last reaches the limit, and the data stays across a restart', async () => {
    const { db, dataDir } = await open(thread, { checkMs: 20, walBytes: 256 * 1024, maxAgeMs: 3_600_000 });
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, b bytea NOT NULL)');
    const before = await redo(db);
    await write(db, 1, 1000); // ~0.6 MB of WAL, over the 256 kB limit
    expect(await waitFor(async () => (await redo(db)) !== before)).toBe(true);
    expect((await stats(db)).checkpoints).toBeGreaterThanOrEqual(1);
    await write(db, 1001, 10);
    await db.close();
    dbs.length = 0;
    const { db: again } = await open(thread, { checkMs: 60_000, walBytes: 1 << 30, maxAgeMs: 3_600_000 }, dataDir);
    expect((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0]!.n).toBe(1010);
  });

  it('takes none below the limit, and none on age when nothing was written since the last', async () => {
    const { db } = await open(thread, { checkMs: 20, walBytes: 64 << 20, maxAgeMs: 3_600_000 });
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, b bytea NOT NULL)');
    const start = await redo(db);
    await write(db, 1, 100);
    expect(await checked(db, 10)).toBe(true);
    expect(await redo(db)).toBe(start);
    expect((await stats(db)).checkpoints).toBe(0);
  });

  it('takes one when checkpoint age passed with WAL written, and then waits for new WAL', async () => {
    const { db } = await open(thread, { checkMs: 20, walBytes: 64 << 20, maxAgeMs: 0 });
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, b bytea NOT NULL)');
    const start = await redo(db);
    await write(db, 1, 10);
    expect(await waitFor(async () => (await redo(db)) !== start)).toBe(true);
    // Nothing written since: the next ticks leave the redo point where it is (the checks themselves write no WAL).
    const after = await redo(db);
    const taken = (await stats(db)).checkpoints;
    expect(taken).toBeGreaterThanOrEqual(1);
    expect(await checked(db, 10)).toBe(true);
    expect(await redo(db)).toBe(after);
    expect((await stats(db)).checkpoints).toBe(taken);
  });

  it('freezes the database once its oldest unfrozen transaction id passes the age, so ids never wrap around', async () => {
    const age = async (db: Database) =>
      Number((await db.query<{ age: number }>('SELECT age(datfrozenxid)::int8 AS age FROM pg_database WHERE datname = current_database()'))[0]!.age);
    // Below the age nothing is vacuumed: the age only grows with transactions.
    const { db, dataDir } = await open(thread, { checkMs: 20, walBytes: 64 << 20, maxAgeMs: 3_600_000, freezeAge: 1_000_000 });
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, b bytea NOT NULL)');
    for (let i = 0; i < 30; i++) await write(db, i * 10 + 1, 10); // 30 transactions
    const grown = await age(db);
    expect(grown).toBeGreaterThanOrEqual(30);
    await db.close();
    dbs.length = 0;
    // With the age set below what the database has, the next tick freezes it: the age falls back.
    const { db: low } = await open(thread, { checkMs: 20, walBytes: 64 << 20, maxAgeMs: 3_600_000, freezeAge: 20 }, dataDir);
    expect(await waitFor(async () => (await age(low)) < 20)).toBe(true);
    expect((await low.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0]!.n).toBe(300);
  });
});
