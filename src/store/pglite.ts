import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CgError } from '../core/errors.ts';
import { lockDataDir, type DirLock } from './dir-lock.ts';
import { bulkStatement, encodeBulk, startCheckpoints, startPGlite, statementRunner, type CheckpointOptions, type EngineOptions, type Runner } from './pglite-engine.ts';
import { openPGliteWorker } from './pglite-proxy.ts';
import { assertSchemaName, preparedOnPGlite, sqlHandle, type Database, type Sql } from './sql.ts';

const PREPARE = { prepare: true } as const;

export interface PGliteOptions {
  /** Data directory; undefined means in memory. */
  dataDir?: string;
  schema?: string;
  /**
   * The directory must already hold a database (commands that only read one, like `report`):
   * a mistyped path is an error instead of a new empty database. Otherwise it is created.
   */
  mustExist?: boolean;
  /**
   * Where the WASM database runs: `worker` (the default, what `npm start` uses) in a worker
   * thread of its own, so it and the server's JavaScript use two cores (pglite-proxy.ts);
   * `inline` in the caller's thread, as before — for comparing the two, and a way back.
   */
  thread?: PGliteThread;
  /** When the database's checkpoints are checked and taken (pglite-engine.ts startCheckpoints); tests shorten them. */
  checkpoints?: CheckpointOptions;
}

export type PGliteThread = 'worker' | 'inline';

/**
 * Embedded PostgreSQL (WASM). `dataDir` undefined means in memory. PGlite has a single
 * connection, so `search_path` is set once and stays. A data directory is locked for the life of
 * the handle (src/store/dir-lock.ts), by this thread whichever thread runs the database: a second
 * opener, in this process or another, gets DATA_DIR_LOCKED naming the holder's PID.
 */
export async function openPGlite(opts: PGliteOptions = {}): Promise<Database> {
  const schema = assertSchemaName(opts.schema ?? 'public');
  const lock = opts.dataDir ? lockDir(opts.dataDir, opts.mustExist ?? false) : undefined;
  const engine = { dataDir: opts.dataDir, schema, checkpoints: opts.checkpoints };
  try {
    if ((opts.thread ?? 'worker') === 'worker') return await openPGliteWorker(engine, () => lock?.release());
    return await openInline(engine, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

/** PGlite in this thread: every statement runs here, synchronously inside each call. */
async function openInline(engine: EngineOptions, lock: DirLock | undefined): Promise<Database> {
  const { schema } = engine;
  const pg = await startPGlite(engine);
  const run = statementRunner(pg);
  const checkpoints = startCheckpoints(pg, run, engine.checkpoints);
  const wrap = (q: Runner): Sql =>
    sqlHandle({
      engine: 'pglite',
      query: (text, params = [], opts) => run.query(q, text, params, preparedOnPGlite(opts) ? PREPARE : undefined),
      exec: (script) => run.exec(q, script),
      encodeBulk,
      async insertBulk(bulk) {
        const { text, params } = bulkStatement(bulk);
        await run.query(q, text, params);
      },
    });
  return {
    schema,
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    listen: (channel, onPayload) => run.listen(channel, onPayload),
    async notify(channel, payload) {
      await run.query(pg, 'SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async checkpointStats() {
      return checkpoints.stats();
    },
    async close() {
      checkpoints.stop();
      try {
        await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function lockDir(dir: string, mustExist: boolean): DirLock {
  if (mustExist) {
    const isDir = existsSync(dir) && statSync(dir).isDirectory();
    if (!isDir || !existsSync(join(dir, 'PG_VERSION'))) {
      const what = isDir ? 'holds no ConsentGate database' : 'does not exist';
      throw new CgError('DATA_DIR_NOT_FOUND', `the data directory ${dir} ${what}`, 400, [{ code: 'DATA_DIR_NOT_FOUND', message: what, path: 'dataDir' }]);
    }
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return lockDataDir(dir);
}
