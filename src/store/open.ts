import { openPGlite, type PGliteThread } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';
import type { Database } from './sql.ts';

export interface OpenOptions {
  /** postgres://… to use a server; otherwise an embedded PGlite database. */
  databaseUrl?: string;
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string;
  schema?: string;
  /** The PGlite directory must already hold a database (read-only commands): no new one is created. */
  mustExist?: boolean;
  /** Where PGlite runs (pglite.ts): its own worker thread by default. */
  pgliteThread?: PGliteThread;
}

/** Opens the configured engine and brings its schema up to date. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const db = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, opts.schema ? { schema: opts.schema } : {})
    : await openPGlite({
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...(opts.schema ? { schema: opts.schema } : {}),
        ...(opts.mustExist ? { mustExist: true } : {}),
        ...(opts.pgliteThread ? { thread: opts.pgliteThread } : {}),
      });
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
