import { PGlite, types } from '@electric-sql/pglite';
import { encodeJsonRows, jsonRowsStatement, type CopyValue } from './bulk-rows.ts';
import type { BulkRows } from './sql.ts';

/**
 * PGlite as ConsentGate configures it, whichever thread it runs in (src/store/pglite.ts runs it
 * in a worker thread by default, in the caller's own thread on request): the instance with its
 * type parsers and serializers, and how one statement is run on it. Both threads import this, so
 * the two placements read and write exactly the same values.
 */

/** What starts an instance; `dataDir` undefined means in memory. */
export interface EngineOptions {
  readonly dataDir?: string | undefined;
  readonly schema: string;
}

const toNumber = (v: string) => Number(v);

/**
 * Extra server settings. `wal_init_zero=off`: a new 16 MB WAL segment is created by writing its
 * last byte instead of 16 MB of zeros. The WASM build runs without fsync (PGlite's `-F`), so a
 * commit is durable once its WAL is written to the file, and the zero-fill protects nothing
 * that a sparse file does not: it only doubled the WAL's write volume (docs/scaling.md).
 */
const SETTINGS = ['-c', 'wal_init_zero=off'];

/** Starts PGlite, with `search_path` set to `schema` (PGlite has one connection: it stays). */
export async function startPGlite(opts: EngineOptions): Promise<PGlite> {
  let pg: PGlite | undefined;
  try {
    pg = await PGlite.create({
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      startParams: [...PGlite.defaultStartParams, ...SETTINGS],
      parsers: { [types.INT8]: toNumber, [types.BYTEA]: byteaFromHex },
      serializers: { [types.JSON]: jsonParam },
    });
    if (opts.schema !== 'public') await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}; SET search_path TO ${opts.schema}`);
    return pg;
  } catch (e) {
    await pg?.close().catch(() => {});
    throw e;
  }
}

/** Something that runs statements: the instance itself or one of its transactions. */
export type Runner = Pick<PGlite, 'query' | 'exec'>;

/** Runs statements the way every caller of the Sql interface expects (see bytesAsBinary). */
export function statementRunner(pg: PGlite): {
  query<R>(on: Runner, text: string, params: readonly unknown[]): Promise<R[]>;
  exec(on: Runner, script: string): Promise<void>;
} {
  const bytesOptions = { serializers: bytesAsBinary(pg.serializers) };
  return {
    async query<R>(on: Runner, text: string, params: readonly unknown[]) {
      const res = await on.query<R>(text, params as unknown[], params.some(isBytes) ? bytesOptions : undefined);
      return res.rows;
    },
    async exec(on: Runner, script: string) {
      await on.exec(script);
    },
  };
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

/**
 * A bytea result (`\x` and hex) as a Uint8Array of its own: decoded natively instead of by
 * PGlite's parser, which calls parseInt once per byte. Its own buffer, exactly its size, so
 * it can be handed to another thread without copying anything else (pglite-messages.ts).
 */
export function byteaFromHex(text: string): Uint8Array {
  const out = new Uint8Array((text.length - 2) >>> 1);
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text.slice(2), 'hex');
  return out;
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
export function encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined {
  const statement = jsonRowsStatement(table, columns);
  const payload = encodeJsonRows(rows, columns);
  return payload === '' ? undefined : { engine: 'pglite', statement, payload };
}

/** The sending half of `copyInto` on PGlite: one statement with the document as its parameter. */
export function bulkStatement(bulk: BulkRows): { text: string; params: [string] } {
  if (bulk.engine !== 'pglite' || typeof bulk.payload !== 'string') throw new Error('bulk rows were encoded for another engine');
  return { text: bulk.statement, params: [bulk.payload] };
}
