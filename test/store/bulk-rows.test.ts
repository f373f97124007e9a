import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStatement, encodeCopyBytes, encodeCopyText, encodeJsonRows, jsonRowsIfHeadMoved, jsonRowsStatement, jsonText, utf8Bytes, type JsonText } from '../../src/store/bulk-rows.ts';
import { concatBulk, encodeBulkSliced, SLICE_ROWS } from '../../src/store/bulk-slices.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

const COLUMNS = ['id', 't', 'n', 'b', 'bytes', 'doc'] as const;
type Row = [number, string | null, number | null, boolean | null, Uint8Array | null, JsonText | null];

// Text PostgreSQL can store: any Unicode scalar value except NUL (lone surrogates are not text).
const pgText = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0'));
const tricky = fc.constantFrom('\\', '\\N', '\t', '\n', '\r', '\\.', 'a\\tb', '\r\n', ' ', '');
const text = fc.oneof(pgText, tricky, fc.array(tricky, { maxLength: 5 }).map((a) => a.join('')));
const rowArb = (id: number) =>
  fc.tuple(
    fc.constant(id),
    fc.option(text),
    fc.option(fc.maxSafeInteger()),
    fc.option(fc.boolean()),
    fc.option(fc.uint8Array({ maxLength: 24 })),
    // jsonb refuses the \u0000 escape, so documents never carry one.
    fc.option(fc.jsonValue({ maxDepth: 2 }).map(jsonText).filter((d) => !d.json.includes('\\u0000'))),
  );

describe.each(engines())('bulk insert (copyInto) on %s', (engine) => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    await db.exec('CREATE TABLE copy_t (id int8 PRIMARY KEY, t text, n int8, b boolean, bytes bytea, doc jsonb, CHECK (n IS NULL OR n >= -9007199254740991))');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores every value exactly as given, escapes included (property)', async () => {
    let next = 0;
    await fc.assert(
      // Few rows and many: PostgreSQL sends small batches as one INSERT and large ones with COPY.
      fc.asyncProperty(fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 64, max: 90 })).chain((n) => fc.tuple(...Array.from({ length: n }, () => rowArb(next++)))), async (rows) => {
        await db.exec('TRUNCATE copy_t');
        await db.transaction((tx) => tx.copyInto('copy_t', COLUMNS, rows as Row[]));
        const back = await db.query<{ id: number; t: string | null; n: number | null; b: boolean | null; bytes: Uint8Array | null; doc: unknown }>(
          'SELECT id, t, n, b, bytes, doc FROM copy_t ORDER BY id',
        );
        expect(back.map((r) => r.id)).toEqual(rows.map((r) => r[0]));
        back.forEach((r, i) => {
          const [, t, n, b, bytes, doc] = rows[i]!;
          expect(r.t).toBe(t);
          expect(r.n).toBe(n);
          expect(r.b).toBe(b);
          expect(r.bytes === null ? null : Buffer.from(r.bytes).toString('hex')).toBe(bytes === null ? null : Buffer.from(bytes).toString('hex'));
          expect(r.doc).toEqual(doc === null ? null : JSON.parse(doc.json));
        });
      }),
      { numRuns: 40 },
    );
  });

  it('is all or nothing: one bad row inserts no row of the batch', async () => {
    await db.exec('TRUNCATE copy_t');
    await db.exec("INSERT INTO copy_t (id, t) VALUES (5, 'taken')");
    const rows: Row[] = [
      [1, 'a', 1, true, null, null],
      [5, 'duplicate key', 2, false, null, null],
      [9, 'c', 3, null, null, null],
    ];
    await expect(db.transaction((tx) => tx.copyInto('copy_t', COLUMNS, rows))).rejects.toThrow();
    expect(await db.query('SELECT id FROM copy_t ORDER BY id')).toEqual([{ id: 5 }]);
    const many: Row[] = Array.from({ length: 100 }, (_, i) => [100 + i, `row ${i}`, i, null, null, null]);
    many[70] = [5, 'duplicate key', 0, null, null, null];
    await expect(db.transaction((tx) => tx.copyInto('copy_t', COLUMNS, many))).rejects.toThrow();
    expect(await db.query('SELECT id FROM copy_t ORDER BY id')).toEqual([{ id: 5 }]);
    // The connection is usable again after the refused COPY, inside and outside transactions.
    await db.copyInto('copy_t', COLUMNS, [[2, 'after', null, null, null, jsonText({ ok: true })]]);
    expect(await db.query('SELECT id, doc FROM copy_t ORDER BY id')).toEqual([{ id: 2, doc: { ok: true } }, { id: 5, doc: null }]);
  });

  it('stores text given as bytea (utf8Bytes) as exactly its UTF-8 bytes (property)', async () => {
    // Backslashes (bytea's own escape), a leading \x (its hex marker), COPY's specials, Unicode.
    const odd = fc.constantFrom('\\', '\\x41', '\\\\', '\\000', '\t', '\n', '\r', '한글', '{"a":"\\u00e9"}', '');
    const body = fc.oneof(pgText, odd, fc.array(fc.oneof(odd, pgText), { maxLength: 6 }).map((a) => a.join('')));
    let next = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 64, max: 80 })).chain((n) => fc.array(body, { minLength: n, maxLength: n })), async (texts) => {
        await db.exec('TRUNCATE copy_t');
        const rows = texts.map((t) => [next++, null, null, null, utf8Bytes(t), null] as const);
        await db.transaction((tx) => tx.copyInto('copy_t', COLUMNS, rows));
        const back = await db.query<{ bytes: Uint8Array }>('SELECT bytes FROM copy_t ORDER BY id');
        expect(back.map((r) => Buffer.from(r.bytes).toString('utf8'))).toEqual(texts);
        expect(back.map((r) => Buffer.from(r.bytes).toString('hex'))).toEqual(texts.map((t) => Buffer.from(t, 'utf8').toString('hex')));
      }),
      { numRuns: 30 },
    );
    expect(() => db.encodeBulk('copy_t', COLUMNS, [[1, null, null, null, utf8Bytes('a\0b'), null]])).toThrow(/NUL/);
  });

  it('encodes a large batch in slices that, joined, insert exactly the rows of the whole', async () => {
    for (const n of [SLICE_ROWS * 2 - 1, SLICE_ROWS * 2, SLICE_ROWS * 5 + 3]) {
      await db.exec('TRUNCATE copy_t');
      const rows = Array.from({ length: n }, (_, i) => ({ id: i, t: `row\t${i}\n` }));
      const bulk = (await encodeBulkSliced(db, 'copy_t', ['id', 't'], rows, (r, i) => [r.id, `${r.t}@${i}`]))!;
      await db.transaction((tx) => tx.insertBulk(bulk));
      const back = await db.query<{ id: number; t: string }>('SELECT id, t FROM copy_t ORDER BY id');
      expect(back).toEqual(rows.map((r, i) => ({ id: r.id, t: `${r.t}@${i}` })));
    }
    expect(await encodeBulkSliced(db, 'copy_t', ['id'], [], () => [1])).toBeUndefined();
  });

  it('does nothing for no rows', async () => {
    await db.exec('TRUNCATE copy_t');
    await db.copyInto('copy_t', COLUMNS, []);
    expect(await db.query('SELECT count(*)::int8 AS n FROM copy_t')).toEqual([{ n: 0 }]);
  });
});

describe('bulk row encoding', () => {
  it('COPY bytes are the UTF-8 of the COPY text, however the buffer grows (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(text), fc.option(fc.string({ unit: 'grapheme', minLength: 100, maxLength: 30_000 }))), { maxLength: 40 }), (rows) => {
        expect(encodeCopyBytes(rows, 2).equals(Buffer.from(encodeCopyText(rows, 2), 'utf8'))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('joins slices: COPY pieces are kept in order, JSON arrays merge; different statements never join', () => {
    const copy = (statement: string, payload: string) => ({ engine: 'postgres' as const, statement, payload: Buffer.from(payload) });
    const joined = concatBulk([copy('COPY t', 'a\n'), copy('COPY t', 'b\n')]);
    expect(Buffer.concat(joined.payload as Uint8Array[]).toString()).toBe('a\nb\n');
    const json = (payload: string) => ({ engine: 'pglite' as const, statement: 'INSERT', payload });
    expect(concatBulk([json('[{"a":1}]'), json('[{"a":2},{"a":3}]')]).payload).toBe('[{"a":1},{"a":2},{"a":3}]');
    expect(() => concatBulk([copy('COPY t', 'a'), copy('COPY u', 'b')])).toThrow(/cannot be joined/);
    expect(() => concatBulk([])).toThrow();
  });

  it('refuses identifiers outside the closed alphabet, unstorable text, non-finite numbers and rows of the wrong width', () => {
    for (const statement of [copyStatement, jsonRowsStatement, (t: string, c: string[]) => jsonRowsIfHeadMoved(t, c, '$7')]) {
      expect(() => statement('t; DROP TABLE x', ['a'])).toThrow(/invalid identifier/);
      expect(() => statement('t', ['a"b'])).toThrow(/invalid identifier/);
      expect(() => statement('t', [])).toThrow(/at least one column/);
    }
    for (const encode of [(rows: Row[number][][]) => encodeCopyText(rows, 1), (rows: Row[number][][]) => encodeJsonRows(rows, ['a'])]) {
      expect(() => encode([['a\0b']])).toThrow(/NUL/);
      expect(() => encode([['lone \ud800 surrogate']])).toThrow(/lone surrogate/);
      expect(() => encode([[Number.NaN]])).toThrow(/finite/);
      expect(() => encode([['a', 'b']])).toThrow(/2 values for 1 columns/);
    }
    // A well-formed pair is text like any other.
    expect(encodeCopyText([['\ud83d\ude00']], 1)).toBe('\ud83d\ude00\n');
  });

  it('COPY text escapes exactly backslash, tab, newline and carriage return; \\N is NULL', () => {
    expect(encodeCopyText([['a\\b\tc\nd\re', null, true, 7, new Uint8Array([0, 255]), jsonText({ k: 'x\ty' })]], 6)).toBe(
      'a\\\\b\\tc\\nd\\re\t\\N\tt\t7\t\\\\x00ff\t{"k":"x\\\\ty"}\n',
    );
  });

  it('the JSON document embeds JSON values as they are and bytea in its hex form', () => {
    expect(JSON.parse(encodeJsonRows([[1n, new Uint8Array([0, 255]), jsonText([1, { a: null }]), null]], ['a', 'b', 'c', 'd']))).toEqual([
      { a: 1, b: '\\x00ff', c: [1, { a: null }], d: null },
    ]);
    expect(encodeJsonRows([], ['a'])).toBe('');
  });
});
