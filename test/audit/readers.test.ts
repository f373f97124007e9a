import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../src/audit/csv.ts';
import { lineBatches } from '../../src/audit/lines.ts';
import { newCounts, shareBatches } from '../../src/audit/shares.ts';
import { isBadRow } from '../../src/core/audit/record.ts';
import { ConsentHistory } from '../../src/core/audit/consent-history.ts';

/** Feeds `text` in chunks of the given sizes, to cross every chunk boundary. */
function streamOf(text: string | Uint8Array, chunk = 7): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

async function readAll(text: string | Uint8Array, chunk = 7, maxLine?: number) {
  const counts = newCounts();
  const rows = [];
  for await (const b of shareBatches(streamOf(text, chunk), 'test', counts, maxLine)) rows.push(...b.rows);
  return { counts, rows };
}

describe('CSV lines', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    [' a , b ,c ', ['a', 'b', 'c']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['a,,', ['a', '', '']],
    ['"",x', ['', 'x']],
    ['a,"b" ,c', ['a', 'b', 'c']],
    ['ab"c,d', ['ab"c', 'd']],
  ])('%s', (line, fields) => expect(parseCsvLine(line)).toEqual(fields));

  it.each(['"open,b', '"a"b,c'])('refuses %s', (line) => expect(Array.isArray(parseCsvLine(line))).toBe(false));
});

describe('line reader', () => {
  it('splits LF and CRLF, drops a BOM, keeps a last line without newline, across chunk boundaries', async () => {
    const text = '\uFEFFone\r\ntwo\n\nthree\r\nfour';
    for (const chunk of [1, 2, 3, 64]) {
      const lines: Array<string | null> = [];
      let first = 0;
      for await (const b of lineBatches(streamOf(text, chunk))) {
        if (first === 0) first = b.first;
        lines.push(...b.lines);
      }
      expect(first).toBe(1);
      expect(lines).toEqual(['one', 'two', '', 'three', 'four']);
    }
  });

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const lines: Array<string | null> = [];
    for await (const b of lineBatches(streamOf('이름,주소\n김철수\n', 1))) lines.push(...b.lines);
    expect(lines).toEqual(['이름,주소', '김철수']);
  });

  it('turns an over-long line into a bad row and keeps counting', async () => {
    const long = 'x'.repeat(500);
    const { rows, counts } = await readAll(`timestamp,subject_id,recipient_id,purpose,items\n${long}\n2024-01-10T00:00:00Z,u1,r,p,name\n`, 16, 100);
    expect(rows.map((r) => [r.line, isBadRow(r) ? r.message : 'ok'])).toEqual([[2, 'line is too long'], [3, 'ok']]);
    expect(counts.lines).toBe(3);
  });
});

describe('share reader never crashes and accounts for every line (property)', () => {
  const header = 'timestamp,subject_id,recipient_id,purpose,items,recipient_country';
  const good = fc.record({
    ts: fc.constantFrom('2024-01-10T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-10T09:00:00+09:00', 'nope', ''),
    s: fc.constantFrom('u1', '', '"u,2"', '"q""q"'),
    items: fc.constantFrom('name', 'name;phone', '', '"a;b"'),
    c: fc.constantFrom('', 'KR', 'cn', 'XYZ'),
  }).map((r) => `${r.ts},${r.s},r1,p1,${r.items},${r.c}`);
  const json = fc.record({ ts: fc.string(), items: fc.oneof(fc.array(fc.string()), fc.string(), fc.constant(null)) }).map((r) =>
    JSON.stringify({ timestamp: r.ts, subject_id: 'u', recipient_id: 'r', purpose: 'p', items: r.items }),
  );
  const junk = fc.string({ unit: 'binary', maxLength: 60 });
  const countLines = (text: string) => (text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));

  it('CSV-ish input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(good, junk), { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.integer({ min: 1, max: 50 }), async (rows, nl, chunk) => {
        const text = [header, ...rows.map((r) => r.replaceAll('\n', ' '))].join(nl) + nl;
        const { counts, rows: out } = await readAll(text, chunk);
        expect(counts.lines).toBe(countLines(text));
        expect(counts.header + counts.blank + out.length).toBe(counts.lines);
        for (const r of out) expect(r.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it('JSONL-ish and arbitrary input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(json, junk), { maxLength: 30 }), fc.integer({ min: 1, max: 50 }), async (rows, chunk) => {
        const text = rows.join('\n');
        try {
          const { counts, rows: out } = await readAll(text, chunk);
          expect(counts.lines).toBe(countLines(text.replace(/^\uFEFF/, '')));
          expect(counts.header + counts.blank + out.length).toBe(counts.lines);
          // Lines numbers are strictly increasing: each line is reported at most once.
          out.forEach((r, i) => i > 0 && expect(r.line).toBeGreaterThan(out[i - 1]!.line));
        } catch (e) {
          // The only permitted failure: junk taken for a CSV header that lacks the columns.
          expect((e as { code?: string }).code).toMatch(/^(MISSING_COLUMN|INVALID_HEADER)$/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes (invalid UTF-8 included)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const withHeader = Buffer.concat([Buffer.from(header + '\n'), Buffer.from(bytes)]);
        const { counts, rows } = await readAll(withHeader, 5);
        expect(counts.header + counts.blank + rows.length).toBe(counts.lines);
      }),
      { numRuns: 300 },
    );
  });
});

describe('consent history as of a time', () => {
  const h = new ConsentHistory();
  const ev = (at: string, action: 'grant' | 'withdraw', recipient?: string) =>
    h.add({ line: 1, at: Date.parse(at), subject: 's', action, declaration: 'd', ...(recipient ? { recipient } : {}) });
  // Added out of order on purpose: seal() sorts.
  ev('2024-03-01T00:00:00Z', 'grant', 'a');
  ev('2024-01-01T00:00:00Z', 'grant');
  ev('2024-02-01T00:00:00Z', 'withdraw', 'a');
  ev('2024-02-01T00:00:00Z', 'grant', 'b');
  ev('2024-02-01T00:00:00Z', 'withdraw', 'b');
  h.seal();
  const at = (t: string, r: string) => h.stateAt('s', 'd', r, Date.parse(t));

  it.each([
    ['2023-12-31T23:59:59Z', 'a', 'none'],
    ['2024-01-01T00:00:00Z', 'a', 'granted'],
    ['2024-02-01T00:00:00Z', 'a', 'withdrawn'],
    ['2024-02-01T00:00:00Z', 'c', 'granted'],
    ['2024-02-01T00:00:00Z', 'b', 'withdrawn'],
    ['2024-03-01T00:00:00Z', 'a', 'granted'],
  ] as const)('at %s for %s: %s', (t, r, state) => expect(at(t, r)).toBe(state));

  it('knows nothing of other subjects or declarations', () => {
    expect(h.stateAt('other', 'd', 'a', Date.parse('2025-01-01T00:00:00Z'))).toBe('none');
    expect(h.stateAt('s', 'other', 'a', Date.parse('2025-01-01T00:00:00Z'))).toBe('none');
    expect(h.firstGrantOf('s')).toBe(Date.parse('2024-01-01T00:00:00Z'));
  });
});
