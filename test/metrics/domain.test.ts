import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeState } from '../../src/metrics/state-metrics.ts';
import { insertOutboxMessages } from '../../src/store/outbox-repo.ts';
import { startHarness, type Harness } from '../release/harness.ts';
import { engines, POSTGRES_URL, dropTestSchema } from '../support/engines.ts';
import { key, moved, parseScrape, sample, scrape, type Scrape } from './scrape.ts';
import { stepBody } from '../support/rights-actions.ts';

/**
 * Issue 18 item 7: the metrics a privacy team watches move when — and only when — their event
 * happens. Each step scrapes the running server's /metrics before and after one action and checks
 * which labelled series moved, by how much; everything is real (journal, database, dispatcher).
 */
describe.each(engines())('privacy metrics on %s', (engine) => {
  let h: Harness;
  const schema = `cg_t_met_${randomBytes(4).toString('hex')}`;
  const now = () => scrape(h.app, h.admin);

  beforeAll(async () => {
    h = await startHarness({
      rights: { sweepMs: 0 },
      ...(engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema, dataDir: mkdtempSync(join(tmpdir(), 'cg-metrics-keys-')) } : {}),
    });
    for (const id of ['m-c1', 'm-c2', 'm-c3']) await h.customer(id);
    // A consent covers only the seller it names (PIPA 17(2)1): m-c1 consents for both sellers.
    await h.grant('m-c1', 'checkout', ['sellers_fulfilment']);
    await h.grant('m-c1', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-b' });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await dropTestSchema(engine, schema);
  });

  it('a release moves exactly the series of its outcome and deny code', async () => {
    const cases = [
      { key: h.keys.sellerA, subject: 'm-c1', order_ref: 'm-c1/A' }, // consent given
      { key: h.keys.sellerB, subject: 'm-c1', order_ref: 'm-c1/B' },
      { key: h.keys.sellerA, subject: 'm-c2', order_ref: 'm-c2/A' }, // no consent
      { key: h.keys.sellerA, subject: 'm-c1' }, // no order named
      { key: h.keys.courier, subject: 'm-nobody' }, // unknown subject
    ];
    const outcomes = new Set<string>();
    for (const c of cases) {
      const before = await now();
      const r = await h.release(c.key, { subject: c.subject, purpose: 'order_fulfilment', ...('order_ref' in c ? { order_ref: c.order_ref } : {}) });
      expect([200, 403]).toContain(r.status);
      const after = await now();
      const labels: Record<string, string> = r.status === 200 ? { outcome: 'allow' } : { outcome: 'deny', code: r.body.code as string };
      outcomes.add(r.status === 200 ? 'allow' : `deny ${r.body.code}`);
      expect(moved(before, after, 'consentgate_release_decisions_total'), JSON.stringify(c)).toEqual({ [key(labels)]: 1 });
      // The decision's record went through one group-commit batch.
      expect(sample(after, 'consentgate_group_commit_batch_size')! - sample(before, 'consentgate_group_commit_batch_size')!).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'consentgate_group_commit_wait_seconds')).toBe(sample(after, 'consentgate_group_commit_batch_size'));
    }
    expect(outcomes).toEqual(new Set(['allow', 'deny NO_CONSENT', 'deny NO_ORDER', 'deny UNKNOWN_SUBJECT']));

    // Refused before any decision (bad body): no decision, nothing counted.
    const before = await now();
    expect((await h.release(h.keys.sellerA, { subject: 'm-c1' })).status).toBe(422);
    expect(moved(before, await now(), 'consentgate_release_decisions_total')).toEqual({});
  });

  it('consent events count by kind and actor', async () => {
    let before = await now();
    await h.grant('m-c3', 'checkout', ['sellers_fulfilment']);
    let after = await now();
    // Two choices, two events: the provision and the separate transfer abroad (PIPA 22(1), 28-8(1)1).
    expect(moved(before, after, 'consentgate_consent_events_total')).toEqual({ [key({ kind: 'grant', actor: 'subject' })]: 2 });
    before = after;
    await h.withdraw('m-c3', ['sellers_fulfilment']);
    after = await now();
    expect(moved(before, after, 'consentgate_consent_events_total')).toEqual({ [key({ kind: 'withdraw', actor: 'subject' })]: 1 });
    // A refusal on the notice is recorded as a withdrawal (docs/consent.md).
    before = after;
    await h.grant('m-c2', 'checkout', ['sellers_fulfilment'], { grant: false });
    expect(moved(before, await now(), 'consentgate_consent_events_total')).toEqual({ [key({ kind: 'withdraw', actor: 'subject' })]: 2 });
  });

  it('ledger size follows the log head, and a checkpoint covers it', async () => {
    const head = async () => (await h.app.ctx.ledger.reader.head()).size;
    const before = await now();
    expect(sample(before, 'consentgate_ledger_entries')).toBe(await head());
    await h.release(h.keys.sellerA, { subject: 'm-c2', purpose: 'order_fulfilment', order_ref: 'm-c2/A' });
    const after = await now();
    expect(sample(after, 'consentgate_ledger_entries')).toBe(sample(before, 'consentgate_ledger_entries')! + 1);
    const cp = await h.app.ctx.ledger.checkpoint();
    const signed = await now();
    expect(sample(signed, 'consentgate_ledger_checkpoint_size')).toBe(cp.size);
    expect(cp.size).toBe(sample(signed, 'consentgate_ledger_entries'));
    const age = sample(signed, 'consentgate_ledger_checkpoint_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(120);
    expect(sample(signed, 'consentgate_state_scrape_ok')).toBe(1);
  });

  it('rights requests: received and each step counted, open by type, overdue and due soon by the deadline', async () => {
    let before = await now();
    const filed = await h.call('POST', '/v1/subjects/m-c1/rights', h.admin, { type: 'access' });
    expect(filed.status).toBe(201);
    let after = await now();
    expect(moved(before, after, 'consentgate_rights_request_steps_total')).toEqual({ [key({ type: 'access', state: 'received' })]: 1 });
    expect(moved(before, after, 'consentgate_rights_requests_open')).toEqual({ [key({ type: 'access' })]: 1 });
    expect(sample(after, 'consentgate_rights_requests_overdue', { type: 'access' })).toBe(0);

    before = after;
    expect((await h.call('POST', `/v1/rights/${filed.body.id}/actions`, h.admin, stepBody('verify'))).status).toBe(200);
    after = await now();
    expect(moved(before, after, 'consentgate_rights_request_steps_total')).toEqual({ [key({ type: 'access', state: 'verified' })]: 1 });
    expect(moved(before, after, 'consentgate_rights_requests_open')).toEqual({});

    // The same database read with the clock moved: just before and just after the deadline.
    const dueBefore = Date.parse(filed.body.deadline.due_before);
    const at = async (t: number) => {
      const registry = new Registry();
      observeState(h.app.ctx.db, registry, { now: () => t });
      return parseScrape(await registry.metrics());
    };
    const soon = await at(dueBefore - 3_600_000);
    expect(sample(soon, 'consentgate_rights_requests_due_soon', { type: 'access' })).toBe(1);
    expect(sample(soon, 'consentgate_rights_requests_overdue', { type: 'access' })).toBe(0);
    const late = await at(dueBefore);
    expect(sample(late, 'consentgate_rights_requests_overdue', { type: 'access' })).toBe(1);
    expect(sample(late, 'consentgate_rights_requests_due_soon', { type: 'access' })).toBe(0);
    expect(sample(late, 'consentgate_rights_requests_open', { type: 'access' })).toBe(1);

    before = await now();
    for (const action of ['start', 'complete']) expect((await h.call('POST', `/v1/rights/${filed.body.id}/actions`, h.admin, stepBody(action))).status).toBe(200);
    after = await now();
    expect(moved(before, after, 'consentgate_rights_request_steps_total')).toEqual({
      [key({ type: 'access', state: 'in_progress' })]: 1,
      [key({ type: 'access', state: 'completed' })]: 1,
    });
    expect(moved(before, after, 'consentgate_rights_requests_open')).toEqual({ [key({ type: 'access' })]: -1 });
    expect(sample(await at(dueBefore), 'consentgate_rights_requests_overdue', { type: 'access' })).toBe(0);
  });

  it('deletion requests to recipients: requested, confirmed, escalated', async () => {
    const unconfirmed = (s: Scrape, state: string) => sample(s, 'consentgate_deletion_requests_unconfirmed', { state })!;
    let before = await now();
    const filed = await h.call('POST', '/v1/subjects/m-c1/rights', h.admin, { type: 'withdrawal', scope: { declarations: ['sellers_fulfilment'] } });
    for (const action of ['verify', 'start', 'complete']) expect((await h.call('POST', `/v1/rights/${filed.body.id}/actions`, h.admin, stepBody(action))).status).toBe(200);
    let after = await now();
    // Both sellers received m-c1's data in the first test: each gets a deletion request.
    const mine = (k: string) => h.call('GET', '/v1/recipients/deletions', k).then((r) => r.body.deletions as Array<{ id: string; state: string }>);
    const [a, b] = [await mine(h.keys.sellerA), await mine(h.keys.sellerB)];
    expect([a.length, b.length]).toEqual([1, 1]);
    expect(moved(before, after, 'consentgate_deletion_propagation_total')).toEqual({ [key({ event: 'requested' })]: 2 });
    expect(unconfirmed(after, 'requested') - unconfirmed(before, 'requested')).toBe(2);

    before = after;
    expect((await h.call('POST', `/v1/recipients/deletions/${a[0]!.id}/confirm`, h.keys.sellerA)).status).toBe(200);
    after = await now();
    expect(moved(before, after, 'consentgate_deletion_propagation_total')).toEqual({ [key({ event: 'confirmed' })]: 1 });
    expect(unconfirmed(after, 'requested')).toBe(unconfirmed(before, 'requested') - 1);

    // Seller B's week to confirm has passed (its escalation time moved into the past).
    await h.app.ctx.db.query('UPDATE deletion_requests SET escalate_at = $2 WHERE id = $1', [b[0]!.id, new Date(Date.now() - 1000)]);
    before = after;
    expect(await h.app.ctx.rights.escalateDue()).toBe(1);
    after = await now();
    expect(moved(before, after, 'consentgate_deletion_propagation_total')).toEqual({ [key({ event: 'escalated' })]: 1 });
    expect(unconfirmed(after, 'requested')).toBe(unconfirmed(before, 'requested') - 1);
    expect(unconfirmed(after, 'escalated')).toBe(unconfirmed(before, 'escalated') + 1);
  });

  it('outbox: a failed attempt is a retry, the last one a dead letter; backlog and dead letters follow', async () => {
    // Deliveries run here, one round at a time, instead of in the server's background loop.
    await h.app.ctx.outbox.stop();
    const before = await now();
    const at = Date.now();
    const message = (id: string, maxAttempts: number) => ({ id, kind: 'webhook' as const, destination: 'whk_missing', topic: 'deletion.requested', body: '{}', maxAttempts, createdAt: at, nextAttemptAt: at });
    await h.app.ctx.db.transaction((tx) => insertOutboxMessages(tx, [message('msg_metrics_dead', 1), message('msg_metrics_retry', 5)]));
    const queued = await now();
    expect(sample(queued, 'consentgate_outbox_backlog')).toBe(sample(before, 'consentgate_outbox_backlog')! + 2);
    expect(sample(queued, 'consentgate_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);

    const round = await h.app.ctx.outbox.runOnce();
    expect(round).toMatchObject({ claimed: 2, retried: 1, dead: 1 });
    const after = await now();
    expect(moved(before, after, 'consentgate_outbox_attempts_total')).toEqual({
      [key({ kind: 'webhook', outcome: 'retry' })]: 1,
      [key({ kind: 'webhook', outcome: 'dead' })]: 1,
    });
    expect(sample(after, 'consentgate_outbox_dead_letters')).toBe(sample(before, 'consentgate_outbox_dead_letters')! + 1);
    expect(sample(after, 'consentgate_outbox_backlog')).toBe(sample(before, 'consentgate_outbox_backlog')! + 1);

    expect(await h.app.ctx.outbox.requeue('msg_metrics_dead')).toBe(true);
    const requeued = await now();
    expect(sample(requeued, 'consentgate_outbox_dead_letters')).toBe(sample(before, 'consentgate_outbox_dead_letters'));
  });

  it('a batch that fails to commit counts its records as failed, not as committed', async () => {
    const journal = h.app.ctx.journal;
    journal.register('test_metrics_failing', async () => {
      throw new Error('refused by the test writer');
    });
    const before = await now();
    await expect(journal.append('test_metrics_failing', {}, { type: 'test' })).rejects.toThrow('refused by the test writer');
    const after = await now();
    expect(sample(after, 'consentgate_group_commit_failed_items_total')).toBe(sample(before, 'consentgate_group_commit_failed_items_total')! + 1);
    expect(sample(after, 'consentgate_group_commit_batch_size')).toBe(sample(before, 'consentgate_group_commit_batch_size'));
    // The log is unharmed: the next write commits.
    expect((await h.release(h.keys.sellerA, { subject: 'm-c2', purpose: 'order_fulfilment', order_ref: 'm-c2/A' })).status).toBe(403);
    expect(sample(await now(), 'consentgate_group_commit_batch_size')).toBe(sample(after, 'consentgate_group_commit_batch_size')! + 1);
  });

  it('no label carries a subject, member or recipient id', async () => {
    const text = (await h.app.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.admin}` } })).body;
    for (const id of ['m-c1', 'm-c2', 'm-c3', 'm-nobody', 'seller-a', 'seller-b', 'whk_missing', 'msg_metrics']) expect(text).not.toContain(id);
    const s = parseScrape(text);
    for (const [name, f] of s) {
      if (!name.startsWith('consentgate_') || name.startsWith('consentgate_http_') || name.startsWith('consentgate_process_') || name.startsWith('consentgate_nodejs_')) continue;
      // Bounded: the closed sets of codes, kinds, types and states.
      expect(f.metrics.length, name).toBeLessThanOrEqual(40);
    }
  });
});
