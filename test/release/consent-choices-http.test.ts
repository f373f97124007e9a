import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startHarness, type Harness } from './harness.ts';

/**
 * Issue 16, over HTTP: the seller is named and each consent covers only that seller (PIPA 17(2)1,
 * RECIPIENT_REQUIRED); the provision and the overseas transfer are two consents (PIPA 22(1),
 * 28-8(1)1, NO_TRANSFER_CONSENT); consents to changed terms go stale (CONSENT_STALE); an event id
 * is never reused by a different event (EVENT_ID_CONFLICT), so a withdrawal is never swallowed.
 */
describe('consent choices over HTTP', () => {
  let h: Harness;
  const consent = (subject: string, body: unknown) => h.call('POST', `/v1/subjects/${subject}/consents`, h.admin, body);
  const withdraw = (subject: string, body: unknown) => h.call('POST', `/v1/subjects/${subject}/consents/withdraw`, h.admin, body);
  const noticeFor = async (seller?: string) => (await h.call('GET', `/v1/notices/checkout${seller ? `?recipient=${seller}` : ''}`, undefined)).body;
  // Each customer has an order with each seller (the harness: `<id>/A`, `<id>/B`); a later seller gets its own.
  const release = (key: string, subject: string, order = key === h.keys.sellerB ? `${subject}/B` : `${subject}/A`) =>
    h.release(key, { subject, purpose: 'order_fulfilment', order_ref: order });

  beforeAll(async () => {
    h = await startHarness();
    for (const id of ['cust-two', 'cust-named', 'cust-stale', 'cust-ids']) await h.customer(id);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('names the seller in the notice; a class grant without a member is 422 RECIPIENT_REQUIRED', async () => {
    const generic = await noticeFor();
    const named = await noticeFor('seller-a');
    expect(named.hash).not.toBe(generic.hash);
    const decl = named.notice.required.declarations.find((d: any) => d.id === 'sellers_fulfilment');
    expect(decl.recipient.member).toEqual({ id: 'seller-a', name: 'Seller A', country: 'CN', contact: {} });
    expect(decl.choices.map((c: any) => [c.id, c.kind])).toEqual([
      ['sellers_fulfilment', 'provision'],
      ['sellers_fulfilment:transfer', 'transfer'],
    ]);
    // Stored and served by its hash like every notice version.
    expect((await h.call('GET', `/v1/notices/by-hash/${named.hash}`, undefined)).status).toBe(200);
    const html = await h.app.server.inject({ method: 'GET', url: '/v1/notices/checkout?recipient=seller-a&lang=en&format=html' });
    expect(html.body).toContain('The seller of this order');
    expect((await h.call('GET', '/v1/notices/checkout?recipient=nobody', undefined)).body).toMatchObject({ code: 'UNKNOWN_RECIPIENT', path: 'recipient' });

    const missing = await consent('cust-named', { noticeHash: generic.hash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true }] });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ code: 'RECIPIENT_REQUIRED', path: 'decisions[0].recipientId' });
    // The class-wide notice does not name the seller: cite the one that does.
    const unnamed = await consent('cust-named', { noticeHash: generic.hash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-a' }] });
    expect(unnamed.body).toMatchObject({ code: 'INVALID_RECIPIENT_SCOPE', path: 'decisions[0].recipientId' });
  });

  it('a consent covers only its seller, never another one nor one registered later', async () => {
    await h.grant('cust-named', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-a' });
    expect((await release(h.keys.sellerA, 'cust-named')).status).toBe(200);
    expect((await release(h.keys.sellerB, 'cust-named')).body).toMatchObject({ code: 'NO_CONSENT' });
    const agreementVersion = h.app.ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version;
    await h.app.ctx.members.register({ id: 'seller-late', classId: 'cn_sellers', name: 'Late Seller', country: 'CN', contact: {}, agreementVersion }, 'test');
    const late = (await h.app.ctx.members.issueKey('seller-late', 'test')).key;
    await h.order('cust-named/late', 'cust-named', 'seller-late');
    expect((await release(late, 'cust-named', 'cust-named/late')).body).toMatchObject({ code: 'NO_CONSENT', article: 'PIPA 17(1)' });
  });

  it('403 NO_TRANSFER_CONSENT with the provision consent alone; the two are granted and withdrawn apart', async () => {
    await h.grant('cust-two', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-a', only: true });
    const r = await release(h.keys.sellerA, 'cust-two');
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'NO_TRANSFER_CONSENT', article: 'PIPA 28-8(1)1' });
    const g = await consent('cust-two', {
      noticeHash: (await noticeFor('seller-a')).hash,
      decisions: [{ declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: 'seller-a', eventId: 'two-transfer-1' }],
    });
    expect(g.status).toBe(201);
    expect(g.body.receipt.consents[0]).toMatchObject({ choice: 'transfer', declarationId: 'sellers_fulfilment:transfer', legalBasis: 'consent', recipient: { scope: 'seller-a', member: { name: 'Seller A' } } });
    expect((await release(h.keys.sellerA, 'cust-two')).status).toBe(200);
    // Withdrawing the transfer alone stops the release; the provision consent stays on record.
    const w = await withdraw('cust-two', { declarationIds: ['sellers_fulfilment:transfer'], eventId: 'two-transfer-off' });
    expect(w.status).toBe(201);
    expect((await release(h.keys.sellerA, 'cust-two')).body).toMatchObject({ code: 'CONSENT_WITHDRAWN' });
    const state = (await h.call('GET', '/v1/subjects/cust-two/consents', h.admin)).body.consents;
    // (The withdrawal named no seller: it is recorded for every seller and ends the scoped grant.)
    expect(state.map((c: any) => [c.declaration_id, c.choice, c.recipient_id, c.state])).toEqual([
      ['sellers_fulfilment', 'provision', 'seller-a', 'active'],
      ['sellers_fulfilment:transfer', 'transfer', null, 'withdrawn'],
      ['sellers_fulfilment:transfer', 'transfer', 'seller-a', 'withdrawn'],
    ]);
  });

  it('409 EVENT_ID_CONFLICT for a withdrawal reusing a grant’s id: nothing lost, the identical retry replays', async () => {
    const hash = (await noticeFor('seller-a')).hash;
    const body = {
      noticeHash: hash,
      decisions: [
        { declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-a', eventId: 'ids-order-1' },
        { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: 'seller-a', eventId: 'ids-order-1-t' },
      ],
    };
    expect((await consent('cust-ids', body)).status).toBe(201);
    expect((await consent('cust-ids', body)).status).toBe(200);
    const reused = await withdraw('cust-ids', { eventId: 'ids-order-1' });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ code: 'EVENT_ID_CONFLICT', path: 'eventId' });
    // A refusal under the grant's id is no retry either.
    const refusal = await consent('cust-ids', { ...body, decisions: [{ ...body.decisions[0], grant: false }] });
    expect(refusal.body).toMatchObject({ code: 'EVENT_ID_CONFLICT', path: 'decisions[0].eventId' });
    expect((await release(h.keys.sellerA, 'cust-ids')).status).toBe(200);
    const ok = await withdraw('cust-ids', { eventId: 'ids-withdraw-1' });
    expect(ok.status).toBe(201);
    expect((await withdraw('cust-ids', { eventId: 'ids-withdraw-1' })).status).toBe(200);
    // The same id naming other declarations is not the same request.
    expect((await withdraw('cust-ids', { eventId: 'ids-withdraw-1', declarationIds: ['sellers_fulfilment'] })).body).toMatchObject({ code: 'EVENT_ID_CONFLICT' });
    expect((await release(h.keys.sellerA, 'cust-ids')).body).toMatchObject({ code: 'CONSENT_WITHDRAWN' });
  });

  it('403 CONSENT_STALE after a registry changes the declaration; activation counts them, the subject is asked again', async () => {
    await h.grant('cust-stale', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-a' });
    expect((await release(h.keys.sellerA, 'cust-stale')).status).toBe(200);
    const original = h.app.ctx.registry.active!.version;
    const doc = parse(readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8'));
    doc.declarations.find((d: any) => d.id === 'sellers_fulfilment').retention = { duration: 'P1Y', from: 'contract_end' };
    const stored = await h.call('POST', '/v1/registry/versions', h.admin, { yaml: stringify(doc) });
    expect(stored.status).toBe(201);
    const activated = await h.call('POST', `/v1/registry/versions/${stored.body.version}/activate`, h.admin, {});
    expect(activated.status).toBe(200);
    expect(activated.body.stale_consents).toBeGreaterThanOrEqual(1);
    const r = await release(h.keys.sellerA, 'cust-stale');
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'CONSENT_STALE', article: 'PIPA 17(2)' });
    const state = (await h.call('GET', '/v1/subjects/cust-stale/consents', h.admin)).body.consents;
    expect(state.filter((c: any) => c.recipient_id === 'seller-a').map((c: any) => c.stale)).toEqual([true, true]);
    expect(h.app.ctx.consents.staleConsents().consents.some((c) => c.subjectId === 'cust-stale')).toBe(true);
    // Consenting to the new notice covers releases again.
    await h.grant('cust-stale', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-a' });
    expect((await release(h.keys.sellerA, 'cust-stale')).status).toBe(200);
    const back = await h.call('POST', `/v1/registry/versions/${original}/activate`, h.admin, {});
    expect(back.status).toBe(200);
  });
});
