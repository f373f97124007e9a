import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { EventRelay } from '../../src/events/relay.ts';
import { disabledEventStream, natsEventStream } from '../../src/events/stream.ts';
import type { Envelope } from '../../src/outbox/message.ts';
import { registerDecisionWriter, type DecisionRow } from '../../src/store/decisions-repo.ts';
import type { Database } from '../../src/store/sql.ts';
import { grantReq, startServer, withdrawReq, type Server } from '../consent/harness.ts';
import { demoModel } from '../notice/support.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

describe.each(engines())('consent and release event relay on %s', (engine) => {
  const model = demoModel();
  let db: Database;
  let s: Server;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    s = await startServer(db, model);
    registerDecisionWriter(s.journal);
    await s.subjects.create({ id: 'cust-1', jurisdiction: 'KR', issueToken: false }, 'test');
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await db?.close();
  });

  const queued = async () =>
    (await db.query<{ id: string; topic: string; destination: string; body: string }>(`SELECT id, topic, destination, body FROM outbox_messages WHERE kind = 'nats' ORDER BY seq`)).map(
      (r) => ({ ...r, body: JSON.parse(r.body) as Envelope<Record<string, unknown>> }),
    );

  async function decision(id: string, allow: boolean) {
    const row: DecisionRow = {
      id,
      recipient: 'seller-7',
      subjectPseudonym: s.subjects.record('cust-1')!.pseudonym,
      purpose: 'order_fulfilment',
      requested: null,
      released: allow ? [{ category: 'name', form: 'plain' }] : [],
      allow,
      code: allow ? null : 'CONSENT_WITHDRAWN',
      article: allow ? null : 'PIPA 37',
      basis: allow ? 'consent' : null,
      declarationId: 'sellers_fulfilment',
      trace: [],
      registryHash: model.hash,
      noticeHash: null,
      consentEventId: null,
      orderRef: null,
      retentionUntil: null,
      at: Date.now(),
      viaDecision: null,
      tokens: [],
    };
    return (await appendDecision(s.journal, row)).leafIndex;
  }

  it('queues every consent event and release decision once, in log order, with pseudonyms only', async () => {
    const notice = (await s.consent.notice('checkout', 'seller-1')).hash;
    await s.consent.grant('cust-1', grantReq({ noticeHash: notice, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1', eventId: 'relay-grant-1' }] }), { caller: 'subject' });
    const allowLeaf = await decision(`dec_relay_${engine}_1`, true);
    await s.consent.withdraw('cust-1', withdrawReq({ declarationIds: ['sellers_fulfilment'], eventId: 'relay-withdraw-1' }), { caller: 'subject' });
    await decision(`dec_relay_${engine}_2`, false);

    expect(await new EventRelay(db, disabledEventStream).run()).toBe(0);
    const relays = [new EventRelay(db, natsEventStream()), new EventRelay(db, natsEventStream())];
    const counts = await Promise.all(relays.map((r) => r.run())); // two servers at once
    expect(counts[0]! + counts[1]!).toBe(4);
    expect(await relays[0]!.run()).toBe(0);

    const q = await queued();
    expect(q.map((m) => m.topic).sort()).toEqual(['consent.granted', 'consent.withdrawn', 'release.allowed', 'release.denied']);
    expect(q.map((m) => m.id)).toEqual(expect.arrayContaining(['evt_relay-grant-1', 'evt_relay-withdraw-1', `evt_dec_relay_${engine}_1`]));
    const allowed = q.find((m) => m.topic === 'release.allowed')!;
    expect(allowed.destination).toBe('consentgate.events.release.allowed');
    expect(allowed.body.data).toMatchObject({ decision_id: `dec_relay_${engine}_1`, ledger_index: allowLeaf, recipient: 'seller-7', items: ['name'], basis: 'consent' });
    const granted = q.find((m) => m.topic === 'consent.granted')!;
    expect(granted.body.data).toMatchObject({ event_id: 'relay-grant-1', subject: s.subjects.record('cust-1')!.pseudonym, declaration: 'sellers_fulfilment' });
    for (const m of q) expect(JSON.stringify(m.body)).not.toContain('cust-1');

    // New rows after the cursor are picked up; old ones never again.
    await decision(`dec_relay_${engine}_3`, true);
    expect(await relays[1]!.run()).toBe(1);
    expect(await queued()).toHaveLength(5);
  });
});
