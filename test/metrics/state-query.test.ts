import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeState, STATE_SQL } from '../../src/metrics/state-metrics.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Database, Sql } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { parseScrape, sample } from './scrape.ts';

/**
 * The state gauges are read at every scrape, so their read must stay cheap however much history
 * the tables hold: one statement per scrape, and every table that grows with history reached
 * through an index that holds only the rows counted.
 */
describe.each(engines())('the state read on %s', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    await migrate(db);
  }, 120_000);
  afterAll(() => db?.close());

  it('is one statement per scrape, shared by every gauge', async () => {
    const statements: string[] = [];
    const counting: Sql = Object.assign(Object.create(db) as Sql, {
      query: (text: string, params?: readonly unknown[]) => {
        statements.push(text);
        return db.query(text, params);
      },
    });
    const registry = new Registry();
    observeState(counting, registry);
    const first = parseScrape(await registry.metrics());
    expect(statements).toHaveLength(1);
    expect(sample(first, 'consentgate_state_scrape_ok')).toBe(1);
    expect(sample(first, 'consentgate_ledger_entries')).toBe(0);
    expect(sample(first, 'consentgate_rights_requests_open', { type: 'erasure' })).toBe(0);
    await registry.metrics();
    expect(statements).toHaveLength(2);
  });

  it('reaches outbox, rights and deletion rows only through partial indexes (no sequential scan even if the planner may not use one)', async () => {
    const plan = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const rows = await tx.query<Record<string, string>>(`EXPLAIN ${STATE_SQL}`, [new Date(), new Date(Date.now() + 86_400_000)]);
      return rows.map((r) => Object.values(r)[0]).join('\n');
    });
    for (const table of ['outbox_messages', 'rights_requests', 'deletion_requests', 'ledger_checkpoints']) {
      expect(plan, `${table}:\n${plan}`).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
      expect(plan, `${table}:\n${plan}`).toMatch(new RegExp(`Index (Only )?Scan(?: Backward)? using \\w+ on ${table}\\b|Bitmap Heap Scan on ${table}\\b`));
    }
  });

  it('still answers when the database does not, and says the gauges are stale', async () => {
    const broken: Sql = Object.assign(Object.create(db) as Sql, { query: () => Promise.reject(new Error('connection refused')) });
    const registry = new Registry();
    observeState(broken, registry);
    const s = parseScrape(await registry.metrics());
    expect(sample(s, 'consentgate_state_scrape_ok')).toBe(0);
  });
});
