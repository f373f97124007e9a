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
      serializers: { [types.JSON]: jsonParam },
    });
    if (schema !== 'public') await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  } catch (e) {
    await pg?.close().catch(() => {});
    lock?.release();
    throw e;
  }

  // Bytes go in the binary parameter format, whatever the parameter's type (see bytesAsBinary).
  const bytesOptions = { serializers: bytesAsBinary(pg.serializers) };
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => {
    const insertBulk = async (bulk: BulkRows) => {
      if (bulk.engine !== 'pglite' || typeof bulk.payload !== 'string') throw new Error('bulk rows were encoded for another engine');
      await q.query(bulk.statement, [bulk.payload]);
    };
    return sqlHandle({
      engine: 'pglite',
      async query<R>(text: string, params: readonly unknown[] = []) {
        const res = await q.query<R>(text, params as unknown[], params.some(isBytes) ? bytesOptions : undefined);
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

const isBytes = (v: unknown) => v instanceof Uint8Array;

/**
 * Serializers under which a Uint8Array parameter is sent as it is, in the binary format, as
 * node-postgres sends a Buffer: a bytea travels as its bytes (PGlite's own bytea serializer
 * builds a hex string one byte at a time in JavaScript), and a batch's columns as binary
 * arrays (binary-arrays.ts). Every other value goes through PGlite's serializer for its type.
 */
function bytesAsBinary(defaults: Record<number | string, (v: any) => string>): Record<number, (v: any) => string> {
  return new Proxy({} as Record<number, (v: any) => string>, {
    get: (_target, oid) => (v: unknown) => (v instanceof Uint8Array ? v : (defaults[oid as string]?.(v) ?? String(v))) as string,
  });
}

/** From this length on, a json parameter travels as UTF-8 bytes (see jsonParam). */
export const BINARY_JSON_MIN = 512;
const defaultJson = types.serializers[types.JSON]!;

/**
 * A json parameter: a long text (a batch's rows as one JSON document, bulk-rows.ts) is sent as
 * its UTF-8 bytes in the binary parameter format, which json_recv takes as the text itself.
 * PGlite sends text parameters by first counting their UTF-8 length in a JavaScript loop, one
 * character at a time: for a group-commit batch's documents that loop alone was a fifth of the
 * durable write path's time (docs/scaling.md). `Buffer.from` encodes natively; the server still
 * checks the bytes are valid UTF-8 and valid JSON, exactly as for text. Short values keep the
 * text form (encoding them to bytes would cost more than the loop).
 */
function jsonParam(v: unknown): string {
  return typeof v === 'string' && v.length >= BINARY_JSON_MIN ? (Buffer.from(v, 'utf8') as unknown as string) : defaultJson(v);
}

/** Not COPY on PGlite: see bulk-rows.ts for why it takes one JSON document instead. */
function encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined {
  const statement = jsonRowsStatement(table, columns);
  const payload = encodeJsonRows(rows, columns);
  return payload === '' ? undefined : { engine: 'pglite', statement, payload };
}
