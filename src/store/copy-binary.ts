import { checkedText, type CopyValue } from './bulk-rows.ts';

/**
 * COPY in PostgreSQL's binary format, for the few column types the log's hot table needs. The
 * server then copies bytes instead of parsing text: a ledger entry (1 KB of JSON) is one
 * memcpy, not a scan for escapes on each side (measured: half the server time per row of
 * `ledger_entries` against COPY text).
 *
 * Format (PostgreSQL docs, "COPY — Binary Format"): signature, flags, header extension, then
 * per row a 16-bit field count and per field a 32-bit length (−1 = NULL) and the value in the
 * type's binary form; a 16-bit −1 ends the data. Values must match the column types exactly
 * (an int8 column takes 8 bytes, nothing else), so callers name the types.
 */
export type BinaryType = 'int8' | 'bytea' | 'text' | 'bool' | 'json' | 'jsonb' | 'timestamptz';

/** Signature, flags (no OIDs), header extension length (none). */
export const COPY_BINARY_HEADER: Uint8Array = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of −1: the end of the data. */
export const COPY_BINARY_TRAILER: Uint8Array = Buffer.from([0xff, 0xff]);

/**
 * Rows only, to send between COPY_BINARY_HEADER and COPY_BINARY_TRAILER: a large batch is
 * encoded a slice at a time (bulk-slices.ts) and the pieces go out one after another.
 * timestamptz values are milliseconds since the Unix epoch; json and jsonb values are JsonText.
 */
export function encodeCopyBinaryRows(rows: readonly (readonly CopyValue[])[], types: readonly BinaryType[]): Buffer {
  // Upper bound: UTF-8 takes at most 3 bytes per UTF-16 unit.
  let cap = 0;
  for (const row of rows) {
    if (row.length !== types.length) throw new Error(`COPY row has ${row.length} values for ${types.length} columns`);
    cap += 2 + 4 * row.length;
    for (const v of row) cap += bound(v);
  }
  const buf = Buffer.allocUnsafe(cap);
  let o = 0;
  for (const row of rows) {
    o = buf.writeInt16BE(types.length, o);
    for (let i = 0; i < types.length; i++) o = field(buf, o, row[i]!, types[i]!);
  }
  return buf.subarray(0, o);
}

export function bound(v: CopyValue): number {
  if (typeof v === 'string') return 3 * v.length;
  if (v instanceof Uint8Array) return v.length;
  if (v !== null && typeof v === 'object') return 1 + 3 * ('utf8' in v ? v.utf8.length : v.json.length);
  return 8;
}

/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

export function field(buf: Buffer, o: number, v: CopyValue, type: BinaryType): number {
  if (v === null) return buf.writeInt32BE(-1, o);
  switch (type) {
    case 'int8':
      if (!(typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)))) throw new Error(`bulk value is not an integer for an int8 column: ${String(v)}`);
      o = buf.writeInt32BE(8, o);
      return typeof v === 'number' ? int64(buf, o, v, 1) : buf.writeBigInt64BE(BigInt(v), o);
    case 'bytea':
      if (v instanceof Uint8Array) {
        o = buf.writeInt32BE(v.length, o);
        buf.set(v, o);
        return o + v.length;
      }
      // Text stored as its UTF-8 bytes (a ledger entry): refused like text if UTF-8 cannot hold it.
      if (typeof v === 'object' && 'utf8' in v) return utf8(buf, o, v.utf8);
      break;
    case 'text':
      if (typeof v === 'string') return utf8(buf, o, v);
      break;
    case 'bool':
      if (typeof v === 'boolean') {
        o = buf.writeInt32BE(1, o);
        return buf.writeUInt8(v ? 1 : 0, o);
      }
      break;
    case 'json':
      if (typeof v === 'object' && 'json' in v) return utf8(buf, o, v.json);
      break;
    case 'jsonb':
      // jsonb's binary form: a version byte (1), then the JSON text.
      if (typeof v === 'object' && 'json' in v) {
        const n = buf.write(checkedText(v.json), o + 5, 'utf8');
        buf.writeInt32BE(n + 1, o);
        buf.writeUInt8(1, o + 4);
        return o + 5 + n;
      }
      break;
    case 'timestamptz':
      // Microseconds since PG_EPOCH_MS, as int8.
      if (typeof v === 'number' && Number.isSafeInteger(v)) {
        o = buf.writeInt32BE(8, o);
        return int64(buf, o, v - PG_EPOCH_MS, 1000);
      }
      break;
  }
  throw new Error(`bulk value of the wrong kind for a ${type} column`);
}

/**
 * `n * scale` (n an integer, scale 1 or 1000) as a big-endian int64, in two 32-bit words
 * computed exactly with numbers: no BigInt per value (a batch's indexes and times each made
 * one, and `writeBigInt64BE` several more). n = hi·2³² + lo with 0 ≤ lo < 2³², so n·scale =
 * (hi·scale + carry)·2³² + (lo·scale mod 2³²) with carry = ⌊lo·scale / 2³²⌋ < scale; every
 * intermediate stays below 2⁵³, and |hi·scale + carry| < 2³¹ for |n| ≤ 2⁵³.
 */
function int64(buf: Buffer, o: number, n: number, scale: 1 | 1000): number {
  const hi = Math.floor(n / TWO_32);
  const lo = (n - hi * TWO_32) * scale;
  const carry = Math.floor(lo / TWO_32);
  buf.writeInt32BE(hi * scale + carry, o);
  return buf.writeUInt32BE(lo - carry * TWO_32, o + 4);
}
const TWO_32 = 2 ** 32;

/**
 * Length-prefixed UTF-8; the length is written after the bytes, once known. Many values of a
 * batch are short ASCII (ids, codes, names): those are copied byte by byte here, which costs
 * less than the native UTF-8 write and the NUL/surrogate scan `checkedText` makes for any text;
 * anything else (longer, non-ASCII, or with a NUL, which checkedText refuses) takes that way.
 */
function utf8(buf: Buffer, o: number, text: string): number {
  const n = text.length;
  if (n <= SHORT_TEXT) {
    const start = o + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0 || c > 0x7f) break;
      buf[start + i] = c;
    }
    if (i === n) {
      buf.writeInt32BE(n, o);
      return start + n;
    }
  }
  const start = o + 4;
  const written = buf.write(text, start, 'utf8');
  buf.writeInt32BE(written, o);
  // As many bytes as UTF-16 units: every unit was ASCII (a surrogate, paired or not, takes more),
  // so only a NUL could make the text unstorable, and a NUL is a 0 byte. One native backwards scan
  // of the bytes just written finds it — it stops at the length above at the latest, whose high
  // byte is 0 below 16 MiB — where the regular expression walked the text (a ~870-character log
  // entry per release: 327–368 → 107–146 ns with the write, in a loop). Anything else is checked
  // as before. Either way an unstorable text throws `checkedText`'s error and the buffer, half
  // written, is dropped with the batch.
  if (written === text.length && written < 0x1000000) {
    if (buf.lastIndexOf(0, start + written - 1) >= start) checkedText(text);
  } else {
    checkedText(text);
  }
  return start + written;
}
// Measured: the loop costs ~3.5 ns a character, the native write ~80 ns plus less than 1 a character.
const SHORT_TEXT = 24;
