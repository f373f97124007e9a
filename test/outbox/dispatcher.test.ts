import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher, type AttemptEvent, type DispatcherOptions } from '../../src/outbox/dispatcher.ts';
import { enqueue, type Envelope } from '../../src/outbox/message.ts';
import { verifySignature } from '../../src/outbox/signature.ts';
import { WebhookTransport } from '../../src/outbox/webhook.ts';
import { WebhookAddressPolicy } from '../../src/outbox/address-policy.ts';
import {
  getOutboxMessage,
  getWebhookEndpoint,
  listDead,
  outboxCounts,
  outboxStatus,
  requeueDead,
  upsertWebhookEndpoint,
} from '../../src/store/outbox-repo.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { deadUrl, fakeRecipient, type Received } from './fake-recipient.ts';

const T0 = Date.parse('2027-03-01T09:00:00Z');
const LOCAL_RECEIVERS = new WebhookAddressPolicy({ allow: ['127.0.0.1'] });

describe.each(engines())('outbox on %s', (engine) => {
  let db: Database;
  let clock = T0;
  const now = () => clock;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    clock = T0;
    await db.query('DELETE FROM outbox_messages');
  });

  function dispatcher(extra: Partial<DispatcherOptions> = {}): Dispatcher {
    return new Dispatcher(db, {
      // The fake recipients listen on loopback: allowed deliberately, as CONSENTGATE_WEBHOOK_ALLOW would.
      transports: { webhook: new WebhookTransport({ endpoint: (id) => getWebhookEndpoint(db, id), now, policy: LOCAL_RECEIVERS }) },
      now,
      random: () => 0.5,
      backoff: { baseMs: 1_000, capMs: 60_000 },
      attemptTimeoutMs: 10_000, // generous: a loaded CI machine must not turn successes into retries
      ...extra,
    });
  }

  async function endpoint(recipientId: string, url: string, secret = randomBytes(32)) {
    const id = `we_${recipientId}`;
    await upsertWebhookEndpoint(db, { id, recipientId, url, secret }, clock);
    return { id, secret };
  }

  async function send(destination: string, data: unknown = { subject: 'sp_x', items: ['phone'] }, maxAttempts?: number) {
    const [id] = await db.transaction((tx) =>
      enqueue(tx, { kind: 'webhook', destination, topic: 'deletion.requested', data, at: clock, ...(maxAttempts ? { maxAttempts } : {}) }),
    );
    return id!;
  }

  /** A receiver that checks signatures like a real seller would, and processes each key once. */
  function verifyingReceiver(secret: Uint8Array, status: (n: number) => number = () => 200) {
    const processed = new Set<string>();
    const rejections: string[] = [];
    /** Verifies and processes; false when the signature check failed. */
    const accept = (req: Received): boolean => {
      try {
        verifySignature({ secret, header: req.headers['consentgate-signature'] as string | undefined, body: req.body, now: Math.floor(clock / 1000) });
      } catch (e) {
        rejections.push((e as { code: string }).code);
        return false;
      }
      processed.add(req.headers['idempotency-key'] as string);
      return true;
    };
    return {
      processed,
      rejections,
      accept,
      behaviour: (req: Received, n: number, res: ServerResponse) => {
        res.statusCode = accept(req) ? status(n) : 401;
        res.end();
      },
    };
  }

  it('stores a message only when its transaction commits', async () => {
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, { id: 'msg_rolled_back', kind: 'webhook', destination: 'we_x', topic: 'deletion.requested', data: {}, at: clock });
        throw new Error('business change failed');
      }),
    ).rejects.toThrow('business change failed');
    expect(await getOutboxMessage(db, 'msg_rolled_back')).toBeUndefined();
    const id = await send('we_x');
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'pending', attempts: 0, topic: 'deletion.requested' });
  });

  it('delivers a signed webhook the recipient can verify, with the message id as Idempotency-Key', async () => {
    const secret = randomBytes(32);
    const rx = verifyingReceiver(secret);
    const rec = await fakeRecipient(rx.behaviour);
    const ep = await endpoint('seller-a', rec.url, secret);
    const id = await send(ep.id, { subject: 'sp_abc', items: ['phone', 'address'] });
    expect(await dispatcher().runOnce()).toEqual({ claimed: 1, delivered: 1, retried: 0, dead: 0 });
    await rec.close();

    expect(rec.received).toHaveLength(1);
    const got = rec.received[0]!;
    expect(got.headers['idempotency-key']).toBe(id);
    expect(got.headers['consentgate-event']).toBe('deletion.requested');
    expect(got.headers['consentgate-attempt']).toBe('1');
    expect(got.headers['content-type']).toBe('application/json');
    const env = JSON.parse(got.body) as Envelope;
    expect(env).toEqual({ id, type: 'deletion.requested', created: new Date(T0).toISOString(), data: { subject: 'sp_abc', items: ['phone', 'address'] } });
    expect(rx.rejections).toEqual([]);
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, deliveredAt: T0 });
  });

  it('keeps retrying a receiver that rejects the signature, then dead-letters it', async () => {
    const rx = verifyingReceiver(randomBytes(32)); // the seller configured a different secret
    const rec = await fakeRecipient(rx.behaviour);
    const ep = await endpoint('seller-b', rec.url);
    const id = await send(ep.id, {}, 3);
    const d = dispatcher();
    expect(await d.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    clock += 60_000;
    expect(await d.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    clock += 60_000;
    expect(await d.runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    clock += 3_600_000;
    expect(await d.runOnce()).toMatchObject({ claimed: 0 });
    await rec.close();
    expect(rx.rejections).toEqual(['WEBHOOK_SIGNATURE_MISMATCH', 'WEBHOOK_SIGNATURE_MISMATCH', 'WEBHOOK_SIGNATURE_MISMATCH']);
    expect(rx.processed.size).toBe(0);
    const row = await getOutboxMessage(db, id);
    expect(row).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 401, lastError: 'HTTP 401' });
    expect((await listDead(db, { limit: 10 })).map((r) => r.id)).toEqual([id]);
  });

  it('retries a 500 after a jittered backoff and then succeeds', async () => {
    const secret = randomBytes(32);
    const rx = verifyingReceiver(secret, (n) => (n === 1 ? 500 : 204));
    const rec = await fakeRecipient(rx.behaviour);
    const ep = await endpoint('seller-c', rec.url, secret);
    const id = await send(ep.id);
    const d = dispatcher();
    expect(await d.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    // random() = 0.5 and a 1 s base: the retry is due 500 ms later, not before.
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 500, nextAttemptAt: T0 + 500 });
    clock += 499;
    expect(await d.runOnce()).toMatchObject({ claimed: 0 });
    clock += 1;
    expect(await d.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    await rec.close();
    expect(rec.received.map((r) => r.headers['idempotency-key'])).toEqual([id, id]);
    expect(rec.received.map((r) => r.headers['consentgate-attempt'])).toEqual(['1', '2']);
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 204, lastError: null });
  });

  it('dead-letters after N attempts against an endpoint that is down, and can be re-queued', async () => {
    const ep = await endpoint('seller-d', await deadUrl());
    const id = await send(ep.id, {}, 4);
    const events: AttemptEvent[] = [];
    const d = dispatcher({ onAttempt: (e) => events.push(e) });
    for (let i = 0; i < 4; i++) {
      await d.runOnce();
      clock += 60_000;
    }
    const row = await getOutboxMessage(db, id);
    expect(row).toMatchObject({ state: 'dead', attempts: 4, lastStatus: null });
    expect(row!.lastError).toMatch(/ECONNREFUSED/);
    expect(events.map((e) => e.outcome)).toEqual(['retry', 'retry', 'retry', 'dead']);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    // The status the console shows (outboxStatus): wire form, unknown ids left out, none asked none read.
    const [status, ...more] = await outboxStatus(db, ['ob_unknown', id]);
    expect(more).toEqual([]);
    expect(status).toEqual({ id, kind: 'webhook', topic: 'deletion.requested', state: 'dead', attempts: 4, last_status: null, last_error: row!.lastError, delivered_at: null, dead_at: new Date(row!.deadAt!).toISOString() });
    expect(await outboxStatus(db, [])).toEqual([]);

    // The seller fixes its server; an operator re-queues the dead letter with fresh attempts.
    const secret = randomBytes(32);
    const rec = await fakeRecipient(verifyingReceiver(secret).behaviour);
    await endpoint('seller-d', rec.url, secret);
    expect(await requeueDead(db, id, clock)).toBe(true);
    expect(await requeueDead(db, id, clock)).toBe(false);
    expect(await d.runOnce()).toMatchObject({ delivered: 1 });
    await rec.close();
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it('times out a slow endpoint and retries; the recipient does the work once (idempotency key)', async () => {
    const secret = randomBytes(32);
    const rx = verifyingReceiver(secret);
    const rec = await fakeRecipient(async (req, n, res) => {
      if (n === 1) {
        rx.accept(req); // processes, then answers too late
        await new Promise((r) => setTimeout(r, 3_000));
        if (!res.destroyed) res.end();
        return;
      }
      rx.behaviour(req, n, res);
    });
    const ep = await endpoint('seller-e', rec.url, secret);
    const id = await send(ep.id);
    const first = await dispatcher({ attemptTimeoutMs: 300 }).runOnce();
    expect(first).toMatchObject({ claimed: 1, retried: 1 });
    expect((await getOutboxMessage(db, id))!.lastError).toBe('timeout');
    clock += 60_000;
    expect(await dispatcher().runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    await rec.close();
    expect(rec.received).toHaveLength(2);
    expect(new Set(rec.received.map((r) => r.headers['idempotency-key']))).toEqual(new Set([id]));
    expect([...rx.processed]).toEqual([id]);
  });

  it('resumes after a restart mid-delivery: the lease runs out and a new dispatcher delivers', async () => {
    const secret = randomBytes(32);
    const rx = verifyingReceiver(secret);
    const rec = await fakeRecipient((req, n, res) => {
      if (n === 1) return; // the first server dies before it hears back: the request hangs
      rx.behaviour(req, n, res);
    });
    const ep = await endpoint('seller-f', rec.url, secret);
    const id = await send(ep.id);

    const crashed = dispatcher({ attemptTimeoutMs: 30_000, leaseMs: 60_000 });
    const crashedRound = crashed.runOnce();
    await rec.waitFor(1);
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'pending', attempts: 1 });

    const restarted = dispatcher();
    expect(await restarted.runOnce()).toMatchObject({ claimed: 0 }); // still leased
    clock += 60_000;
    expect(await restarted.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(rec.received.map((r) => r.headers['idempotency-key'])).toEqual([id, id]);

    // The old attempt finally fails; having lost its lease it cannot undo the delivery.
    await rec.close();
    expect(await crashedRound).toEqual({ claimed: 1, delivered: 0, retried: 0, dead: 0 });
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'delivered', attempts: 2 });
    expect([...rx.processed]).toEqual([id]);
  });

  it('dead-letters a message whose final attempt never finished', async () => {
    const rec = await fakeRecipient(() => {}); // never answers
    const ep = await endpoint('seller-g', rec.url);
    const id = await send(ep.id, {}, 1);
    const crashed = dispatcher({ attemptTimeoutMs: 30_000, leaseMs: 60_000 });
    const round = crashed.runOnce();
    await rec.waitFor(1);
    clock += 60_000;
    expect(await dispatcher().runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'dead', lastError: 'final attempt did not finish (lease expired)' });
    await rec.close();
    await round;
    expect(rec.received).toHaveLength(1);
  });

  it('lets several dispatchers share the outbox without delivering a message twice', async () => {
    const secret = randomBytes(32);
    const rec = await fakeRecipient(verifyingReceiver(secret).behaviour);
    const ep = await endpoint('seller-h', rec.url, secret);
    const ids = await db.transaction((tx) =>
      enqueue(tx, ...Array.from({ length: 40 }, (_, i) => ({ kind: 'webhook' as const, destination: ep.id, topic: 'deletion.requested', data: { i }, at: clock }))),
    );
    const a = dispatcher({ batchSize: 5 });
    const b = dispatcher({ batchSize: 5 });
    const drain = async (d: Dispatcher) => {
      while ((await d.runOnce()).claimed > 0);
    };
    await Promise.all([drain(a), drain(b)]);
    await rec.close();
    const keys = rec.received.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(40);
    expect(new Set(keys)).toEqual(new Set(ids));
    expect(await outboxCounts(db)).toEqual({ pending: 0, delivered: 40, dead: 0 });
  });

  it('runs as a loop woken by NOTIFY when a message is enqueued', async () => {
    const secret = randomBytes(32);
    const rec = await fakeRecipient(verifyingReceiver(secret).behaviour);
    const ep = await endpoint('seller-i', rec.url, secret);
    const d = dispatcher({ pollMs: 60_000 }); // only a NOTIFY can wake it within the test
    await d.start();
    await new Promise((r) => setTimeout(r, 50));
    const id = await send(ep.id);
    const got = await rec.waitFor(1, 5_000);
    expect(got.headers['idempotency-key']).toBe(id);
    await d.stop();
    await rec.close();
    expect(await getOutboxMessage(db, id)).toMatchObject({ state: 'delivered' });
  });

  it('refuses malformed messages with a stable code and a path', async () => {
    await expect(
      db.transaction((tx) => enqueue(tx, { kind: 'webhook', destination: 'we_x', topic: 'Bad Topic', data: {}, at: clock })),
    ).rejects.toMatchObject({ code: 'OUTBOX_INVALID_MESSAGE', path: 'topic' });
    await expect(
      db.transaction((tx) => enqueue(tx, { kind: 'webhook', destination: 'we_x', topic: 'a.b', data: 'x'.repeat(300_000), at: clock })),
    ).rejects.toMatchObject({ code: 'OUTBOX_INVALID_MESSAGE', path: 'data' });
    expect(await outboxCounts(db)).toEqual({ pending: 0, delivered: 0, dead: 0 });
  });
});
