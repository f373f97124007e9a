import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { ConsoleQueries } from '../../src/store/console-queries.ts';
import { releasedItem } from '../../src/store/decision-json.ts';
import { DecisionsRepo } from '../../src/store/decisions-repo.ts';
import { LedgerReader } from '../../src/store/ledger-reader.ts';
import { decisionsAfter, RightsRepo } from '../../src/store/rights-repo.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openPGlite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import type { Database, Sql } from '../../src/store/sql.ts';
import { TokensRepo } from '../../src/store/tokens-repo.ts';
import { releasesOf } from '../../src/store/usage-notice-queries.ts';
import { allowedRow, decisionJournal } from '../support/decision-rows.ts';
import { engines, POSTGRES_URL } from '../support/engines.ts';

/**
 * A release writes four index entries per decision (docs/release-history.md, 2026-12-07 "Every index a
 * release writes, and the read that needs it"): ledger_entries_pkey, ledger_entries_subject,
 * release_decisions_pkey and release_decisions_leaf_index_key, and two per token it issues
 * (release_tokens_pkey, release_tokens_subject; migration 224 dropped a third no statement read).
 * Each is paid on every such release, so each must be the index of a read that audits or
 * subject-rights answers need — and that read must keep reaching its rows through it however long
 * the history grows. Every reader's own statements are captured and planned with sequential scans
 * disabled: if the index a read names were dropped or stopped matching the read, the planner would
 * fall back to a (disabled) scan of the table and the test fails.
 */
const N = 600;
const tokenHash = (i: number) => createHash('sha256').update(`token ${i}`).digest('hex');
const SUBJECTS = 60;

describe.each(engines())('the reads that need each index a decision writes, on %s', (engine) => {
  const t = decisionJournal(engine);
  const ids: string[] = [];

  /** The statements `read` sends that touch decisions or leaves, each planned with seq scans off. */
  async function plansOf(read: (sql: Sql) => Promise<unknown>): Promise<string> {
    const db = t.db;
    if (ids.length === 0) await fill();
    const sent: Array<{ text: string; params: readonly unknown[] | undefined }> = [];
    const spy: Sql = Object.assign(Object.create(db) as Sql, {
      query: (text: string, params?: readonly unknown[], ...rest: unknown[]) => {
        if (/release_decision|ledger_entries|release_tokens/.test(text)) sent.push({ text, params });
        return (db.query as (...a: unknown[]) => Promise<unknown[]>)(text, params, ...rest);
      },
    });
    await read(spy);
    expect(sent.length).toBeGreaterThan(0);
    const plans: string[] = [];
    for (const s of sent) {
      plans.push(
        await db.transaction(async (tx) => {
          await tx.query('SET LOCAL enable_seqscan = off');
          const rows = await tx.query<Record<string, string>>(`EXPLAIN ${s.text}`, s.params as unknown[]);
          return rows.map((r) => Object.values(r)[0]).join('\n');
        }),
      );
    }
    return plans.join('\n');
  }

  async function fill() {
    for (let k = 0; k < N; k += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => {
        const i = k + j;
        const id = `dec_${engine}_${String(i).padStart(6, '0')}`;
        ids.push(id);
        return allowedRow(id, [], {
          subjectPseudonym: `sp_${i % SUBJECTS}`,
          recipient: `seller-${i % 7}`,
          released: i % 5 === 0 ? [] : [releasedItem('name', 'plain')],
          allow: i % 10 !== 9,
          at: Date.UTC(2026, 0, 1) + i * 60_000,
          tokens: i % 10 === 0 ? [{ hash: tokenHash(i), category: 'name', subject: `sp_${i % SUBJECTS}`, declarationId: 'sellers_fulfilment', expiresAt: null }] : [],
        });
      });
      await Promise.all(batch.map((r) => appendDecision(t.journal, r)));
    }
    await t.db.exec('ANALYZE');
  }

  const uses = (plan: string, index: string, table: string) => {
    expect(plan, plan).toMatch(new RegExp(`(Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (using|on) ${index}\\b`));
    expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
  };

  it('release_decisions_pkey: a decision by its id (GET /v1/decisions/:id, token redemption)', async () => {
    uses(await plansOf((sql) => new DecisionsRepo(sql).get(ids[N / 2]!)), 'release_decisions_pkey', 'release_decisions');
    uses(await plansOf((sql) => new TokensRepo(sql).findToken(new Uint8Array(32))), 'release_decisions_pkey', 'release_decisions');
  });

  it('release_decisions_leaf_index_key: the console and relay streams, and a subject’s decisions joined from its leaves', async () => {
    uses(await plansOf((sql) => new ConsoleQueries(sql).recentDecisions(N - 100, 50)), 'release_decisions_leaf_index_key', 'release_decisions');
    uses(await plansOf((sql) => decisionsAfter(sql, N - 100, 50)), 'release_decisions_leaf_index_key', 'release_decisions');
    uses(await plansOf((sql) => new RightsRepo(sql).releasesOf('sp_7', 100)), 'release_decisions_leaf_index_key', 'release_decisions');
    uses(await plansOf((sql) => releasesOf(sql, ['sp_7', 'sp_8'], Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31))), 'release_decisions_leaf_index_key', 'release_decisions');
  });

  it('ledger_entries_subject: access requests, usage notices and a subject’s log (GET /v1/subjects/:id/ledger)', async () => {
    uses(await plansOf((sql) => new RightsRepo(sql).releasesOf('sp_7', 100)), 'ledger_entries_subject', 'ledger_entries');
    uses(await plansOf((sql) => releasesOf(sql, ['sp_7', 'sp_8'], Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31))), 'ledger_entries_subject', 'ledger_entries');
    uses(await plansOf((sql) => new LedgerReader(sql).entriesBySubject('sp_7', { after: 100, limit: 10 })), 'ledger_entries_subject', 'ledger_entries');
  });

  it('release_tokens_subject: revoking a subject’s tokens, for one recipient or all (erasure, withdrawal, objection)', async () => {
    uses(await plansOf((sql) => new TokensRepo(sql).revoke('sp_7', 'seller-0', new Date())), 'release_tokens_subject', 'release_tokens');
    uses(await plansOf((sql) => new TokensRepo(sql).revoke('sp_7', null, new Date())), 'release_tokens_subject', 'release_tokens');
    uses(await plansOf((sql) => new TokensRepo(sql).findToken(Buffer.from(tokenHash(10), 'hex'))), 'release_tokens_pkey', 'release_tokens');
  });

  it('ledger_entries_pkey: a leaf by its index, proofs, and every decision record’s entry', async () => {
    uses(await plansOf((sql) => new LedgerReader(sql).entry(N / 2)), 'ledger_entries_pkey', 'ledger_entries');
    uses(await plansOf((sql) => new LedgerReader(sql).inclusionProof(N / 2 + 1, N)), 'ledger_entries_pkey', 'ledger_entries');
    uses(await plansOf((sql) => new DecisionsRepo(sql).get(ids[N / 2]!)), 'ledger_entries_pkey', 'ledger_entries');
  });
});

describe.each(engines())('migration 224 on %s', (engine) => {
  it('drops release_tokens_binding, which no statement reads, from a database with tokens; tokens are still found and revoked', async () => {
    const schema = `cg_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const db: Database = engine === 'pglite' ? await openPGlite({ schema }) : await openPostgres(POSTGRES_URL, { schema });
    try {
      await migrate(db, loadMigrations().filter((m) => m.id < '224'));
      const indexes = async () => (await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'release_tokens' ORDER BY 1`)).map((r) => r.indexname);
      expect(await indexes()).toEqual(['release_tokens_binding', 'release_tokens_pkey', 'release_tokens_subject']);
      const hash = createHash('sha256').update('a token').digest();
      await db.query(
        `INSERT INTO release_tokens (token_hash, recipient, subject, category, declaration_id, decision_id, issued_at) VALUES ($1, 'seller-a', 'sp_a', 'name', 'd', 'dec_1', now())`,
        [hash],
      );
      expect(await migrate(db)).toEqual(loadMigrations().filter((m) => m.id >= '224').map((m) => m.id));
      expect(await indexes()).toEqual(['release_tokens_pkey', 'release_tokens_subject']);
      const tokens = new TokensRepo(db);
      expect((await tokens.findToken(hash))?.subject).toBe('sp_a');
      expect(await tokens.revoke('sp_a', 'seller-a', new Date())).toEqual({ tokens: 1, relays: 0 });
    } finally {
      if (engine === 'postgres') await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close();
    }
  }, 240_000);
});
