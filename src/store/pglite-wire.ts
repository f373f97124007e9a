import { protocol, type PGlite } from '@electric-sql/pglite';

/**
 * One statement on PGlite as one buffer of PostgreSQL's extended protocol, and its answer read
 * here. PGlite's own `query` enters the WASM backend six times per statement (Parse, Describe,
 * Bind, Describe, Execute, Sync — each with its JavaScript message parser, result copies and
 * ReadyForQuery bookkeeping), re-parses and re-plans the text every time, and serializes text
 * parameters with a JavaScript UTF-8 loop: about 140 µs of CPU per statement before any SQL ran
 * (docs/scaling.md). Here a statement is Bind + Execute + Sync (with a Parse in front unless it
 * is prepared), handed to the backend in one call; the answer's few message kinds are read
 * directly. Values mean exactly what they meant through `query`: parameters are serialized by
 * the same serializers for the type PostgreSQL inferred for them (a byte parameter in the binary
 * format), results parsed by the same parsers, errors are PGlite's own DatabaseError with the
 * statement and parameters attached.
 */

/** What a statement's parameters and result columns are, as PostgreSQL described them. */
interface Described {
  /** The prepared statement's name; '' for the unnamed one (parsed again on every run). */
  readonly name: string;
  readonly paramTypes: readonly number[];
  /** Result columns (name, type oid); undefined for a statement that returns no rows. */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: number }> | undefined;
}

/** Statements kept prepared (named) in the backend; beyond it, `prepare` ones go unnamed. */
const MAX_PREPARED = 64;
/** Descriptions of unnamed statements kept (their parameter types), by text. */
const MAX_DESCRIBED = 512;

export interface WireOptions {
  readonly prepare?: boolean;
}

/**
 * Runs statements on `pg` through the wire. Not a lock: the caller runs a statement only where
 * PGlite's `query` would (its own mutexes, see pglite-engine.ts), and one call runs to the end
 * synchronously inside PGlite, so nothing interleaves with it.
 */
export class Wire {
  readonly #pg: PGlite;
  readonly #serializers: Record<number, (v: any) => unknown>;
  readonly #parsers: Record<number, (v: string, type: number) => unknown>;
  readonly #prepared = new Map<string, Described>();
  readonly #described = new Map<string, Described>();
  readonly #onNotify: (channel: string, payload: string) => void;
  #chunks: Uint8Array[] = [];
  #length = 0;
  /** The request of the next call into the backend, built in place (see Out). */
  readonly #out = new Out(OUT_SIZE);
  readonly #collect = (bytes: Uint8Array) => {
    // A view of the backend's memory, valid only during the call: copied.
    this.#chunks.push(bytes.slice());
    this.#length += bytes.length;
  };

  constructor(pg: PGlite, onNotify: (channel: string, payload: string) => void) {
    this.#pg = pg;
    this.#serializers = pg.serializers as Record<number, (v: any) => unknown>;
    this.#parsers = pg.parsers as Record<number, (v: string, type: number) => unknown>;
    this.#onNotify = onNotify;
  }

  /**
   * Runs one statement; resolves with its rows as objects, as PGlite's `query` gives them. The
   * first run of a text describes it (one more call into the backend); later runs are one call.
   */
  async query<R>(text: string, params: readonly unknown[] = [], opts?: WireOptions): Promise<R[]> {
    let d = this.#known(text, opts);
    let parse = true;
    if (!d) {
      // A `prepare` statement beyond MAX_PREPARED is kept as an unnamed statement's description.
      d = await this.#describe(text, params, opts?.prepare === true && this.#prepared.size < MAX_PREPARED);
      // The description's Parse left the statement (named, or the unnamed one) in place.
      parse = false;
    }
    this.#request(d, text, params, parse);
    const answer = await this.#run();
    return this.#rows<R>(answer, d, text, params, opts);
  }

  /**
   * The same statement run at once, in this turn, when its description is known (every run of a
   * text after its first): its rows, or its error thrown. Undefined when the text was never
   * described (then `query`, which describes it first). A failure of PGlite itself (the backend
   * call threw, so no ReadyForQuery came back) is returned as a promise rejected with PGlite's
   * own error, as `query` rejects with it. The caller must hold what `query`'s callers hold:
   * PGlite's locks, or the certainty that nobody else holds them (pglite-engine.ts `queryNow`).
   */
  queryNow<R>(text: string, params: readonly unknown[] = [], opts?: WireOptions): R[] | Promise<never> | undefined {
    const d = this.#known(text, opts);
    if (!d) return undefined;
    this.#request(d, text, params, true);
    const ran = this.#call();
    if (!endsWithReadyForQuery(ran.answer)) return ran.done.then(() => Promise.reject(new Error('PGlite answered without ReadyForQuery')));
    return this.#rows<R>(ran.answer, d, text, params, opts);
  }

  /** The description of a text run before; with `!d.name`, the statement is parsed again. */
  #known(text: string, opts: WireOptions | undefined): Described | undefined {
    return (opts?.prepare ? this.#prepared.get(text) : undefined) ?? this.#described.get(text);
  }

  /** Writes the run of a described statement into #out: Parse (an unnamed one, unless just described), Bind, Execute, Sync. */
  #request(d: Described, text: string, params: readonly unknown[], parse: boolean): void {
    // Built and handed over with no turn in between (#call is synchronous up to the backend's
    // answer), so no other statement can write into #out meanwhile.
    const out = this.#out.reset();
    // Parsed again with the types it was described with: the same statement PostgreSQL inferred.
    if (parse && !d.name) writeParse(out, '', text, d.paramTypes);
    this.#bind(out, d, params);
    out.put(d.name ? EXECUTE : DESCRIBE_PORTAL_EXECUTE);
    out.put(SYNC);
  }

  /** Forgets every description (after DDL, which may change them) and closes the prepared ones. */
  async forget(): Promise<void> {
    this.#described.clear();
    if (this.#prepared.size === 0) return;
    const out = this.#out.reset();
    for (const d of this.#prepared.values()) writeClose(out, d.name);
    out.put(SYNC);
    this.#prepared.clear();
    // Names are never reused (#names), so a Close that failed would leave nothing to collide with.
    await this.#run();
  }

  #names = 0;

  async #describe(text: string, params: readonly unknown[], named: boolean): Promise<Described> {
    const name = named ? `cg_${++this.#names}` : '';
    const out = this.#out.reset();
    writeParse(out, name, text, []);
    writeDescribeStatement(out, name);
    out.put(SYNC);
    const answer = await this.#run();
    let paramTypes: number[] = [];
    let fields: Described['fields'];
    let error: Error | undefined;
    for (const m of messages(answer)) {
      if (m.code === T_PARAMS) paramTypes = readParamTypes(answer, m.at);
      else if (m.code === T_ROWDESC) fields = readFields(answer, m.at);
      else if (m.code === T_ERROR) error ??= this.#error(answer, m, text, params);
      else if (m.code === T_NOTIFY) this.#notify(answer, m.at);
    }
    if (error) throw error;
    const d = { name, paramTypes, fields };
    if (named) this.#prepared.set(text, d);
    else {
      if (this.#described.size >= MAX_DESCRIBED) this.#described.delete(this.#described.keys().next().value!);
      this.#described.set(text, d);
    }
    return d;
  }

  #bind(out: Out, d: Described, params: readonly unknown[]): void {
    if (params.length !== d.paramTypes.length) {
      // What PostgreSQL says to a Bind with the wrong count; sent so the error is its own.
      writeBind(out, d.name, params.map((v) => (v === null || v === undefined ? null : String(v))));
      return;
    }
    const values: Array<Uint8Array | string | null> = new Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const v = params[i];
      if (v === null || v === undefined) values[i] = null;
      else if (v instanceof Uint8Array) values[i] = v;
      else {
        const serialize = this.#serializers[d.paramTypes[i]!];
        const s = serialize ? serialize(v) : (v as { toString(): string }).toString();
        values[i] = s instanceof Uint8Array ? s : (s as string);
      }
    }
    writeBind(out, d.name, values);
  }

  /** Hands the messages written into #out to the backend in one call; the answer's bytes. */
  async #run(): Promise<Buffer> {
    const { answer, done } = this.#call();
    await done; // settled already: it rejects only on a failure of PGlite itself
    return answer;
  }

  /**
   * The backend call itself, synchronous: the answer's bytes, and PGlite's promise for the call
   * (settled by then; rejected only on a failure of PGlite itself, with no answer to read).
   */
  #call(): { answer: Buffer; done: Promise<void> } {
    // The backend reads the request during the call only (PGlite drops it when the call ends),
    // so #out is free again for the next statement as soon as this returns.
    const message = this.#out.bytes();
    this.#chunks = [];
    this.#length = 0;
    // Synchronous inside: `syncToFs: false` because there is nothing to sync for the data
    // directory's file system (NODEFS writes through) or memory — PGlite's own call is a no-op.
    const done = this.#pg.execProtocolRawStream(message, { syncToFs: false, onRawData: this.#collect });
    const chunks = this.#chunks;
    const length = this.#length;
    this.#chunks = [];
    // A very large statement (a bulk document of many thousands of rows) is not kept around for good.
    this.#out.shrink(OUT_KEEP);
    const answer = chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, length);
    return { answer, done };
  }

  #rows<R>(answer: Buffer, d: Described, text: string, params: readonly unknown[], opts: WireOptions | undefined): R[] {
    const rows: R[] = [];
    let fields = d.fields;
    let error: Error | undefined;
    for (const m of messages(answer)) {
      switch (m.code) {
        case T_DATAROW:
          if (fields) rows.push(this.#row<R>(answer, m.at, fields));
          break;
        case T_ROWDESC:
          fields = readFields(answer, m.at);
          break;
        case T_ERROR:
          error ??= this.#error(answer, m, text, params, opts);
          break;
        case T_NOTIFY:
          this.#notify(answer, m.at);
          break;
      }
    }
    if (error) throw error;
    return rows;
  }

  #row<R>(b: Buffer, at: number, fields: NonNullable<Described['fields']>): R {
    const row: Record<string, unknown> = {};
    const n = b.readInt16BE(at);
    let p = at + 2;
    for (let i = 0; i < n; i++) {
      const len = b.readInt32BE(p);
      p += 4;
      const f = fields[i]!;
      if (len < 0) {
        row[f.name] = null;
        continue;
      }
      const s = b.toString('utf8', p, p + len);
      p += len;
      const parse = this.#parsers[f.type];
      row[f.name] = parse ? parse(s, f.type) : s;
    }
    return row as R;
  }

  /** PGlite's own error object for the message (its parser), with the statement attached as PGlite does. */
  #error(b: Buffer, m: Message, text: string, params: readonly unknown[], opts?: WireOptions): Error {
    let e: Error | undefined;
    new protocol.Parser().parse(b.subarray(m.start, m.end), (msg) => {
      if (msg instanceof Error) e = msg;
    });
    const err = e ?? new Error('PGlite returned an error it could not read');
    Object.assign(err, { query: text, params, queryOptions: opts });
    return err;
  }

  #notify(b: Buffer, at: number): void {
    const channelEnd = b.indexOf(0, at + 4);
    const payloadEnd = b.indexOf(0, channelEnd + 1);
    const channel = b.toString('utf8', at + 4, channelEnd);
    const payload = b.toString('utf8', channelEnd + 1, payloadEnd);
    // As PGlite delivers them: after the statement's own synchronous code.
    queueMicrotask(() => this.#onNotify(channel, payload));
  }
}

const T_PARAMS = 0x74; // 't' ParameterDescription
const T_ROWDESC = 0x54; // 'T' RowDescription
const T_DATAROW = 0x44; // 'D' DataRow
const T_ERROR = 0x45; // 'E' ErrorResponse
const T_NOTIFY = 0x41; // 'A' NotificationResponse

interface Message {
  readonly code: number;
  /** Offset of the body (after type and length). */
  readonly at: number;
  readonly start: number;
  readonly end: number;
}

/** Whether the answer ends with ReadyForQuery ('Z', length 5, status): the backend finished the request. */
function endsWithReadyForQuery(b: Buffer): boolean {
  const at = b.length - 6;
  return at >= 0 && b[at] === 0x5a && b.readInt32BE(at + 1) === 5;
}

function* messages(b: Buffer): Generator<Message> {
  let p = 0;
  while (p + 5 <= b.length) {
    const code = b[p]!;
    const len = b.readInt32BE(p + 1);
    yield { code, at: p + 5, start: p, end: p + 1 + len };
    p += 1 + len;
  }
}

function readParamTypes(b: Buffer, at: number): number[] {
  const n = b.readInt16BE(at);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readUInt32BE(at + 2 + 4 * i);
  return out;
}

function readFields(b: Buffer, at: number): Array<{ name: string; type: number }> {
  const n = b.readInt16BE(at);
  const out: Array<{ name: string; type: number }> = new Array(n);
  let p = at + 2;
  for (let i = 0; i < n; i++) {
    const end = b.indexOf(0, p);
    const name = b.toString('utf8', p, end);
    p = end + 1;
    const type = b.readUInt32BE(p + 6);
    p += 18;
    out[i] = { name, type };
  }
  return out;
}

// ---- frontend messages -------------------------------------------------------------------

const cstringLength = (s: string) => Buffer.byteLength(s, 'utf8') + 1;

/**
 * The Wire's request buffer: its initial size (a small batch's statement fits), and the most it
 * keeps between statements. A durable batch of 2,000 decisions is a ~2.4 MB Bind, one after the
 * other under load: kept, its buffer is reused by the next batch instead of a new one being
 * allocated for each. A fresh buffer of that size per batch is external memory to V8, and at
 * ten such batches a second it was what set off the worker's full garbage collections (a
 * mark-compact every 0.5–1 s, 6–48 ms each; docs/release-history.md, 2026-12-07 h-pgldur). At most 8 MB
 * stays allocated.
 */
const OUT_SIZE = 16_384;
const OUT_KEEP = 8 << 20;
/** Room left after a message that grew the buffer: the largest end of a request (Describe + Execute + Sync, 21 bytes) fits. */
const OUT_TAIL = 64;

/**
 * Frontend messages written one after another into one buffer, kept by the Wire and reused for
 * every statement: a batch's Bind is ~10 kB, and building it in a buffer of its own and then
 * copying it and the rest into another gave two fresh ArrayBuffers (each a native allocation,
 * zero-filled for the second, and work for the garbage collector) and a copy per statement.
 */
export class Out {
  b: Buffer;
  n = 0;
  constructor(private readonly size: number) {
    this.b = Buffer.allocUnsafe(size);
  }
  /** Back to the initial size if it grew beyond `max`. */
  shrink(max: number): void {
    if (this.b.length > max) this.b = Buffer.allocUnsafe(this.size);
    this.n = 0;
  }
  reset(): this {
    this.n = 0;
    return this;
  }
  /** Appends a message's header with room for its body; where the body starts. */
  message(code: number, bodyLength: number): { b: Buffer; p: number } {
    const at = this.n;
    this.reserve(5 + bodyLength);
    const b = this.b;
    b[at] = code;
    b.writeInt32BE(4 + bodyLength, at + 1);
    this.n = at + 5 + bodyLength;
    return { b, p: at + 5 };
  }
  put(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.b.set(bytes, this.n);
    this.n += bytes.length;
  }
  bytes(): Buffer {
    return this.b.subarray(0, this.n);
  }
  private reserve(k: number): void {
    if (this.n + k <= this.b.length) return;
    // With room for the Execute and Sync that follow every Bind: a Bind larger than the buffer
    // (a durable batch's, ~2.4 MB at 2,000 decisions) is then its one growth. Sized to the Bind
    // alone, the 10-byte Execute after it doubled the buffer again and copied the whole Bind
    // once more — a second allocation of twice its size and a copy of it, per large batch.
    const b = Buffer.allocUnsafe(Math.max(2 * this.b.length, this.n + k + OUT_TAIL));
    this.b.copy(b, 0, 0, this.n);
    this.b = b;
  }
}

function writeCString(b: Buffer, p: number, s: string): number {
  const n = b.write(s, p, 'utf8');
  b[p + n] = 0;
  return p + n + 1;
}

export function parseMessage(name: string, text: string, types: readonly number[]): Uint8Array {
  const out = new Out(0);
  writeParse(out, name, text, types);
  return out.bytes();
}

function writeParse(out: Out, name: string, text: string, types: readonly number[]): void {
  const m = out.message(0x50, cstringLength(name) + cstringLength(text) + 2 + 4 * types.length);
  let p = writeCString(m.b, m.p, name);
  p = writeCString(m.b, p, text);
  p = m.b.writeInt16BE(types.length, p);
  for (const t of types) p = m.b.writeUInt32BE(t, p);
}

/** Bind of the unnamed portal: a Uint8Array value in the binary format, a string as text; results as text. */
export function bindMessage(statement: string, values: ReadonlyArray<Uint8Array | string | null>): Uint8Array {
  const out = new Out(0);
  writeBind(out, statement, values);
  return out.bytes();
}

function writeBind(out: Out, statement: string, values: ReadonlyArray<Uint8Array | string | null>): void {
  let body = 1 + cstringLength(statement) + 2 + 2 * values.length + 2 + 2 + 2;
  const lengths: number[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const len = v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength;
    lengths[i] = len;
    body += 4 + (len > 0 ? len : 0);
  }
  const m = out.message(0x42, body);
  const b = m.b;
  let p = m.p;
  b[p++] = 0; // unnamed portal
  p = writeCString(b, p, statement);
  p = b.writeInt16BE(values.length, p);
  for (const v of values) p = b.writeInt16BE(v instanceof Uint8Array ? 1 : 0, p);
  p = b.writeInt16BE(values.length, p);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    p = b.writeInt32BE(lengths[i]!, p);
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') p += b.write(v, p, 'utf8');
    else {
      b.set(v, p);
      p += v.byteLength;
    }
  }
  p = b.writeInt16BE(1, p); // one result format code for all columns:
  b.writeInt16BE(0, p); // text
}

function writeClose(out: Out, name: string): void {
  const m = out.message(0x43, 1 + cstringLength(name));
  m.b[m.p] = 0x53; // 'S'tatement
  writeCString(m.b, m.p + 1, name);
}

function writeDescribeStatement(out: Out, name: string): void {
  const m = out.message(0x44, 1 + cstringLength(name));
  m.b[m.p] = 0x53; // 'S'tatement
  writeCString(m.b, m.p + 1, name);
}

export const EXECUTE = Uint8Array.of(0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0); // unnamed portal, all rows
export const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
/** Describe of the unnamed portal, then Execute: an unnamed statement's columns come with its rows. */
export const DESCRIBE_PORTAL_EXECUTE = Uint8Array.of(0x44, 0, 0, 0, 6, 0x50, 0, ...EXECUTE);
