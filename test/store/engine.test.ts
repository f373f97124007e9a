import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { sleep, waitFor } from '../support/wait.ts';

describe.each(engines())('SQL engine %s', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('applies every migration once, and again is a no-op', async () => {
    const rows = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toContain('001-foundation');
    expect(await migrate(db)).toEqual([]);
  });

  it('returns int8 as numbers and bytea as bytes on both engines', async () => {
    const [row] = await db.query<{ n: number; b: Uint8Array; j: unknown }>(
      `SELECT 9007199254740991::int8 AS n, '\\x0102ff'::bytea AS b, '{"a":[1]}'::jsonb AS j`,
    );
    expect(row!.n).toBe(9007199254740991);
    expect(Array.from(row!.b)).toEqual([1, 2, 255]);
    expect(row!.j).toEqual({ a: [1] });
  });

  it('runs a statement kept prepared with fresh parameters each time', async () => {
    const text = 'SELECT $1::int8 * 2 AS twice, $2::text AS label';
    await db.transaction(async (tx) => {
      for (let i = 0; i < 7; i++) expect(await tx.query(text, [i, `n${i}`], { prepare: true })).toEqual([{ twice: 2 * i, label: `n${i}` }]);
      if (engine !== 'postgres') return;
      // One named statement on this connection, whatever the parameters were.
      const kept = await tx.query<{ name: string }>('SELECT name FROM pg_prepared_statements WHERE statement = $1', [text]);
      expect(kept).toHaveLength(1);
      expect(kept[0]!.name).toMatch(/^cg_[0-9a-f]{32}$/);
    });
  });

  it('rolls a failed transaction back completely', async () => {
    await db.exec('CREATE TABLE t_rollback (v int PRIMARY KEY)');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_rollback VALUES (1)');
        await tx.query('INSERT INTO t_rollback VALUES (1)');
      }),
    ).rejects.toThrow();
    expect(await db.query('SELECT * FROM t_rollback')).toEqual([]);
  });

  it('group commit writes concurrent submissions in few transactions and all-or-nothing', async () => {
    await db.exec('CREATE TABLE t_gc (v int PRIMARY KEY)');
    const sizes: number[] = [];
    const gc = new GroupCommit<number, number>({
      maxBatch: 64,
      flush: (items) =>
        db.transaction(async (tx) => {
          sizes.push(items.length);
          await tx.query('INSERT INTO t_gc SELECT unnest($1::int[])', [items]);
          return items.map((v) => v * 2);
        }),
    });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => gc.submit(i)));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(sizes.length).toBeLessThan(20);
    // A batch with one bad item (duplicate key) rejects every item and stores none of them.
    const bad = await Promise.allSettled([gc.submit(1000), gc.submit(1001), gc.submit(5)]);
    expect(bad.every((r) => r.status === 'rejected')).toBe(true);
    const [{ n }] = (await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM t_gc WHERE v >= 1000')) as [{ n: number }];
    expect(n).toBe(0);
    await gc.close();
  });

  it('delivers NOTIFY to a listener', async () => {
    const got: string[] = [];
    const stop = await db.listen('cg_test_channel', (p) => got.push(p));
    await db.notify('cg_test_channel', 'hello');
    await waitFor(() => got.length > 0, 1_000, 20);
    await stop();
    expect(got).toEqual(['hello']);
  });

  // Only PostgreSQL has a server that can end a session; declared only there rather than skipped on PGlite.
  if (engine === 'postgres') {
    it('re-establishes a LISTEN session the server ended, then asks its owner to re-read (onResync)', async () => {
      const channel = `cg_test_resync_${db.schema}`;
      const got: string[] = [];
      let resyncs = 0;
      const stop = await db.listen(channel, (p) => got.push(p), () => resyncs++);
      const wait = (done: () => boolean) => waitFor(done, 5_000, 20);
      try {
        // What a PostgreSQL restart or a network cut does to the session: it ends.
        const [cut] = await db.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int8 AS n FROM pg_stat_activity WHERE query = $1`,
          [`LISTEN "${channel}"`],
        );
        expect(cut!.n).toBe(1);
        await wait(() => resyncs > 0);
        expect(resyncs).toBe(1);
        // Listening again: notifications sent from now on arrive.
        await db.notify(channel, 'after');
        await wait(() => got.length > 0);
        expect(got).toEqual(['after']);
      } finally {
        await stop();
      }
      // Stopped means stopped: no session comes back.
      await sleep(200);
      const [left] = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`]);
      expect(left!.n).toBe(0);
    });
  }
});
