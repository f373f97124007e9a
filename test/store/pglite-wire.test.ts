import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { startPGlite, statementRunner, type StatementRunner } from '../../src/store/pglite-engine.ts';
import { bindMessage, DESCRIBE_PORTAL_EXECUTE, EXECUTE, Out, parseMessage, SYNC } from '../../src/store/pglite-wire.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Statements through the wire (src/store/pglite-wire.ts) mean what they meant through PGlite's
 * own `query`, on the same instance: the same parameters stored, the same rows read back, the
 * same errors; prepared statements follow DDL; a NOTIFY that comes back with a statement reaches
 * its listener.
 */
let pg: PGlite;
let run: StatementRunner;

beforeAll(async () => {
  pg = await startPGlite({ schema: 'wire_t' });
  run = statementRunner(pg);
  await run.exec(pg, `CREATE TABLE v (id int PRIMARY KEY, t text, b bytea, n int8, j jsonb, js json, ts timestamptz, ok bool, a int8[], s text[], f float8)`);
});
afterAll(async () => {
  await pg?.close();
});

const INSERT = 'INSERT INTO v (id, t, b, n, j, js, ts, ok, a, s, f) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *';
const row = fc.record({
  t: fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\0/g, '')), { nil: null }),
  b: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  n: fc.option(fc.maxSafeInteger(), { nil: null }),
  j: fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v).replace(/\\u0000/g, '')) as unknown), { nil: null }),
  js: fc.option(fc.string({ maxLength: 700 }).map((s) => JSON.stringify(s.replace(/\0/g, ''))), { nil: null }),
  ts: fc.option(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }), { nil: null }),
  ok: fc.option(fc.boolean(), { nil: null }),
  a: fc.option(fc.array(fc.maxSafeInteger(), { maxLength: 5 }), { nil: null }),
  s: fc.option(fc.array(fc.string({ maxLength: 8 }).map((s) => s.replace(/\0/g, '')), { maxLength: 4 }), { nil: null }),
  f: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
});
const paramsOf = (id: number, r: Record<string, unknown>) => [id, r.t, r.b, r.n, r.j, r.js, r.ts, r.ok, r.a, r.s, r.f];

describe('PGlite statements through the wire', () => {
  it('store and read back what PGlite’s own query stores and reads, prepared or not (property)', async () => {
    let id = 0;
    await fc.assert(
      fc.asyncProperty(row, fc.boolean(), async (r, prepare) => {
        const viaWire = ++id;
        const viaPGlite = ++id;
        const a = await run.query<Record<string, unknown>>(pg, INSERT, paramsOf(viaWire, r), prepare ? { prepare: true } : undefined).then(
          ([x]) => ({ ...x, id: 0 }),
          (e: { code?: string }) => ({ error: e.code }),
        );
        const b = await pg.query<Record<string, unknown>>(INSERT, paramsOf(viaPGlite, r)).then(
          ({ rows: [x] }) => ({ ...x, id: 0 }),
          (e: { code?: string }) => ({ error: e.code }),
        );
        // The same row, or the same refusal (a JSON string parameter is JSON text on both paths).
        expect(a).toEqual(b);
        if ('error' in b) return;
        const [again] = await run.query<Record<string, unknown>>(pg, 'SELECT * FROM v WHERE id = $1', [viaPGlite]);
        expect({ ...again, id: 0 }).toEqual({ ...b, id: 0 });
      }),
      { numRuns: 150 },
    );
  });

  it('gives PGlite’s own errors: 23505 with its constraint, syntax errors with their position, the statement attached', async () => {
    await run.query(pg, 'INSERT INTO v (id) VALUES ($1)', [-1]);
    for (const prepare of [false, true]) {
      const e = await run.query(pg, 'INSERT INTO v (id) VALUES ($1)', [-1], prepare ? { prepare } : undefined).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: '23505', constraint: 'v_pkey', table: 'v', severity: 'ERROR', query: 'INSERT INTO v (id) VALUES ($1)', params: [-1] });
    }
    await expect(run.query(pg, 'SELEC $1', [1])).rejects.toMatchObject({ code: '42601', position: '1' });
    await expect(run.query(pg, 'SELECT $1::int AS x', [1, 2])).rejects.toMatchObject({ code: '08P01' });
    expect(await run.query(pg, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('prepares a statement again after DDL changed what it returns', async () => {
    await run.exec(pg, 'CREATE TABLE d (k int, x int)');
    await run.query(pg, 'INSERT INTO d VALUES (1, 2)');
    expect(await run.query(pg, 'SELECT * FROM d WHERE k = $1', [1], { prepare: true })).toEqual([{ k: 1, x: 2 }]);
    await run.exec(pg, 'ALTER TABLE d ALTER COLUMN x TYPE text');
    expect(await run.query(pg, 'SELECT * FROM d WHERE k = $1', [1], { prepare: true })).toEqual([{ k: 1, x: '2' }]);
    expect(await run.query(pg, 'SELECT * FROM d WHERE k = $1', [1])).toEqual([{ k: 1, x: '2' }]);
  });

  it('answers every text asked to be prepared, beyond the number it keeps prepared', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 80; i++) {
        expect(await run.query(pg, `SELECT $1::int + ${i} AS x`, [round], { prepare: true })).toEqual([{ x: round + i }]);
      }
    }
  });

  it('runs inside a transaction in order, and the transaction commits or rolls back as a whole', async () => {
    await run.exec(pg, 'CREATE TABLE tx (k int PRIMARY KEY)');
    await pg.transaction(async (tx) => {
      await run.query(tx, 'INSERT INTO tx VALUES ($1)', [1]);
      await run.query(tx, 'INSERT INTO tx VALUES ($1)', [2], { prepare: true });
    });
    await pg
      .transaction(async (tx) => {
        await run.query(tx, 'INSERT INTO tx VALUES ($1)', [3]);
        throw new Error('no');
      })
      .catch(() => {});
    expect(await run.query(pg, 'SELECT k FROM tx ORDER BY k')).toEqual([{ k: 1 }, { k: 2 }]);
  });

  it('delivers a NOTIFY that comes back with a statement, and one that comes back with a COMMIT', async () => {
    const got: string[] = [];
    const stop = await run.listen('wire_chan', (p) => got.push(p));
    await run.query(pg, 'SELECT pg_notify($1, $2)', ['wire_chan', 'one']);
    await pg.transaction(async (tx) => {
      await run.query(tx, 'SELECT pg_notify($1, $2)', ['wire_chan', 'two']);
    });
    expect(await waitFor(() => got.length >= 2, 5_000)).toBe(true);
    expect(got).toEqual(['one', 'two']);
    await stop();
    // A sentinel on a channel still listened to, sent after 'three': once it arrives, 'three'
    // would have arrived too (one connection, notifications in order).
    const sentinel: string[] = [];
    const stopSentinel = await run.listen('wire_sentinel', (p) => sentinel.push(p));
    await run.query(pg, 'SELECT pg_notify($1, $2)', ['wire_chan', 'three']);
    await run.query(pg, 'SELECT pg_notify($1, $2)', ['wire_sentinel', 'after']);
    expect(await waitFor(() => sentinel.length > 0, 5_000)).toBe(true);
    await stopSentinel();
    expect(got).toEqual(['one', 'two']);
  });
});

describe('wire messages', () => {
  it('frames Parse and Bind with the lengths their contents need (property)', () => {
    fc.assert(
      fc.property(
        fc.string().map((s) => s.replace(/\0/g, '')),
        fc.string().map((s) => s.replace(/\0/g, '')),
        fc.array(fc.oneof(fc.constant(null), fc.string(), fc.uint8Array({ maxLength: 40 })), { maxLength: 8 }),
        (name, text, values) => {
          const p = Buffer.from(parseMessage(name, text, [25, 17]));
          expect(p[0]).toBe(0x50);
          expect(p.readInt32BE(1)).toBe(p.length - 1);
          const b = Buffer.from(bindMessage(name, values));
          expect(b[0]).toBe(0x42);
          expect(b.readInt32BE(1)).toBe(b.length - 1);
          // Walk the Bind: portal, statement, formats, values, result formats: the end is the end.
          let at = 5;
          at = b.indexOf(0, at) + 1;
          at = b.indexOf(0, at) + 1;
          const nf = b.readInt16BE(at);
          at += 2;
          for (let i = 0; i < nf; i++, at += 2) expect(b.readInt16BE(at)).toBe(values[i] instanceof Uint8Array ? 1 : 0);
          const nv = b.readInt16BE(at);
          at += 2;
          expect(nv).toBe(values.length);
          for (const v of values) {
            const len = b.readInt32BE(at);
            at += 4;
            if (v === null) expect(len).toBe(-1);
            else {
              const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
              expect(b.subarray(at, at + len)).toEqual(bytes);
              at += len;
            }
          }
          expect(b.readInt16BE(at)).toBe(1);
          expect(b.readInt16BE(at + 2)).toBe(0);
          expect(at + 4).toBe(b.length);
        },
      ),
    );
  });

  it('grows the request buffer once for a Bind larger than it: the Execute and Sync after it fit, and every byte is kept', () => {
    for (const [size, end] of [
      [100_000, EXECUTE],
      [2_400_000, DESCRIBE_PORTAL_EXECUTE],
    ] as const) {
      const out = new Out(16_384).reset();
      const m = out.message(0x42, size);
      for (let i = 0; i < size; i++) m.b[m.p + i] = i & 0xff;
      const grown = out.b;
      out.put(end);
      out.put(SYNC);
      expect(out.b).toBe(grown); // no second allocation, no second copy of the Bind
      const bytes = out.bytes();
      expect(bytes.length).toBe(5 + size + end.length + SYNC.length);
      expect(bytes[0]).toBe(0x42);
      expect(bytes.readInt32BE(1)).toBe(4 + size);
      for (let i = 0; i < size; i += 997) expect(bytes[5 + i]).toBe(i & 0xff);
      expect([...bytes.subarray(5 + size)]).toEqual([...end, ...SYNC]);
    }
  });
});

describe('PGlite statements through the wire, at close', () => {
  it('are refused after close with the error PGlite gives for its own queries', async () => {
    const own = await startPGlite({ schema: 'wire_close' });
    const r = statementRunner(own);
    expect(await r.query(own, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await own.close();
    await expect(own.query('SELECT 1 AS one')).rejects.toThrow('PGlite is closed');
    await expect(r.query(own, 'SELECT 1 AS one')).rejects.toThrow('PGlite is closed');
  });
});
