import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Issuers } from '../../src/app/issuers.ts';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { RightsService } from '../../src/app/rights-service.ts';
import { VaultService } from '../../src/app/vault-service.ts';
import { sha256Hex } from '../../src/core/canonical.ts';
import { natsEventStream } from '../../src/events/stream.ts';
import { Dispatcher } from '../../src/outbox/dispatcher.ts';
import { verifySignature } from '../../src/outbox/signature.ts';
import { WebhookTransport } from '../../src/outbox/webhook.ts';
import { WebhookAddressPolicy } from '../../src/outbox/address-policy.ts';
import { DECISION_KIND, registerDecisionWriter, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { getWebhookEndpoint } from '../../src/store/outbox-repo.ts';
import type { Database } from '../../src/store/sql.ts';
import { newDataKey } from '../../src/vault/envelope.ts';
import { LocalKeyProvider } from '../../src/vault/key-provider.ts';
import { grantReq, startServer, withdrawReq, type Server } from '../consent/harness.ts';
import { demoModel } from '../notice/support.ts';
import { fakeRecipient, type FakeRecipient } from '../outbox/fake-recipient.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { stepAction } from '../support/rights-actions.ts';

const LOCAL_RECEIVERS = new WebhookAddressPolicy({ allow: ['127.0.0.1'] });

const T0 = Date.parse('2027-01-31T03:00:00Z');
const DAY = 86_400_000;

describe.each(engines())('rights service on %s', (engine) => {
  const model = demoModel();
  let db: Database;
  let s: Server;
  let vault: VaultService;
  let issuers: Issuers;
  let rights: RightsService;
  let seller: FakeRecipient;
  let sellerSecret = '';
  let checkout = '';
  let clock = T0;
  const now = () => clock;
  const members = new Map([
    ['seller-7', { country: 'CN' }],
    ['seller-8', { country: 'HK' }],
  ]);
  const deliveries: Array<{ key: string; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    s = await startServer(db, model, { now });
    registerDecisionWriter(s.journal);
    vault = await VaultService.open(db, { keys: new LocalKeyProvider('test', [newDataKey()]), categories: () => model.categories });
    issuers = await Issuers.open(db, vault, { operatorDomain: () => 'harbor-bazaar.example' });
    rights = new RightsService({
      db,
      journal: s.journal,
      subjects: s.subjects,
      registry: s.registry,
      members,
      vault,
      consents: s.consent,
      issuers,
      events: natsEventStream(),
      clock: now,
      escalateAfterMs: 3 * DAY,
      allowHttpWebhooks: true,
      // The fake seller listens on loopback: an internal receiver allowed deliberately.
      webhookPolicy: LOCAL_RECEIVERS,
    });
    checkout = (await s.consent.notice('checkout')).hash;
    seller = await fakeRecipient((req, _n, res) => {
      try {
        verifySignature({ secret: sellerSecret, header: req.headers['consentgate-signature'] as string, body: req.body, now: Math.floor(clock / 1000) });
      } catch {
        res.statusCode = 401;
        return void res.end();
      }
      deliveries.push({ key: req.headers['idempotency-key'] as string, body: JSON.parse(req.body) });
      res.end();
    });
    sellerSecret = (await rights.registerWebhook('seller-7', seller.url)).secret;
  }, 60_000);
  afterAll(async () => {
    await seller?.close();
    await rights?.stop();
    await issuers?.close();
    await vault?.close();
    await s?.stop();
    await db?.close();
  });

  let seq = 0;
  /** What the release service records for an allowed release (same writer, same ledger entry). */
  async function release(subjectId: string, recipient: string, declarationId: string, items: string[], opts: { retentionUntil?: number; token?: string } = {}) {
    const d = model.declarations.get(declarationId)!;
    seq += 1;
    const row: DecisionRow = {
      id: `dec_${engine}_${seq}`,
      recipient,
      subjectPseudonym: s.subjects.record(subjectId)!.pseudonym,
      purpose: d.purpose,
      requested: null,
      released: items.map((category) => ({ category, form: 'plain' })),
      allow: true,
      code: null,
      article: null,
      basis: d.legal_basis,
      declarationId,
      trace: [],
      registryHash: model.hash,
      noticeHash: null,
      consentEventId: null,
      orderRef: `order-${seq}`,
      retentionUntil: opts.retentionUntil ?? null,
      at: clock,
      viaDecision: null,
      tokens: opts.token ? [{ hash: sha256Hex(opts.token), category: items[0]!, subject: subjectId, declarationId, expiresAt: null }] : [],
    };
    const { leafIndex } = await appendDecision(s.journal, row);
    return { id: row.id, leafIndex };
  }

  // On the checkout notice naming the seller (PIPA 17(2)1); the gate is not asked here, so the provision choice suffices.
  const grant = async (subjectId: string, recipientId: string, eventId: string) =>
    s.consent.grant(subjectId, grantReq({ noticeHash: (await s.consent.notice('checkout', recipientId)).hash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId, eventId }] }), { caller: 'subject' });

  const revoked = async (subject: string) =>
    Object.fromEntries(
      (await db.query<{ recipient: string; revoked_at: Date | null }>('SELECT recipient, revoked_at FROM release_tokens WHERE subject = $1', [subject])).map((r) => [
        r.recipient,
        r.revoked_at !== null,
      ]),
    );

  const leaf = async (index: number) =>
    Buffer.from((await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [index]))[0]!.entry).toString();

  const dispatcher = () =>
    new Dispatcher(db, { transports: { webhook: new WebhookTransport({ endpoint: (id) => getWebhookEndpoint(db, id), now, policy: LOCAL_RECEIVERS }) }, now, random: () => 0.5 });

  it('answers "who has my data" from the release records, with country and ledger leaf', async () => {
    await s.subjects.create({ id: 'cust-1', jurisdiction: 'KR', issueToken: false }, 'test');
    await grant('cust-1', 'seller-7', 'order-0001-consent');
    const r1 = await release('cust-1', 'seller-7', 'sellers_fulfilment', ['name', 'address'], { token: 'tok-seller-7' });
    const r2 = await release('cust-1', 'hanbit_express', 'courier_delivery', ['address'], { token: 'tok-courier' });
    // Another subject's release to the same seller is not cust-1's (found through the ledger's subject index).
    await s.subjects.create({ id: 'cust-1-neighbour', jurisdiction: 'KR', issueToken: false }, 'test');
    await release('cust-1-neighbour', 'seller-7', 'sellers_fulfilment', ['name', 'phone']);
    const held = await rights.holdings('cust-1');
    expect(held.map((h) => [h.recipient, h.country, h.items])).toEqual([
      ['hanbit_express', 'KR', ['address']],
      ['seller-7', 'CN', ['address', 'name']],
    ]);
    const seven = held.find((h) => h.recipient === 'seller-7')!;
    expect(seven.releases).toEqual([
      {
        decision_id: r1.id,
        ledger_index: r1.leafIndex,
        at: new Date(T0).toISOString(),
        purpose: 'order_fulfilment',
        basis: 'consent',
        declaration_id: 'sellers_fulfilment',
        items: [
          { category: 'name', form: 'plain' },
          { category: 'address', form: 'plain' },
        ],
        retention_until: null,
      },
    ]);
    expect(JSON.parse(await leaf(r2.leafIndex))).toMatchObject({ kind: DECISION_KIND, decision_id: r2.id, recipient: 'hanbit_express' });
    await expect(rights.holdings('nobody')).rejects.toMatchObject({ code: 'UNKNOWN_SUBJECT', status: 404 });
  });

  it('carries a withdrawal request through its lifecycle to a signed deletion request at the seller', async () => {
    const req = await rights.receive('cust-1', { type: 'withdrawal', scope: { declarations: ['sellers_fulfilment'] } }, 'key_subject');
    expect(req).toMatchObject({ state: 'received', article: 'PIPA 37', deadline: { jurisdiction: 'KR', receivedOn: '2027-01-31', dueDate: '2027-02-10' } });
    await expect(rights.act(req.id, { kind: 'complete' }, 'key_admin')).rejects.toMatchObject({ code: 'RIGHTS_INVALID_TRANSITION' });
    await rights.act(req.id, stepAction('verify'), 'key_admin');
    await rights.act(req.id, { kind: 'start' }, 'key_admin');
    clock += 1000;
    const done = await rights.act(req.id, { kind: 'complete' }, 'key_admin');
    expect(done.state).toBe('completed');
    expect(done.history.map((h) => h.to)).toEqual(['received', 'verified', 'in_progress', 'completed']);

    // The consent ledger recorded the withdrawal; the gate sees it.
    expect(s.consent.status('cust-1', 'sellers_fulfilment', 'seller-7', clock).state).toBe('withdrawn');
    // Only the seller that received data under consent is asked; the courier's contract basis stands.
    const dels = await rights.deletions({ subject: 'cust-1' });
    expect(dels).toHaveLength(1);
    const del = dels[0]!;
    expect(del).toMatchObject({ recipientId: 'seller-7', cause: 'withdrawal', rightsRequest: req.id, items: ['address', 'name'], state: 'requested', outboxId: del.id });
    expect(await revoked('cust-1')).toEqual({ 'seller-7': true, hanbit_express: false });
    const entry = await leaf(del.leafIndex);
    expect(JSON.parse(entry)).toMatchObject({ kind: 'deletion_request', id: del.id, recipient: 'seller-7', cause: 'withdrawal' });
    expect(entry).not.toContain('cust-1');

    // The outbox delivers the signed webhook; the seller sees the deletion id as Idempotency-Key.
    expect(await dispatcher().runOnce()).toMatchObject({ delivered: 1 });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.key).toBe(del.id);
    expect(deliveries[0]!.body).toMatchObject({
      type: 'deletion.requested',
      data: { deletion_request: del.id, cause: 'withdrawal', subject: s.subjects.record('cust-1')!.pseudonym, items: ['address', 'name'] },
    });
    expect(JSON.stringify(deliveries[0]!.body)).not.toContain('cust-1');
    // Stream events were queued in the same transactions (NATS destination).
    const events = await db.query<{ topic: string }>(`SELECT topic FROM outbox_messages WHERE kind = 'nats' ORDER BY seq`);
    expect(events.map((e) => e.topic)).toEqual(expect.arrayContaining(['rights.received', 'rights.verified', 'rights.started', 'rights.completed', 'deletion.requested']));

    // The seller confirms; another recipient cannot, and cannot tell the request exists.
    await expect(rights.confirmDeletion(del.id, 'seller-8', 'key_s8')).rejects.toMatchObject({ code: 'DELETION_REQUEST_NOT_FOUND', status: 404 });
    const confirmed = await rights.confirmDeletion(del.id, 'seller-7', 'key_s7');
    expect(confirmed).toMatchObject({ state: 'confirmed', confirmedAt: clock, confirmedBy: 'key_s7' });
    const leaves = (await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM ledger_entries'))[0]!.n;
    expect(await rights.confirmDeletion(del.id, 'seller-7', 'key_s7')).toMatchObject({ state: 'confirmed' });
    expect((await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM ledger_entries'))[0]!.n).toBe(leaves);

    // Completing is idempotent: a retried sweep sends nothing twice.
    await rights.sweep();
    expect(await rights.deletions({ subject: 'cust-1' })).toHaveLength(1);
  });

  it('propagates a withdrawal made directly through the consent API, once, and escalates silence', async () => {
    await s.subjects.create({ id: 'cust-2', jurisdiction: 'EU', issueToken: false }, 'test');
    await grant('cust-2', 'seller-8', 'order-0002-consent');
    await release('cust-2', 'seller-8', 'sellers_fulfilment', ['name', 'phone'], { token: 'tok-seller-8' });
    await s.consent.withdraw('cust-2', withdrawReq({ declarationIds: ['sellers_fulfilment'], recipientId: 'seller-8' }), { caller: 'subject' });
    await rights.sweep();
    await rights.sweep();
    const [del, ...more] = await rights.deletions({ subject: 'cust-2' });
    expect(more).toEqual([]);
    // seller-8 registered no webhook: the request is on record (and in the ledger) without a delivery.
    expect(del).toMatchObject({ recipientId: 'seller-8', cause: 'withdrawal', rightsRequest: null, outboxId: null, state: 'requested', escalateAt: clock + 3 * DAY });
    expect(await revoked('cust-2')).toEqual({ 'seller-8': true });

    clock += 3 * DAY - 1;
    expect(await rights.escalateDue()).toBe(0);
    clock += 1;
    expect(await rights.escalateDue()).toBe(1);
    expect(await rights.deletions({ state: 'escalated' })).toEqual([expect.objectContaining({ id: del!.id, escalatedAt: clock })]);
    // Confirmed requests never escalate; a late confirmation still counts.
    expect(await rights.deletions({ subject: 'cust-1', state: 'confirmed' })).toHaveLength(1);
    expect(await rights.confirmDeletion(del!.id, 'seller-8', 'key_s8')).toMatchObject({ state: 'confirmed' });
  });

  it('erases: every recipient is asked, the vault key is destroyed, the export shows nothing left', async () => {
    await s.subjects.create({ id: 'cust-3', jurisdiction: 'EU', issueToken: false }, 'test');
    await vault.put('cust-3', { name: 'Erika Mustermann', address: 'Hauptstr. 1' }, clock);
    await grant('cust-3', 'seller-7', 'order-0003-consent');
    await release('cust-3', 'seller-7', 'sellers_fulfilment', ['name', 'address']);
    await release('cust-3', 'hanbit_express', 'courier_delivery', ['address']);
    const req = await rights.receive('cust-3', { type: 'erasure' }, 'key_subject');
    expect(req.deadline).toMatchObject({ jurisdiction: 'EU', article: 'GDPR 12(3)' });
    for (const kind of ['verify', 'start', 'complete'] as const) await rights.act(req.id, stepAction(kind), 'key_admin');
    const dels = await rights.deletions({ subject: 'cust-3' });
    expect(dels.map((d) => [d.recipientId, d.cause]).sort()).toEqual([
      ['hanbit_express', 'erasure'],
      ['seller-7', 'erasure'],
    ]);
    expect(await vault.describe('cust-3')).toMatchObject({ erased: true, items: [] });
    const x = await rights.exportJson('cust-3');
    expect(x).toMatchObject({ subject: { id: 'cust-3', erased: true }, items: {} });
    expect((x.requests as Array<{ id: string; state: string }>)[0]).toMatchObject({ id: req.id, state: 'completed' });
  });

  it('communicates a completed correction to every recipient that received the data (GDPR 19), once, without deletions', async () => {
    await s.subjects.create({ id: 'cust-corr', jurisdiction: 'EU', issueToken: false }, 'test');
    await vault.put('cust-corr', { name: 'Max Muster', address: 'Ringstr. 2' }, clock);
    await grant('cust-corr', 'seller-7', 'order-corr-consent');
    await release('cust-corr', 'seller-7', 'sellers_fulfilment', ['name', 'address']);
    await release('cust-corr', 'hanbit_express', 'courier_delivery', ['address']);
    const pseudonym = s.subjects.record('cust-corr')!.pseudonym;
    const req = await rights.receive('cust-corr', { type: 'correction' }, 'key_subject');
    for (const kind of ['verify', 'start'] as const) await rights.act(req.id, stepAction(kind), 'key_admin');
    expect(await db.query("SELECT id FROM outbox_messages WHERE topic = 'rectification.notified'")).toEqual([]);
    await vault.put('cust-corr', { name: 'Max Mustermann', address: 'Ringstr. 2' }, clock); // the corrected value
    await rights.act(req.id, { kind: 'complete' }, 'key_admin');

    // The completion's log entry names who was told; the message carries no customer id.
    const entries = (await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries ORDER BY idx DESC LIMIT 20')).map((r) => JSON.parse(Buffer.from(r.entry).toString()));
    const step = entries.find((e) => e.type === 'rights_request' && e.id === req.id && e.action === 'complete');
    expect(step).toMatchObject({ request_type: 'correction', recipients_notified: ['hanbit_express', 'seller-7'], duty: ['EU.RECTIFICATION_RECIPIENTS'] });
    const events = await db.query<{ body: string }>("SELECT body FROM outbox_messages WHERE kind = 'nats' AND topic = 'rectification.notified'");
    expect(events.map((e) => JSON.parse(e.body).data.recipient).sort()).toEqual(['hanbit_express', 'seller-7']);
    // seller-7's webhook gets it signed, with the releases to fetch again.
    const before = deliveries.length;
    await dispatcher().runOnce();
    const told = deliveries.slice(before).filter((d) => (d.body as { type: string }).type === 'rectification.notified');
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toMatchObject({ data: { rights_request: req.id, subject: pseudonym, items: ['address', 'name'] } });
    expect(JSON.stringify(told[0]!.body)).not.toContain('cust-corr');
    // A correction is not a deletion: nothing to delete, no token revoked.
    expect(await rights.deletions({ subject: 'cust-corr' })).toEqual([]);
  });

  it('exports stored items, consents, releases and requests as JSON and as formula-safe CSV', async () => {
    await s.subjects.create({ id: 'cust-4', jurisdiction: 'KR', issueToken: false }, 'test');
    await vault.put('cust-4', { name: '=HYPERLINK("http://evil")', phone: '010-1234-5678' }, clock);
    await grant('cust-4', 'seller-7', 'order-0004-consent');
    const r = await release('cust-4', 'seller-7', 'sellers_fulfilment', ['name']);
    const x = await rights.exportJson('cust-4');
    expect(x.items).toEqual({ name: '=HYPERLINK("http://evil")', phone: '010-1234-5678' });
    expect(x.consents).toEqual([expect.objectContaining({ declarationId: 'sellers_fulfilment', status: expect.objectContaining({ state: 'active' }) })]);
    expect(x.recipients).toEqual([expect.objectContaining({ recipient: 'seller-7', country: 'CN' })]);
    const csv = await rights.exportCsv('cust-4');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('record,key,value,purpose,basis,recipient,country,at,ledger_index');
    expect(lines).toContain(`item,name,"'=HYPERLINK(""http://evil"")",,,,,,`);
    expect(lines).toContain('item,phone,010-1234-5678,,,,,,');
    expect(lines.some((l) => l.startsWith(`release,${r.id},name:plain,order_fulfilment,consent,seller-7,CN,`) && l.endsWith(`,${r.leafIndex}`))).toBe(true);
  });

  it('asks a recipient to delete when a release\'s retention ends (PIPA 21), once', async () => {
    await s.subjects.create({ id: 'cust-6', jurisdiction: 'KR', issueToken: false }, 'test');
    const r = await release('cust-6', 'kr_customs_broker', 'customs_filing', ['customs_code'], { retentionUntil: clock + DAY });
    await rights.sweep();
    expect(await rights.deletions({ subject: 'cust-6' })).toEqual([]);
    clock += DAY;
    await rights.sweep();
    await rights.sweep();
    const dels = await rights.deletions({ subject: 'cust-6' });
    expect(dels).toEqual([expect.objectContaining({ recipientId: 'kr_customs_broker', cause: 'retention_end', decisions: [r.id], items: ['customs_code'] })]);
  });

  it('lists overdue requests and extends an EU one with a recorded reason', async () => {
    const kr = await rights.receive('cust-4', { type: 'access' }, 'key_subject');
    const eu = await rights.receive('cust-2', { type: 'portability' }, 'key_subject');
    expect(kr.deadline.dueDate).toBe(new Date(clock + 10 * DAY + 9 * 3_600_000).toISOString().slice(0, 10));
    const extended = await rights.act(eu.id, { kind: 'extend', reason: 'export across 40 sellers' }, 'key_admin');
    expect(extended.deadline.extended).toBe(true);
    expect(extended.extensionReason).toBe('export across 40 sellers');
    await expect(rights.act(kr.id, { kind: 'extend', reason: 'x' }, 'key_admin')).rejects.toMatchObject({ code: 'RIGHTS_EXTENSION_NOT_AVAILABLE' });
    clock += 11 * DAY;
    const overdue = await rights.overdue();
    expect(overdue.map((r) => r.id)).toContain(kr.id);
    expect(overdue.map((r) => r.id)).not.toContain(eu.id);
    expect(overdue.every((r) => r.state !== 'completed' && r.state !== 'rejected')).toBe(true);
    await rights.act(kr.id, { kind: 'reject', reason: 'identity not verified', article: 'PIPA 38(1)' }, 'key_admin');
    expect((await rights.overdue()).map((r) => r.id)).not.toContain(kr.id);
    expect(await rights.get(kr.id)).toMatchObject({ state: 'rejected', rejectionReason: 'identity not verified' });
  });
});
