/**
 * The messages between the server's thread and the worker thread that owns the PGlite instance
 * (src/store/pglite-proxy.ts, src/store/pglite-thread.ts). Every request carries an id and gets
 * exactly one reply with that id; a transaction is a `begin` whose reply comes when it ended,
 * the statements in between name it by `tx`.
 */
export type Request =
  /**
   * `prepare`: keep the statement prepared in the worker (QueryOptions.prepare). `text` and
   * `sid` together: the worker keeps the text under that number; `sid` alone: the text it kept
   * (a batch statement is a kilobyte, cloned and hashed again on every run otherwise).
   */
  | { readonly op: 'query'; readonly id: number; readonly tx?: number; readonly text?: string; readonly sid?: number; readonly params: readonly unknown[]; readonly prepare?: true }
  | { readonly op: 'exec'; readonly id: number; readonly tx?: number; readonly script: string }
  /** Opens transaction `tx`; replied to once it committed or rolled back (after its `end`). */
  | { readonly op: 'begin'; readonly id: number; readonly tx: number }
  /** Ends transaction `tx`: no reply of its own, its `begin` gets it. */
  | { readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly op: 'listen'; readonly id: number; readonly listener: number; readonly channel: string }
  | { readonly op: 'unlisten'; readonly id: number; readonly listener: number }
  /** The worker thread's CPU time (microseconds), null where the platform cannot tell. */
  | { readonly op: 'cpu'; readonly id: number }
  /** The checkpoint scheduler's counts (pglite-engine.ts CheckpointStats). */
  | { readonly op: 'checkpoints'; readonly id: number }
  | { readonly op: 'close'; readonly id: number };

export type Reply = Answer | { readonly id: number; readonly error: SerializedError };
export interface Answer {
  readonly id: number;
  readonly rows?: unknown[];
  readonly value?: unknown;
  readonly error?: undefined;
}

/** The requests that get a reply (all but `end`). */
export type Call = Exclude<Request, { op: 'end' }>;

/** Sent by the worker, unasked, for each NOTIFY on a channel a `listen` subscribed to. */
export interface Notification {
  readonly id?: undefined;
  readonly listener: number;
  readonly payload: string;
}

/** The first message of a started worker: ready, or why it could not start. */
export type Started = { readonly started: true } | { readonly started: false; readonly error: SerializedError };

/**
 * The fields of a PostgreSQL error (node-postgres and PGlite name them alike): they cross the
 * thread boundary so that callers still see `code` 23505 and the rest, exactly as before.
 */
const ERROR_FIELDS = [
  'name', 'message', 'length', 'severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery',
  'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine',
] as const;

export type SerializedError = { readonly message: string } & Partial<Record<Exclude<(typeof ERROR_FIELDS)[number], 'message'>, string | number>>;

/** An error as the worker sends it: its PostgreSQL fields (no parameters, which may be large). */
export function serializeError(e: unknown): SerializedError {
  if (typeof e !== 'object' || e === null) return { message: String(e) };
  const out: Record<string, string | number> = { message: String((e as Error).message) };
  for (const k of ERROR_FIELDS) {
    const v = (e as Record<string, unknown>)[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out as SerializedError;
}

/**
 * The error for the caller, made in the caller's thread (so its stack shows the caller): the
 * same fields, and the statement and its parameters as PGlite attaches them.
 */
export function deserializeError(s: SerializedError, query?: { text: string; params?: readonly unknown[] }): Error {
  const e = new Error(s.message);
  const fields = e as unknown as Record<string, unknown>;
  for (const k of ERROR_FIELDS) if (k !== 'message' && s[k] !== undefined) fields[k] = s[k];
  if (query) {
    fields.query = query.text;
    fields.params = query.params;
  }
  return e;
}

/**
 * Parameters ready to post, and what to transfer with them. The byte parameters are copied once
 * into ONE buffer, each a view of its own into it, and that buffer is moved, not cloned:
 * structured clone copies a view's whole underlying buffer (for a small Buffer, Node's 8 KB pool;
 * for a binary array, its over-allocated capacity) and copies it twice. One buffer for all of
 * them (a batch statement has seven) is one allocation and one detach on this side and one
 * ArrayBuffer on the other, instead of one each. The caller's own bytes are never detached.
 */
export function postableParams(params: readonly unknown[]): { params: unknown[]; transfer: ArrayBuffer[] } {
  let total = 0;
  let any = false;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    if (v instanceof Uint8Array) {
      total += v.byteLength;
      any = true;
    }
  }
  if (!any) return { params: params as unknown[], transfer: [] };
  const buffer = new ArrayBuffer(total);
  const out = params.slice();
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (!(v instanceof Uint8Array)) continue;
    const own = new Uint8Array(buffer, at, v.byteLength);
    own.set(v);
    out[i] = own;
    at += v.byteLength;
  }
  return { params: out, transfer: [buffer] };
}

/**
 * The buffers of result rows that can move to the caller instead of being copied: byte values
 * (byteaFromHex gives each its own buffer, exactly its size) directly in a row.
 */
export function rowTransfers(rows: readonly unknown[]): ArrayBuffer[] {
  let transfer: ArrayBuffer[] | undefined;
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    for (const v of Object.values(row)) {
      if (v instanceof Uint8Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer) {
        (transfer ??= []).push(v.buffer);
      }
    }
  }
  if (!transfer || transfer.length < 2) return transfer ?? [];
  return [...new Set(transfer)];
}
