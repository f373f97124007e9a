import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenOptions } from '../src/store/open.ts';
import type { Database } from '../src/store/sql.ts';

/**
 * Where a benchmark's writes go:
 * - `pglite`: PGlite with its data directory on disk, as `npm start` runs it — the durable
 *   configuration (a commit is written to the files before it is acknowledged; the WASM build
 *   has no fsync of its own, so the OS page cache decides when they reach the disk);
 * - `pglite_memory`: PGlite in memory, as the tests run it — nothing survives the process;
 * - `postgres`: the PostgreSQL server at DATABASE_URL (fsync on commit), in a schema of its own.
 */
export type BenchTarget = 'pglite' | 'pglite_memory' | 'postgres';

export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Opens a fresh, migrated database; `close()` also drops what the benchmark created. */
export async function openBenchDatabase(target: BenchTarget, name = 'bench', opts: Pick<OpenOptions, 'pgliteThread'> = {}): Promise<Database> {
  if (target === 'pglite_memory') return openDatabase({ ...opts });
  if (target === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), `cg-${name}-`));
    const db = await openDatabase({ dataDir: dir, ...opts });
    return withClose(db, async (close) => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const schema = `cg_${name}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: PG_URL, schema });
  return withClose(db, async (close) => {
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await close();
  });
}

function withClose(db: Database, close: (original: () => Promise<void>) => Promise<void>): Database {
  const original = db.close.bind(db);
  return Object.assign(db, { close: () => close(original) });
}
