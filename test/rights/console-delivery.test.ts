import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../support/web-session.ts';
import { verifySignature } from '../../src/outbox/signature.ts';
import { fakeRecipient, type FakeRecipient } from '../outbox/fake-recipient.ts';
import { startHarness, type Harness } from '../release/harness.ts';

/**
 * A request's detail in the console shows what reached whom: the seller's signed deletion
 * webhook delivered, then its confirmation; the operator's mailer receiving each signed notice.
 * Real receivers on loopback, the real outbox dispatcher.
 */
describe('console request detail: deliveries and seller confirmations', () => {
  let h: Harness;
  let seller: FakeRecipient;
  let mailer: FakeRecipient;
  const secrets = { seller: '', mailer: '' };
  const verified = (who: 'seller' | 'mailer') => (req: { headers: Record<string, unknown>; body: string }, _n: number, res: { statusCode: number; end(b?: string): void }) => {
    try {
      verifySignature({ secret: secrets[who], header: req.headers['consentgate-signature'] as string, body: req.body, now: Math.floor(Date.now() / 1000) });
      res.end();
    } catch {
      res.statusCode = 401;
      res.end();
    }
  };

  beforeAll(async () => {
    h = await startHarness({ rights: { allowHttpWebhooks: true, webhookAllow: ['127.0.0.1'], sweepMs: 0 } });
    // The test delivers with runOnce() itself, so it can see the deletion pending first: the
    // background dispatcher, woken by the enqueue's NOTIFY, would otherwise race it there.
    await h.app.ctx.outbox.stop();
    seller = await fakeRecipient(verified('seller'));
    mailer = await fakeRecipient(verified('mailer'));
    await h.customer('cust-del', { orders: false });
    await h.order('cust-del/A', 'cust-del', 'seller-a');
    await h.grant('cust-del', 'checkout', ['sellers_fulfilment']);
    expect((await h.release(h.keys.sellerA, { subject: 'cust-del', purpose: 'order_fulfilment', order_ref: 'cust-del/A' })).status).toBe(200);
    secrets.seller = (await h.call('PUT', '/v1/recipients/seller-a/webhook', h.admin, { url: seller.url })).body.secret;
    secrets.mailer = (await h.call('PUT', '/v1/recipients/subject-notices/webhook', h.admin, { url: mailer.url })).body.secret;
  }, 120_000);
  afterAll(async () => {
    await seller?.close();
    await mailer?.close();
    await h?.close();
  });

  it('shows the delivered deletion webhook, the seller confirmation and the delivered notices', async () => {
    const server = h.app.server;
    const { cookie, csrf } = await signedIn(server, { key: h.admin });
    const act = (rid: string, body: unknown) => server.inject({ method: 'POST', url: `/console/api/rights/${rid}/actions`, headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, payload: body as object });
    const detail = async (rid: string) => (await server.inject({ method: 'GET', url: `/console/api/rights/${rid}`, headers: { cookie } })).json();

    const filed = await h.call('POST', '/v1/subjects/cust-del/rights', h.admin, { type: 'erasure' });
    const rid = filed.body.id as string;
    for (const body of [{ action: 'verify', evidence: { method: 'in_person', reference: 'desk-12' } }, { action: 'start' }, { action: 'complete' }]) {
      expect((await act(rid, body)).statusCode).toBe(200);
    }
    let d = await detail(rid);
    expect(d.deletions).toEqual([expect.objectContaining({ recipient: 'seller-a', state: 'requested', rights_request: rid, delivery: expect.objectContaining({ state: 'pending' }) })]);

    await h.app.ctx.outbox.runOnce();
    await seller.waitFor(1);
    await mailer.waitFor(4);
    d = await detail(rid);
    expect(d.deletions[0].delivery).toMatchObject({ state: 'delivered', last_status: 200 });
    expect(d.notices.map((n: { delivery: { state: string } }) => n.delivery.state)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const texts = mailer.received.map((r) => JSON.parse(r.body) as { type: string; data: { subject: string; request: string; title: string } });
    expect(texts.every((t) => t.type === 'rights.notice' && t.data.subject === 'cust-del' && t.data.request === rid)).toBe(true);

    const confirmed = await h.call('POST', `/v1/recipients/deletions/${d.deletions[0].id}/confirm`, h.keys.sellerA);
    expect(confirmed.status).toBe(200);
    d = await detail(rid);
    expect(d.deletions[0]).toMatchObject({ state: 'confirmed', confirmed_at: expect.any(String) });
  });
});
