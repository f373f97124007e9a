import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { CgError } from '../core/errors.ts';
import { encodeJsonRows, jsonRowsStatement, type CopyValue } from './bulk-rows.ts';
import { lockDataDir, type DirLock } from './dir-lock.ts';
import { assertSchemaName, sqlHandle, type BulkRows, type Database, type Sql } from './sql.ts';

const toNumber = (v: string) => Number(v);

export interface PGliteOptions {
  /** Data directory; undefined means in memory. */
  dataDir?: string;
  schema?: string;
  /**
   * The directory must already hold a database (commands that only read one, like `report`):
   * a mistyped path is an error instead of a new empty database. Otherwise it is created.
   */
  mustExist?: boolean;
}

/**
 * Embedded PostgreSQL (WASM). `dataDir` undefined means in memory. PGlite has a single
 * connection, so `search_path` is set once and stays. A data directory is locked for the life of
 * the handle (src/store/dir-lock.ts): a second opener, in this process or another, gets
 * DATA_DIR_LOCKED naming the holder's PID.
 */
export async function openPGlite(opts: PGliteOptions = {}): Promise<Database> {
  const schema = assertSchemaName(opts.schema ?? 'public');
  const lock = opts.dataDir ? lockDir(opts.dataDir, opts.mustExist ?? false) : undefined;
  let pg: PGlite | undefined;
  try {
    pg = await PGlite.create({
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      parsers: { [types.INT8]: toNumber },
    });
    if (schema !== 'public') await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  } catch (e) {
    await pg?.close().catch(() => {});
    lock?.release();
    throw e;
  }

  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => {
    const insertBulk = async (bulk: BulkRows) => {
      if (bulk.engine !== 'pglite' || typeof bulk.payload !== 'string') throw new Error('bulk rows were encoded for another engine');
      await q.query(bulk.statement, [bulk.payload]);
    };
    return sqlHandle({
      engine: 'pglite',
      async query<R>(text: string, params: readonly unknown[] = []) {
        const res = await q.query<R>(text, params as unknown[]);
        return res.rows;
      },
      async exec(script: string) {
        await q.exec(script);
      },
      encodeBulk,
      insertBulk,
    });
  };

  return {
    schema,
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return () => unlisten();
    },
    async notify(channel, payload) {
      await pg.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
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

/** Not COPY on PGlite: see bulk-rows.ts for why it takes one JSON document instead. */
function encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined {
  const statement = jsonRowsStatement(table, columns);
  const payload = encodeJsonRows(rows, columns);
  return payload === '' ? undefined : { engine: 'pglite', statement, payload };
}
