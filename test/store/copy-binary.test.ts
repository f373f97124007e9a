import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonText, utf8Bytes, type CopyValue } from '../../src/store/bulk-rows.ts';
import { encodeBinarySliced } from '../../src/store/bulk-slices.ts';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, encodeCopyBinaryRows, type BinaryType } from '../../src/store/copy-binary.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

// Binary COPY is PostgreSQL's (PGlite takes JSON documents: bulk-rows.ts); the suite runs where it is.
const postgres = engines().filter((e) => e === 'postgres');

// Any text PostgreSQL can hold: Unicode scalar values except NUL, plus COPY's and bytea's own escapes.
const pgText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0')),
  fc.constantFrom('\\', '\\N', '\t', '\n', '\r', '\\x41', '한글', '😀', '{"a":"\\u00e9"}', ''),
);
const TYPES: readonly BinaryType[] = ['int8', 'bytea', 'bytea', 'text'];

describe.each(postgres)('COPY in binary form on %s', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    await db.exec('CREATE TABLE copy_bin (idx int8 PRIMARY KEY, entry bytea, leaf_hash bytea, subject text)');
  });
  afterAll(async () => {
    await db?.close();
  });

  const copy = async (rows: CopyValue[][]) => {
    const bulk = await encodeBinarySliced('copy_bin', ['idx', 'entry', 'leaf_hash', 'subject'], TYPES, rows, (r) => r);
    await db.transaction((tx) => tx.insertBulk(bulk));
  };

  it('stores every value exactly as given: int8 at both ends of the safe range, bytes, text as UTF-8, NULLs (property)', async () => {
    let next = 0;
    const row = fc.tuple(fc.option(pgText, { nil: null }), fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }), fc.option(pgText, { nil: null }));
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 80 }), async (rows) => {
        await db.exec('TRUNCATE copy_bin');
        const first = next;
        // Both signs, and the largest safe integers, for the int8 field.
        const ids = rows.map((_, i) => (i % 3 === 0 ? -(first + i) : i % 3 === 1 ? Number.MAX_SAFE_INTEGER - (first + i) : first + i));
        next += rows.length;
        await copy(rows.map(([text, bytes, subject], i) => [ids[i]!, text === null ? null : utf8Bytes(text), bytes, subject]));
        const back = await db.query<{ idx: number; entry: Uint8Array | null; leaf_hash: Uint8Array | null; subject: string | null }>('SELECT * FROM copy_bin');
        const byId = new Map(back.map((r) => [r.idx, r]));
        expect(back).toHaveLength(rows.length);
        rows.forEach(([text, bytes, subject], i) => {
          const r = byId.get(ids[i]!)!;
          expect(r.entry === null ? null : Buffer.from(r.entry).toString('hex')).toBe(text === null ? null : Buffer.from(text, 'utf8').toString('hex'));
          expect(r.leaf_hash === null ? null : Buffer.from(r.leaf_hash).toString('hex')).toBe(bytes === null ? null : Buffer.from(bytes).toString('hex'));
          expect(r.subject).toBe(subject);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('is all or nothing: a duplicate key refuses the whole COPY', async () => {
    await db.exec('TRUNCATE copy_bin');
    await copy([[7, null, null, 'kept']]);
    await expect(copy([[8, null, null, 'a'], [7, null, null, 'duplicate']])).rejects.toThrow();
    expect(await db.query('SELECT idx, subject FROM copy_bin')).toEqual([{ idx: 7, subject: 'kept' }]);
  });
});

describe('COPY binary encoding', () => {
  it('writes the documented format: signature, flags, header extension, rows of length-prefixed fields, trailer', () => {
    const hex = Buffer.concat([COPY_BINARY_HEADER, encodeCopyBinaryRows([[1, utf8Bytes('a'), new Uint8Array([0xff]), null]], TYPES), COPY_BINARY_TRAILER]).toString('hex');
    expect(hex).toBe(
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').toString('hex') +
        '00000000' + '00000000' + // flags, header extension length
        '0004' + // fields in the row
        '00000008' + '0000000000000001' + // int8 1
        '00000001' + '61' + // bytea "a"
        '00000001' + 'ff' + // bytea ff
        'ffffffff' + // NULL
        'ffff', // end of data
    );
    // Negative int8 in two's complement; UTF-8 of text counted in bytes, not characters.
    expect(encodeCopyBinaryRows([[-2, null, null, '한']], TYPES).toString('hex')).toContain('00000008fffffffffffffffe' + 'ffffffff' + 'ffffffff' + '00000003ed959c');
  });

  it('writes bool, json, jsonb (version byte 1) and timestamptz (µs since 2000-01-01) in their binary forms', () => {
    const hex = encodeCopyBinaryRows([[true, jsonText([1]), jsonText({ a: 1 }), Date.UTC(2000, 0, 1, 0, 0, 1)]], ['bool', 'json', 'jsonb', 'timestamptz']).toString('hex');
    expect(hex).toBe(
      '0004' +
        '00000001' + '01' +
        '00000003' + Buffer.from('[1]').toString('hex') +
        '00000008' + '01' + Buffer.from('{"a":1}').toString('hex') +
        '00000008' + (1_000_000).toString(16).padStart(16, '0'),
    );
    // Before 2000: negative microseconds.
    expect(encodeCopyBinaryRows([[0]], ['timestamptz']).toString('hex')).toBe('0001' + '00000008' + (BigInt.asUintN(64, -946_684_800_000_000n)).toString(16));
  });

  it('refuses, before anything is sent, what PostgreSQL text cannot hold or a column cannot take', () => {
    expect(() => encodeCopyBinaryRows([[1, utf8Bytes('a\0b'), null, null]], TYPES)).toThrow(/NUL/);
    expect(() => encodeCopyBinaryRows([[1, null, null, 'lone \ud800']], TYPES)).toThrow(/surrogate/);
    expect(() => encodeCopyBinaryRows([[1.5, null, null, null]], TYPES)).toThrow(/int8/);
    expect(() => encodeCopyBinaryRows([[1, 'text for bytea', null, null]], TYPES)).toThrow(/bytea/);
    expect(() => encodeCopyBinaryRows([[1, null, null]], TYPES)).toThrow(/3 values for 4 columns/);
  });

});

/**
 * The encoder's int8, timestamptz and text fields against the plain way of writing them (BigInt
 * and Buffer#write, as the encoder did before its number and ASCII paths): the same bytes for
 * every safe integer, every time and any text, short ASCII or not; a NUL refused either way.
 */
describe('binary fields (no database)', () => {
  const PG_EPOCH_MS = 946_684_800_000;
  const reference = (rows: ReadonlyArray<readonly [number, number, string]>): Buffer =>
    Buffer.concat(
      rows.flatMap(([n, ms, text]) => {
        const head = Buffer.alloc(2 + 4 + 8 + 4 + 8);
        head.writeInt16BE(3, 0);
        head.writeInt32BE(8, 2);
        head.writeBigInt64BE(BigInt(n), 6);
        head.writeInt32BE(8, 14);
        head.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, 18);
        const bytes = Buffer.from(text, 'utf8');
        const len = Buffer.alloc(4);
        len.writeInt32BE(bytes.length, 0);
        return [head, len, bytes];
      }),
    );
  const safeInt = fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(0, -1, 1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
  const anyText = fc.oneof(
    fc.string({ unit: 'binary-ascii', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 150 }),
    fc.constantFrom('', 'dec_01JABCDEFGHJ', 'é', 'a'.repeat(128), 'a'.repeat(129) + 'é', '\x7f', '😀'),
  ).filter((s) => !s.includes('\0'));

  it('writes int8, timestamptz and text as BigInt and Buffer#write would (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(safeInt, safeInt, anyText), { maxLength: 8 }), (rows) => {
        expect(encodeCopyBinaryRows(rows, ['int8', 'timestamptz', 'text']).toString('hex')).toBe(reference(rows).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a NUL in short ASCII text as in any other text', () => {
    expect(() => encodeCopyBinaryRows([['ab\0c']], ['text'])).toThrow('NUL');
    expect(() => encodeCopyBinaryRows([['é\0']], ['text'])).toThrow('NUL');
    expect(() => encodeCopyBinaryRows([['\uD800']], ['text'])).toThrow('lone surrogate');
  });

  const UNSTORABLE = 'bulk value contains a NUL character or a lone surrogate';
  it('refuses a NUL or a lone surrogate anywhere in long text, ASCII or not, as text and as bytea (property)', () => {
    // Long values take the native write, checked by the bytes written (ASCII: a 0 byte) or the
    // regular expression (anything else); a NUL at the first or last place, next to the length.
    const long = fc.tuple(fc.string({ unit: 'binary-ascii', minLength: 25, maxLength: 300 }), fc.nat(), fc.constantFrom('\0', '\uD800', '\uDC00', 'é\0', '😀\0'));
    fc.assert(
      fc.property(long, ([base, at, bad]) => {
        const i = at % (base.length + 1);
        const text = base.slice(0, i) + bad + base.slice(i);
        expect(() => encodeCopyBinaryRows([[text]], ['text'])).toThrow(UNSTORABLE);
        expect(() => encodeCopyBinaryRows([[utf8Bytes(text)]], ['bytea'])).toThrow(UNSTORABLE);
      }),
      { numRuns: 400 },
    );
    for (const text of ['\0' + 'a'.repeat(40), 'a'.repeat(40) + '\0', 'a'.repeat(20) + '\0' + 'b'.repeat(20)]) {
      expect(() => encodeCopyBinaryRows([[text]], ['text'])).toThrow(UNSTORABLE);
      expect(() => encodeCopyBinaryRows([[utf8Bytes(text)]], ['bytea'])).toThrow(UNSTORABLE);
    }
    // Long text without either is written as Buffer#write writes it.
    const ok = 'x'.repeat(300) + 'é😀' + 'y'.repeat(40);
    const out = encodeCopyBinaryRows([[ok]], ['text']);
    expect(out.readInt32BE(2)).toBe(Buffer.byteLength(ok));
    expect(out.subarray(6).toString('utf8')).toBe(ok);
  });
});
