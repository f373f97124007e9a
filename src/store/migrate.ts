import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './sql.ts';

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/**
 * Migrations are plain SQL files named `NNN-name.sql`, applied in order, each in its own
 * transaction. Ranges keep features apart: 001–009 foundation, 010–019 consent, 020–029 gate,
 * 030–039 ledger, 040–049 rights, 050–059 audit, 060+ hardening.
 */
export function loadMigrations(dir = DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/**
 * Applies pending migrations. An advisory lock serialises servers that start together against
 * one PostgreSQL, so each migration runs exactly once.
 */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  for (const m of migrations) {
    const did = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext(current_schema()))');
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]);
      if (done.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      return true;
    });
    if (did) applied.push(m.id);
  }
  return applied;
}
