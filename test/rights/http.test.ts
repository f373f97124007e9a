import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/outbox/signature.ts';
import { fakeRecipient, type FakeRecipient } from '../outbox/fake-recipient.ts';
import { DATA, startHarness, type Harness } from '../release/harness.ts';
import { stepBody } from '../support/rights-actions.ts';

/** The README tour, end to end over HTTP: a customer's withdrawal reaches the seller that holds their data. */
describe('rights over HTTP', () => {
  let h: Harness;
  let seller: FakeRecipient;
  let secret = '';
  let subjectKey = '';
  let otherKey = '';
  const received: Array<{ key: string; body: any }> = [];

  beforeAll(async () => {
    // The fake seller listens on loopback: an internal receiver the operator allows deliberately.
    h = await startHarness({ rights: { allowHttpWebhooks: true, webhookAllow: ['127.0.0.1'], sweepMs: 0 } });
    seller = await fakeRecipient((req, _n, res) => {
      try {
        verifySignature({ secret, header: req.headers['consentgate-signature'] as string, body: req.body, now: Math.floor(Date.now() / 1000) });
      } catch (e) {
        res.statusCode = 401;
        return void res.end((e as { code: string }).code);
      }
      received.push({ key: req.headers['idempotency-key'] as string, body: JSON.parse(req.body) });
      res.end();
    });
    const created = await h.call('POST', '/v1/subjects', h.admin, { id: 'cust-tour', jurisdiction: 'KR' });
    subjectKey = created.body.token;
    otherKey = (await h.call('POST', '/v1/subjects', h.admin, { id: 'cust-other', jurisdiction: 'EU' })).body.token;
    expect((await h.call('PUT', '/v1/subjects/cust-tour/data', h.admin, DATA)).status).toBe(200);
    await h.order('cust-tour/A', 'cust-tour', 'seller-a');
    await h.grant('cust-tour', 'checkout', ['sellers_fulfilment']);
  }, 120_000);
  afterAll(async () => {
    await seller?.close();
    await h?.close();
  });

  it('walks the tour: release, who has my data, withdrawal request, signed webhook, confirmation', async () => {
    const released = await h.release(h.keys.sellerA, { subject: 'cust-tour', purpose: 'order_fulfilment', order_ref: 'cust-tour/A' });
    expect(released.status).toBe(200);

    const hook = await h.call('PUT', '/v1/recipients/seller-a/webhook', h.admin, { url: seller.url });
    expect(hook.status).toBe(200);
    expect(hook.body.secret).toMatch(/^whsec_/);
    secret = hook.body.secret;

    const who = await h.call('GET', '/v1/subjects/cust-tour/recipients', subjectKey);
    expect(who.status).toBe(200);
    expect(who.body.recipients).toEqual([
      expect.objectContaining({
        recipient: 'seller-a',
        country: 'CN',
        items: ['address', 'customs_code', 'name', 'phone'],
        releases: [expect.objectContaining({ decision_id: released.body.decision_id, ledger_index: released.body.ledger_index, basis: 'consent', purpose: 'order_fulfilment' })],
        deletion: null,
      }),
    ]);
    const proof = await h.call('GET', `/v1/ledger/entries/${released.body.ledger_index}`, h.admin);
    expect(proof.status).toBe(200);

    const filed = await h.call('POST', '/v1/subjects/cust-tour/rights', subjectKey, { type: 'withdrawal', scope: { declarations: ['sellers_fulfilment'] } });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ state: 'received', article: 'PIPA 37', deadline: { article: 'PIPA 35-37 (Enforcement Decree: 10 days)', time_zone: 'Asia/Seoul', overdue: false } });
    const rid = filed.body.id;
    const bad = await h.call('POST', `/v1/rights/${rid}/actions`, h.admin, { action: 'complete' });
    expect(bad.status).toBe(409);
    expect(bad.body).toMatchObject({ code: 'RIGHTS_INVALID_TRANSITION' });
    expect((await h.call('POST', `/v1/rights/${rid}/actions`, h.admin, { action: 'reject' })).status).toBe(422);
    for (const action of ['verify', 'start', 'complete']) expect((await h.call('POST', `/v1/rights/${rid}/actions`, h.admin, stepBody(action))).status).toBe(200);
    expect((await h.call('GET', `/v1/rights/${rid}`, h.admin)).body).toMatchObject({ state: 'completed', allowed_actions: [] });

    // The seller can no longer get the data, and its relay number is revoked.
    const after = await h.release(h.keys.sellerA, { subject: 'cust-tour', purpose: 'order_fulfilment', order_ref: 'cust-tour/A' });
    expect(after.status).toBe(403);
    expect(after.body.code).toBe('CONSENT_WITHDRAWN');
    expect(await h.app.ctx.issuers.resolveRelay(released.body.items.phone, Date.now())).toBeUndefined();

    // The running server's outbox dispatcher (woken by NOTIFY) delivers the signed deletion request.
    await seller.waitFor(1, 10_000);
    expect(received).toHaveLength(1);
    const del = received[0]!.body.data;
    expect(del).toMatchObject({ cause: 'withdrawal', releases: [expect.objectContaining({ decision_id: released.body.decision_id, order_ref: 'cust-tour/A' })] });
    expect(received[0]!.key).toBe(del.deletion_request);

    const mine = await h.call('GET', '/v1/recipients/deletions', h.keys.sellerA);
    expect(mine.body.deletions).toEqual([expect.objectContaining({ id: del.deletion_request, state: 'requested', webhook: true })]);
    expect((await h.call('GET', '/v1/recipients/deletions', h.keys.sellerB)).body.deletions).toEqual([]);
    expect((await h.call('POST', `/v1/recipients/deletions/${del.deletion_request}/confirm`, h.keys.sellerB)).status).toBe(404);
    const confirmed = await h.call('POST', `/v1/recipients/deletions/${del.deletion_request}/confirm`, h.keys.sellerA);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ state: 'confirmed', confirmed_at: expect.any(String) });
    expect((await h.call('GET', '/v1/subjects/cust-tour/recipients', subjectKey)).body.recipients[0].deletion).toMatchObject({ state: 'confirmed' });
  });

  it('exports JSON and CSV to the subject itself, each export a transparency-log entry', async () => {
    const exportsLogged = async () => {
      const log = await h.call('GET', '/v1/subjects/cust-tour/ledger', subjectKey);
      expect(log.status).toBe(200);
      return JSON.stringify(log.body).split('subject.export').length - 1;
    };
    const before = await exportsLogged();
    const json = await h.call('GET', '/v1/subjects/cust-tour/export', subjectKey);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ format: 'consentgate.export/1', subject: { id: 'cust-tour', jurisdiction: 'KR' }, items: DATA });
    const csv = await h.app.server.inject({ method: 'GET', url: '/v1/subjects/cust-tour/export?format=csv', headers: { authorization: `Bearer ${subjectKey}` } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['cache-control']).toBe('no-store');
    expect(csv.body.split('\r\n')[0]).toBe('record,key,value,purpose,basis,recipient,country,at,ledger_index');
    expect(csv.body).toContain(`item,phone,${DATA.phone}`);
    expect(await exportsLogged()).toBe(before + 2);
  });

  it('refuses other subjects and anonymous callers without saying whether a subject exists', async () => {
    for (const url of ['/v1/subjects/cust-tour/recipients', '/v1/subjects/no-such-subject/recipients', '/v1/subjects/cust-tour/export']) {
      const r = await h.call('GET', url, otherKey);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN_SUBJECT');
      expect((await h.call('GET', url, undefined)).status).toBe(401);
    }
    expect((await h.call('POST', '/v1/subjects/cust-tour/rights', otherKey, { type: 'erasure' })).status).toBe(403);
    expect((await h.call('GET', '/v1/rights/overdue', subjectKey)).status).toBe(403);
    const bad = await h.call('POST', '/v1/subjects/cust-other/rights', otherKey, { type: 'forget-me' });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('lists outbox counts and dead letters for the operator', async () => {
    const r = await h.call('GET', '/v1/outbox', h.admin);
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({ delivered: 1, dead: 0 });
    expect((await h.call('POST', '/v1/outbox/msg_nothing/requeue', h.admin)).body.code).toBe('DEAD_LETTER_NOT_FOUND');
    const hook = await h.call('PUT', '/v1/recipients/seller-a/webhook', h.admin, { url: 'http://seller.example/hook' });
    expect(hook.status).toBe(422);
    expect(hook.body.code).toBe('WEBHOOK_URL_INVALID');
    expect((await h.call('PUT', '/v1/recipients/nobody/webhook', h.admin, { url: 'https://x.example/h' })).status).toBe(404);
  });
});
