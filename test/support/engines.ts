import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/store/open.ts';
import type { Database, Engine } from '../../src/store/sql.ts';

export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers at POSTGRES_URL. Required under CI=true or with DATABASE_URL set
 * (throws, naming `what`); elsewhere a missing server skips the suite with a notice.
 */
export async function postgresReachable(what: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch (e) {
    if (process.env.CI === 'true' || process.env.DATABASE_URL) throw new Error(`${what} requires PostgreSQL at ${POSTGRES_URL}: ${(e as Error).message}`);
    console.warn(`[skipped: ${what}] PostgreSQL at ${POSTGRES_URL} unreachable: install and start PostgreSQL, or set DATABASE_URL`);
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * The engines a storage test must pass on. PGlite always; PostgreSQL when DATABASE_URL is set
 * and always under CI=true — where an unreachable server fails the run instead of skipping it.
 */
export function engines(): Engine[] {
  const wantPg = Boolean(process.env.DATABASE_URL) || process.env.CI === 'true';
  return wantPg ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh, migrated database in a schema of its own; `close` drops the schema. */
export async function openTestDatabase(engine: Engine): Promise<Database> {
  const schema = `cg_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (engine === 'pglite') return openDatabase({ schema });
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: POSTGRES_URL, schema });
  } catch (e) {
    throw new Error(`PostgreSQL suite required but the server at ${redact(POSTGRES_URL)} is unreachable: ${(e as Error).message}`);
  }
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await close();
    },
  });
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');

/** Drops a test's PostgreSQL schema after its harness closed (PGlite schemas vanish with the process). */
export async function dropTestSchema(engine: Engine, schema: string): Promise<void> {
  if (engine !== 'postgres') return;
  const db = await openDatabase({ databaseUrl: POSTGRES_URL, schema });
  await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
}
