/**
 * Bulk rows for `Sql.copyInto`, in the two forms the engines take best:
 *
 * - PostgreSQL: COPY text format. The server parses tab-separated fields straight into column
 *   types, about a third of the server time of an `INSERT … SELECT FROM jsonb_to_recordset(…)`
 *   of the same wide rows.
 * - PGlite: one JSON document for `json_populate_recordset`. PGlite's COPY extends tables in
 *   multi-page steps through fallocate, which its in-memory file system serves by copying the
 *   whole file: quadratic in the table size (measured 430 µs per row at 60k rows).
 */
export type CopyValue = string | number | boolean | bigint | Uint8Array | null | JsonText | Utf8Bytes;

/** JSON text for a json or jsonb column (COPY parses it; the JSON document embeds it as is). */
export interface JsonText {
  readonly json: string;
}

export const jsonText = (value: unknown): JsonText => ({ json: JSON.stringify(value) });

/**
 * A bytea value whose bytes are this text's UTF-8 (a ledger entry is canonical JSON). Sent in
 * bytea's escape form — the text itself, backslashes doubled — instead of hex: half the size
 * on the wire, and no hex string to build.
 */
export interface Utf8Bytes {
  readonly utf8: string;
}

export const utf8Bytes = (text: string): Utf8Bytes => ({ utf8: text });

/** bytea escape input (byteain): every byte stands for itself except the backslash, doubled. */
const BACKSLASH = /\\/g;
const byteaEscape = (text: string) => checkedText(text).replace(BACKSLASH, '\\\\');

const SAFE_IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** Table and column names are interpolated into the statements: a closed alphabet only. */
function checkNames(table: string, columns: readonly string[]): void {
  for (const name of [table, ...columns]) if (!SAFE_IDENT.test(name)) throw new Error(`invalid identifier for a bulk insert: ${JSON.stringify(name)}`);
  if (columns.length === 0) throw new Error('a bulk insert needs at least one column');
}

/**
 * From this many rows on, PostgreSQL gets COPY (text, or binary: copy-binary.ts); below, one
 * INSERT from a JSON document. COPY's server-side parsing is cheaper per row, but its exchange
 * takes two round trips where an INSERT takes one — what matters for the small batches of a
 * lightly loaded server is latency.
 */
export const COPY_MIN_ROWS = 64;

export function copyStatement(table: string, columns: readonly string[]): string {
  checkNames(table, columns);
  return `COPY ${table} (${columns.join(', ')}) FROM STDIN`;
}

/** `$1` is the document from encodeJsonRows; the table's own row type converts every field. */
export function jsonRowsStatement(table: string, columns: readonly string[]): string {
  return jsonRowsInsert(table, columns, '$1', '');
}

/**
 * The rows of `doc` (a parameter holding encodeJsonRows output) inserted only if the ledger
 * head moved: for a journal batch written as one statement, where `h` is the head update
 * (see PreparedWriter.statements).
 */
export function jsonRowsIfHeadMoved(table: string, columns: readonly string[], doc: string): string {
  return jsonRowsInsert(table, columns, doc, ', h');
}

function jsonRowsInsert(table: string, columns: readonly string[], doc: string, join: string): string {
  checkNames(table, columns);
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map((c) => 'x.' + c).join(', ')} FROM json_populate_recordset(NULL::${table}, ${doc}::json) AS x${join}`;
}

// COPY text format: backslash, newline, carriage return and tab are the only characters that
// must be escaped (PostgreSQL docs, "COPY — Text Format"); \N is NULL.
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// PostgreSQL text holds neither NUL nor a lone surrogate (not UTF-8 at all): refused up front,
// so both engines fail the same way, before anything is sent.
const UNSTORABLE = /\0|\p{Cs}/u;
/** The cheap first look (no Unicode mode): a NUL or any surrogate, paired or not. */
const MAYBE_UNSTORABLE = /[\0\uD800-\uDFFF]/;

export function checkedText(v: string): string {
  if (MAYBE_UNSTORABLE.test(v) && UNSTORABLE.test(v)) throw new Error('bulk value contains a NUL character or a lone surrogate');
  return v;
}

function checkedNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`bulk value is not a finite number: ${v}`);
  return String(v);
}

const hexOf = (v: Uint8Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');

/** Anything that needs a second look: an escape, a NUL or any surrogate (paired ones are fine). */
const UNUSUAL = /[\\\n\r\t\0\uD800-\uDFFF]/;

function field(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'string') {
    // One scan for the usual value (identifiers, hashes, JSON without escapes).
    if (!UNUSUAL.test(v)) return v;
    return checkedText(v).replace(SPECIAL_ALL, (c) => ESCAPES[c]!);
  }
  if (typeof v === 'number') return checkedNumber(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'bigint') return v.toString();
  // bytea in hex form; its own backslash is escaped like any other.
  if (v instanceof Uint8Array) return '\\\\x' + hexOf(v);
  // Canonical JSON usually needs no escape at either level: one scan, and the text as it is.
  if ('utf8' in v) return UNUSUAL.test(v.utf8) ? field(byteaEscape(v.utf8)) : v.utf8;
  return field(v.json);
}

/** Every row must have one value per column, in the column order of the statement. */
export function encodeCopyText(rows: Iterable<readonly CopyValue[]>, width: number): string {
  let out = '';
  for (const row of rows) out += copyLine(row, width);
  return out;
}

/**
 * The same COPY text, UTF-8 encoded a line at a time into one buffer: a batch of thousands of
 * wide rows never exists as one JavaScript string (built by concatenation, then flattened and
 * copied again to encode it), which halves the garbage a large batch leaves behind.
 */
export function encodeCopyBytes(rows: Iterable<readonly CopyValue[]>, width: number): Buffer {
  let buf = Buffer.allocUnsafe(COPY_BUFFER_START);
  let used = 0;
  for (const row of rows) {
    const line = copyLine(row, width);
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    if (used + 3 * line.length > buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * buf.length, used + 3 * line.length));
      buf.copy(grown, 0, 0, used);
      buf = grown;
    }
    used += buf.write(line, used, 'utf8');
  }
  return buf.subarray(0, used);
}
const COPY_BUFFER_START = 64 * 1024;

function copyLine(row: readonly CopyValue[], width: number): string {
  if (row.length !== width) throw new Error(`COPY row has ${row.length} values for ${width} columns`);
  let line = field(row[0]!);
  for (let i = 1; i < row.length; i++) line += '\t' + field(row[i]!);
  return line + '\n';
}

/** The rows as one JSON array of objects keyed by column, for json_populate_recordset. */
export function encodeJsonRows(rows: Iterable<readonly CopyValue[]>, columns: readonly string[]): string {
  const keys = columns.map((c, i) => (i === 0 ? '{' : ',') + JSON.stringify(c) + ':');
  let out = '';
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`bulk row has ${row.length} values for ${columns.length} columns`);
    let obj = '';
    for (let i = 0; i < row.length; i++) obj += keys[i]! + jsonField(row[i]!);
    out += (out === '' ? '[' : ',') + obj + '}';
  }
  return out === '' ? '' : out + ']';
}

function jsonField(v: CopyValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(checkedText(v));
  if (typeof v === 'number') return checkedNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  // Digits, not a JS number: int8 beyond 2^53 stays exact.
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return '"\\\\x' + hexOf(v) + '"';
  if ('utf8' in v) return JSON.stringify(byteaEscape(v.utf8));
  return v.json;
}
