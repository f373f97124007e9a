import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGlite } from '../../src/store/pglite.ts';
import { deserializeError, postableParams, rowTransfers, serializeError } from '../../src/store/pglite-messages.ts';
import { byteaFromHex } from '../../src/store/pglite-engine.ts';
import type { Database } from '../../src/store/sql.ts';

/**
 * PGlite in its worker thread (src/store/pglite-proxy.ts) behaves as PGlite in the caller's
 * thread did: the same answers, the same errors with their PostgreSQL fields, transactions that
 * commit or roll back as a whole, LISTEN/NOTIFY, and a close that ends the worker.
 */
let db: Database;

beforeAll(async () => {
  db = await openPGlite({ schema: 'proxy_t' });
  await db.exec('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL, body bytea)');
});
afterAll(async () => {
  await db?.close();
});

const count = async (d: Database) => (await d.query<{ n: number }>('SELECT count(*)::int8 AS n FROM items'))[0]!.n;

describe('PGlite in a worker thread', () => {
  it('answers statements with the values PGlite parses (int8 as number, timestamptz as Date, json, bytea)', async () => {
    const [r] = await db.query<{ a: number; t: Date; j: unknown; b: Uint8Array }>(
      `SELECT 9007199254740991::int8 AS a, '2026-01-02T03:04:05Z'::timestamptz AS t, '{"x":[1,"y"]}'::jsonb AS j, '\\x00ff10'::bytea AS b`,
    );
    expect(r!.a).toBe(9007199254740991);
    expect(r!.t).toBeInstanceOf(Date);
    expect(r!.t.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(r!.j).toEqual({ x: [1, 'y'] });
    expect([...r!.b]).toEqual([0, 255, 16]);
  });

  it('runs a statement the worker keeps by number with each run’s own parameters, and texts beyond what it keeps as text', async () => {
    // The first run sends the text with a number, later runs the number alone (pglite-proxy.ts).
    for (let i = 0; i < 3; i++) {
      const [r] = await db.query<{ v: number; b: Uint8Array }>('SELECT $1::int8 * 2 AS v, $2::bytea AS b', [i, Uint8Array.of(i, 7)], { prepare: true });
      expect(r!.v).toBe(i * 2);
      expect([...r!.b]).toEqual([i, 7]);
    }
    // More distinct texts than the worker keeps: each still runs as itself, in order.
    const answers = await Promise.all(Array.from({ length: 600 }, (_, i) => db.query<{ v: number }>(`SELECT ${i}::int8 + $1::int8 AS v`, [1])));
    expect(answers.map((a) => a[0]!.v)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    const [again] = await db.query<{ v: number }>('SELECT 599::int8 + $1::int8 AS v', [2]);
    expect(again!.v).toBe(601);
  });

  it('gives errors their PostgreSQL fields: a unique violation is code 23505 with its constraint', async () => {
    await db.query('INSERT INTO items (id, label) VALUES (1, $1)', ['one']);
    const e = await db.query('INSERT INTO items (id, label) VALUES (1, $1)', ['again']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: '23505', constraint: 'items_pkey', table: 'items', severity: 'ERROR', query: 'INSERT INTO items (id, label) VALUES (1, $1)', params: ['again'] });
    expect((e as Error).message).toMatch(/duplicate key/);
    expect((e as { detail?: string }).detail).toMatch(/\(id\)=\(1\)/);
    // A syntax error names where it is; the database goes on afterwards.
    await expect(db.query('SELEC 1')).rejects.toMatchObject({ code: '42601', position: '1' });
    await expect(db.exec('SELECT nope_column FROM items')).rejects.toMatchObject({ code: '42703' });
    expect(await count(db)).toBe(1);
  });

  it('commits a transaction whose fn resolves, with its result', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id, label) VALUES (2, $1)', ['two']);
      await tx.exec("INSERT INTO items (id, label) VALUES (3, 'three')");
      return 'done';
    });
    expect(result).toBe('done');
    expect(await count(db)).toBe(3);
  });

  it('rolls back a transaction whose fn throws, and rethrows its error', async () => {
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES (4, $1)', ['four']);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await count(db)).toBe(3);
  });

  it('fails the commit of a transaction whose statement failed, even if fn caught it', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES (5, $1)', ['five']);
        await tx.query('INSERT INTO items (id, label) VALUES (1, $1)', ['dup']).catch(() => {});
      }),
    ).rejects.toMatchObject({ code: '25P02' });
    expect(await count(db)).toBe(3);
  });

  it('refuses a statement on a transaction handle after the transaction ended', async () => {
    let kept: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
    });
    await expect(kept!.query('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('makes statements from outside wait until an open transaction ended, and sees its outcome', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO items (id, label) VALUES (10, $1)', ['ten']);
      inserted();
      await gate;
      await t.query('UPDATE items SET label = $1 WHERE id = 10', ['ten!']);
    });
    await didInsert;
    // Sent (posted synchronously) while the transaction is open, before its UPDATE: it can see
    // 'ten!' only if it waited for the commit.
    const outside = db.query<{ label: string }>('SELECT label FROM items WHERE id = 10');
    release();
    await tx;
    expect(await outside).toEqual([{ label: 'ten!' }]);
  });

  it('makes a statement it ran before wait for an open transaction too, though such statements run at once when nothing else does', async () => {
    // Run once outside any transaction: later runs of this text may go without PGlite's locks
    // (statementRunner's queryNow) — only while nothing else uses the instance.
    await db.query('INSERT INTO items (id, label) VALUES (11, $1)', ['eleven']);
    const read = () => db.query<{ label: string }>('SELECT label FROM items WHERE id = 11');
    expect(await read()).toEqual([{ label: 'eleven' }]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let updated!: () => void;
    const didUpdate = new Promise<void>((r) => (updated = r));
    const tx = db.transaction(async (t) => {
      await t.query('UPDATE items SET label = $1 WHERE id = 11', ['eleven?']);
      updated();
      await gate;
      await t.query('UPDATE items SET label = $1 WHERE id = 11', ['eleven!']);
    });
    await didUpdate;
    // Run inside the open transaction, it would see 'eleven?' (and its UPDATE would then wait
    // behind this statement); after the commit it sees 'eleven!'.
    const outside = read();
    release();
    await tx;
    expect(await outside).toEqual([{ label: 'eleven!' }]);
    // And with nothing open again, the same statement answers at once with the committed value.
    expect(await read()).toEqual([{ label: 'eleven!' }]);
  });

  it('runs many concurrent statements and transactions, each answered with its own result', async () => {
    const before = await count(db);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 4 === 0
          ? db.transaction(async (tx) => {
              await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [1000 + i, `t${i}`]);
              return (await tx.query<{ v: number }>('SELECT $1::int AS v', [i]))[0]!.v;
            })
          : db.query<{ v: number }>('SELECT $1::int AS v', [i]).then((r) => r[0]!.v),
      ),
    );
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await count(db)).toBe(before + 10);
  });

  it('round-trips any bytes as a bytea parameter and result (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 64 }), async (bytes, offset) => {
        // A view into a larger buffer, like Node's pooled Buffers: only the view's bytes travel.
        const backing = new Uint8Array(offset + bytes.length + 7);
        backing.set(bytes, offset);
        const view = backing.subarray(offset, offset + bytes.length);
        const [r] = await db.query<{ b: Uint8Array; n: number }>('SELECT $1::bytea AS b, length($1::bytea)::int AS n', [view]);
        expect(r!.n).toBe(bytes.length);
        expect(Buffer.from(r!.b).equals(Buffer.from(bytes))).toBe(true);
        // The caller's bytes are copied, never moved away.
        expect(view.byteLength).toBe(bytes.length);
        expect(Buffer.from(view).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('stores and reads back bytes inside a transaction, Buffers included', async () => {
    const body = Buffer.from('héllo wörld', 'utf8');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id, label, body) VALUES (20, $1, $2)', ['bytes', body]);
    });
    const [r] = await db.query<{ body: Uint8Array }>('SELECT body FROM items WHERE id = 20');
    expect(Buffer.from(r!.body).toString('utf8')).toBe('héllo wörld');
  });

  it('forwards NOTIFY to listeners until they stop listening', async () => {
    const got: string[] = [];
    const stop = await db.listen('proxy_events', (p) => got.push(p));
    await db.notify('proxy_events', 'first');
    await db.notify('proxy_events', 'second');
    expect(got).toEqual(['first', 'second']);
    await stop();
    await db.notify('proxy_events', 'third');
    expect(got).toEqual(['first', 'second']);
  });

  it('reports the worker thread CPU time (where /proc has per-thread figures)', async () => {
    const cpu = await db.threadCpuMicros?.();
    // By now the worker has started PGlite and run every statement above: far over /proc's 10 ms.
    if (existsSync('/proc/thread-self/stat')) expect(cpu).toBeGreaterThan(0);
    else expect(cpu).toBeNull();
  });
});

describe('closing PGlite in a worker thread', () => {
  it('answers what was asked before close, then refuses, and releases the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-proxy-'));
    try {
      const one = await openPGlite({ dataDir: dir });
      await one.exec('CREATE TABLE kept (v int)');
      const pending = one.query('INSERT INTO kept VALUES (1) RETURNING v');
      const closed = one.close();
      expect(await pending).toEqual([{ v: 1 }]);
      await closed;
      await expect(one.query('SELECT 1')).rejects.toThrow(/closed/);
      // The lock is gone and the row was written to the directory.
      const two = await openPGlite({ dataDir: dir, mustExist: true });
      expect(await two.query('SELECT v FROM kept')).toEqual([{ v: 1 }]);
      await two.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a transaction open at close finish before the database closes', async () => {
    const d = await openPGlite({});
    await d.exec('CREATE TABLE t (v int)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let begun!: () => void;
    const inTx = new Promise<void>((r) => (begun = r));
    const tx = d.transaction(async (t) => {
      await t.query('INSERT INTO t VALUES (1)');
      begun();
      await gate;
      await t.query('INSERT INTO t VALUES (2)');
      return 'committed';
    });
    await inTx;
    const closed = d.close();
    release();
    expect(await tx).toBe('committed');
    await closed;
  });
});

describe('the same statements in the caller thread (inline)', () => {
  it('gives the same answers and error fields as the worker', async () => {
    const inline = await openPGlite({ thread: 'inline', schema: 'proxy_inline' });
    try {
      await inline.exec('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
      await inline.query('INSERT INTO items VALUES (1, $1)', ['one']);
      const e = await inline.query('INSERT INTO items VALUES (1, $1)', ['dup']).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: '23505', constraint: 'items_pkey' });
      const [r] = await inline.query<{ b: Uint8Array }>(`SELECT '\\x0102'::bytea AS b`);
      expect([...r!.b]).toEqual([1, 2]);
    } finally {
      await inline.close();
    }
  });
});

describe('PGlite settings', () => {
  // One backend and no autovacuum: the per-statement activity report and the per-table counters
  // are work nobody reads (pglite-engine.ts SETTINGS); both placements start with them off.
  it.each(['worker', 'inline'] as const)('runs without activity tracking or table counters (%s)', async (thread) => {
    const d = await openPGlite({ thread, schema: `proxy_settings_${thread}` });
    try {
      const [r] = await d.query<{ a: string; c: string }>(`SELECT current_setting('track_activities') AS a, current_setting('track_counts') AS c`);
      expect(r).toEqual({ a: 'off', c: 'off' });
    } finally {
      await d.close();
    }
  });
});

describe('messages between the threads', () => {
  it('copies byte parameters into one buffer of their own and moves only that', () => {
    const pooled = Buffer.from('abc');
    const other = Uint8Array.of(7, 8);
    const { params, transfer } = postableParams(['x', pooled, 3, null, other]);
    expect(params[0]).toBe('x');
    expect(params[2]).toBe(3);
    expect(params[3]).toBeNull();
    const moved = params[1] as Uint8Array;
    const moved2 = params[4] as Uint8Array;
    expect(moved).not.toBe(pooled);
    expect([...moved]).toEqual([...pooled]);
    expect([...moved2]).toEqual([7, 8]);
    expect(moved.buffer).toBe(moved2.buffer);
    expect(moved.buffer.byteLength).toBe(5);
    expect(transfer).toEqual([moved.buffer]);
    // Without bytes nothing is copied.
    const plain = ['a', 1];
    expect(postableParams(plain)).toEqual({ params: plain, transfer: [] });
  });

  it('moves result bytes that own their buffer, once each', () => {
    const own = byteaFromHex('\\x0a0b');
    const shared = new Uint8Array(8).subarray(2, 4);
    expect(own.buffer.byteLength).toBe(2);
    expect(rowTransfers([{ a: own, b: shared, c: 'x' }, { a: own }])).toEqual([own.buffer]);
  });

  it('keeps an error’s PostgreSQL fields and nothing that could be large', () => {
    const source = Object.assign(new Error('duplicate key value'), { code: '23505', detail: 'Key (id)=(1) already exists.', constraint: 'pk', params: [new Uint8Array(1e6)] });
    const s = serializeError(source);
    expect(s).toMatchObject({ message: 'duplicate key value', code: '23505', detail: 'Key (id)=(1) already exists.', constraint: 'pk' });
    expect('params' in s).toBe(false);
    const back = deserializeError(s, { text: 'INSERT', params: [1] });
    expect(back).toBeInstanceOf(Error);
    expect(back).toMatchObject({ code: '23505', constraint: 'pk', query: 'INSERT', params: [1] });
    expect(serializeError('plain')).toEqual({ message: 'plain' });
  });

  it('decodes any bytea text the server sends (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        const out = byteaFromHex(`\\x${Buffer.from(bytes).toString('hex')}`);
        expect(out.byteOffset).toBe(0);
        expect(out.buffer.byteLength).toBe(bytes.length);
        expect(Buffer.from(out).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});
