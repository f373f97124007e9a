import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

// Migration 230: the insert-only tables every release appends to are vacuumed after a fixed
// number of inserts and frozen by that pass (docs/release-history.md, 2026-12-07 "What a slow batch
// statement is made of on the Zen 5 host"). The same SQL on both engines; PGlite keeps the
// parameters (it has no autovacuum to use them).
describe.each(engines())('append-only tables on %s', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('carry the insert-vacuum and freeze parameters, and the other tables keep the defaults', async () => {
    const rows = await db.query<{ relname: string; reloptions: string[] | null }>(
      `SELECT relname, reloptions FROM pg_class
        WHERE oid IN ('ledger_entries'::regclass, 'release_decisions'::regclass, 'ledger_head'::regclass, 'ledger_nodes'::regclass)
        ORDER BY relname`,
    );
    const want = ['autovacuum_vacuum_insert_threshold=10000', 'autovacuum_vacuum_insert_scale_factor=0', 'autovacuum_freeze_min_age=0'];
    expect(rows.map((r) => [r.relname, [...(r.reloptions ?? [])].sort()])).toEqual([
      ['ledger_entries', [...want].sort()],
      ['ledger_head', []],
      ['ledger_nodes', []],
      ['release_decisions', [...want].sort()],
    ]);
  });

});
