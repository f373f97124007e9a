import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create.ts';
import { testConfig, type AppConfig } from '../../src/config.ts';
import { POSTGRES_URL, engines, dropTestSchema } from '../support/engines.ts';
import { startHarness, type Harness } from './harness.ts';
import { stepBody } from '../support/rights-actions.ts';

/**
 * Issue 16 over HTTP, on every storage engine: orders (NO_ORDER, no status oracle, idempotent
 * registration), the class agreement a member accepted (NO_RECIPIENT_CONTRACT), PIPC suspension
 * orders (TRANSFER_SUSPENDED), completed objection and suspension requests (SUBJECT_OBJECTED),
 * correction requests — and all of it still in force after a restart (the gate's in-memory
 * indexes are loaded from the store).
 */
describe.each(engines())('orders, agreements, suspensions and rights stops over HTTP on %s', (engine) => {
  let h: Harness;
  const schema = `cg_t_orders_${process.pid}_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'cg-orders-'));
  const config: Partial<AppConfig> = engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema, dataDir } : { dataDir };
  let agreement: string;

  beforeAll(async () => {
    h = await startHarness(config);
    agreement = h.app.ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version;
    await h.customer('cust-fine', { orders: false });
    await h.grant('cust-fine', 'checkout', ['sellers_fulfilment']);
    await h.customer('cust-withdrawn', { orders: false });
    await h.grant('cust-withdrawn', 'checkout', ['sellers_fulfilment']);
    await h.withdraw('cust-withdrawn', ['sellers_fulfilment']);
    await h.customer('cust-erased', { orders: false });
    await h.grant('cust-erased', 'checkout', ['sellers_fulfilment']);
    expect((await h.call('DELETE', '/v1/subjects/cust-erased/data', h.admin)).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await dropTestSchema(engine, schema);
  });

  const release = (key: string, body: Record<string, unknown>) => h.release(key, { purpose: 'order_fulfilment', ...body });

  it('POST /v1/orders: 201, the identical request again 200 replayed, the same id with another body 409; bad input 422 with its path', async () => {
    const body = { id: 'ORD-1', subject: 'cust-fine', recipient: 'seller-a', declarations: ['sellers_fulfilment'] };
    const first = await h.call('POST', '/v1/orders', h.admin, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'ORD-1', subject: 'cust-fine', recipient: 'seller-a', declarations: ['sellers_fulfilment'], replayed: false });
    const again = await h.call('POST', '/v1/orders', h.admin, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    const conflict = await h.call('POST', '/v1/orders', h.admin, { ...body, recipient: 'seller-b' });
    expect(conflict).toMatchObject({ status: 409, body: { code: 'ORDER_CONFLICT', path: 'id' } });
    expect((await h.call('GET', '/v1/orders/ORD-1', h.admin)).body).toMatchObject({ id: 'ORD-1', recipient: 'seller-a' });
    expect((await h.call('GET', '/v1/orders/ORD-404', h.admin)).body).toMatchObject({ code: 'ORDER_NOT_FOUND' });

    const bad = async (b: Record<string, unknown>, code: string, path: string) => {
      const r = await h.call('POST', '/v1/orders', h.admin, { id: `ORD-bad-${randomBytes(3).toString('hex')}`, subject: 'cust-fine', recipient: 'seller-a', declarations: ['sellers_fulfilment'], ...b });
      expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.body).toMatchObject({ code, path });
    };
    await bad({ subject: 'cust-nobody' }, 'UNKNOWN_SUBJECT', 'subject');
    await bad({ recipient: 'seller-zz' }, 'UNKNOWN_RECIPIENT', 'recipient');
    await bad({ recipient: 'hanbit_express' }, 'UNKNOWN_RECIPIENT', 'recipient');
    await bad({ declarations: ['courier_delivery'] }, 'ORDER_DECLARATION_MISMATCH', 'declarations.0');
    await bad({ declarations: ['no_such'] }, 'UNKNOWN_DECLARATION', 'declarations.0');
    await bad({ declarations: [] }, 'VALIDATION_FAILED', 'declarations');
    await bad({ placedAt: 'yesterday' }, 'VALIDATION_FAILED', 'placedAt');
    // Nothing was stored by the refusals.
    const [n] = await h.app.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE id LIKE 'ORD-bad-%'");
    expect(Number(n!.n)).toBe(0);
  });

  it('orders:write is the scope: a key with it may register orders, a key without it may not', async () => {
    const mk = async (scopes: string[]) => (await h.call('POST', '/v1/api-keys', h.admin, { kind: 'admin', scopes, label: 't' })).body.key as string;
    const writer = await mk(['orders:write']);
    const other = await mk(['recipients:write']);
    const body = { id: 'ORD-scope', subject: 'cust-fine', recipient: 'seller-b', declarations: ['sellers_fulfilment'] };
    expect((await h.call('POST', '/v1/orders', other, body)).body).toMatchObject({ code: 'FORBIDDEN_SCOPE' });
    expect((await h.call('POST', '/v1/orders', writer, body)).status).toBe(201);
    expect((await h.call('POST', '/v1/orders', h.keys.sellerA, body)).status).toBe(403);
  });

  it('NO_ORDER: a seller gets data only with an order of that customer with it; otherwise the same answer whatever the customer', async () => {
    expect((await release(h.keys.sellerA, { subject: 'cust-fine', order_ref: 'ORD-1' })).status).toBe(200);
    // The order was placed with seller A: seller B cannot use it.
    const answers = [
      await release(h.keys.sellerB, { subject: 'cust-fine', order_ref: 'ORD-1' }),
      await release(h.keys.sellerB, { subject: 'cust-fine' }),
      await release(h.keys.sellerB, { subject: 'cust-withdrawn', order_ref: 'ORD-1' }),
      await release(h.keys.sellerB, { subject: 'cust-erased' }),
      await release(h.keys.sellerB, { subject: 'cust-never-heard-of' }),
    ];
    // Seller A with its order for another customer: refused the same way (the message names the asking seller).
    expect((await release(h.keys.sellerA, { subject: 'cust-withdrawn', order_ref: 'ORD-1' })).body.code).toBe('NO_ORDER');
    const shape = (r: { status: number; body: Record<string, unknown> }) => {
      // Per-request identifiers aside (the decision, its leaf, the problem instance).
      const { decision_id: _d, ledger_index: _l, instance: _i, ...rest } = r.body;
      return JSON.stringify({ status: r.status, ...rest });
    };
    for (const a of answers) expect(a).toMatchObject({ status: 403, body: { code: 'NO_ORDER', article: 'PIPA 18(1)/GDPR 5(1)(b)' } });
    expect(new Set(answers.map(shape)).size, answers.map(shape).join('\n')).toBe(1);
    // Every refusal is recorded, like any decision.
    const [row] = await h.app.ctx.db.query<{ code: string }>('SELECT code FROM release_decision_records WHERE id = $1', [answers[0]!.body.decision_id]);
    expect(row!.code).toBe('NO_ORDER');

    // explain answers the seller the same way: the same code, message and trace for every customer.
    const explained = await Promise.all(
      ['cust-fine', 'cust-withdrawn', 'cust-erased', 'cust-never-heard-of'].map((subject) =>
        h.call('POST', '/v1/releases/explain', h.keys.sellerB, { subject, purpose: 'order_fulfilment', order_ref: 'ORD-1' }),
      ),
    );
    for (const e of explained) expect(e.body).toMatchObject({ allow: false, code: 'NO_ORDER' });
    expect(new Set(explained.map((e) => JSON.stringify(e.body))).size).toBe(1);
    expect(explained[0]!.body.trace.map((s: { check: string }) => s.check)).toEqual(['recipient', 'agreement', 'suspension', 'order']);
  });

  it('with an order, the customer’s own state decides again (withdrawn, erased)', async () => {
    await h.order('ORD-W', 'cust-withdrawn', 'seller-a');
    await h.order('ORD-E', 'cust-erased', 'seller-a');
    expect((await release(h.keys.sellerA, { subject: 'cust-withdrawn', order_ref: 'ORD-W' })).body.code).toBe('CONSENT_WITHDRAWN');
    expect((await release(h.keys.sellerA, { subject: 'cust-erased', order_ref: 'ORD-E' })).body.code).toBe('SUBJECT_ERASED');
  });

  it('NO_RECIPIENT_CONTRACT until the member accepts the class’s current agreement', async () => {
    const reg = (id: string, extra: Record<string, unknown>) =>
      h.call('POST', '/v1/members', h.admin, { id, class: 'cn_sellers', name: `Seller ${id}`, country: 'CN', ...extra });
    const wrong = await reg('seller-c-wrong', { agreementVersion: '1999-01' });
    expect(wrong).toMatchObject({ status: 422, body: { code: 'AGREEMENT_VERSION_MISMATCH', path: 'agreementVersion' } });
    const c = await reg('seller-c', {});
    expect(c).toMatchObject({ status: 201, body: { agreement_version: null } });
    const key = (await h.call('POST', '/v1/recipients/seller-c/keys', h.admin, {})).body.key as string;
    await h.order('ORD-C', 'cust-fine', 'seller-c');
    await h.grant('cust-fine', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-c' });
    const refused = await release(key, { subject: 'cust-fine', order_ref: 'ORD-C' });
    expect(refused).toMatchObject({ status: 403, body: { code: 'NO_RECIPIENT_CONTRACT', article: 'PIPA 28-8(4)/GDPR 46' } });
    const accepted = await h.call('POST', '/v1/members/seller-c/agreement', h.admin, { agreementVersion: agreement });
    expect(accepted).toMatchObject({ status: 200, body: { agreement_version: agreement } });
    expect((await release(key, { subject: 'cust-fine', order_ref: 'ORD-C' })).status).toBe(200);
    expect((await h.call('POST', '/v1/members/seller-c/agreement', h.admin, { agreementVersion: 'old' })).body).toMatchObject({ code: 'AGREEMENT_VERSION_MISMATCH' });
    const d = await reg('seller-d', { agreementVersion: agreement });
    expect(d).toMatchObject({ status: 201, body: { agreement_version: agreement } });
  });

  it('TRANSFER_SUSPENDED from the date of a recorded PIPC suspension order; recorded in the log, listed', async () => {
    await h.customer('cust-hk', { orders: true });
    for (const recipientId of ['seller-a', 'seller-b']) await h.grant('cust-hk', 'checkout', ['sellers_fulfilment'], { recipientId });
    expect((await release(h.keys.sellerB, { subject: 'cust-hk', order_ref: 'cust-hk/B' })).status).toBe(200);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const future = await h.call('POST', '/v1/transfer-suspensions', h.admin, { country: 'HK', effective_from: later, reference: 'PIPC 2026-77 (test)' });
    expect(future).toMatchObject({ status: 201, body: { country: 'HK', recipient: null, effective_from: later } });
    expect((await release(h.keys.sellerB, { subject: 'cust-hk', order_ref: 'cust-hk/B' })).status).toBe(200); // not yet in force
    const now = await h.call('POST', '/v1/transfer-suspensions', h.admin, { recipient: 'seller-b', effective_from: new Date(Date.now() - 1000).toISOString(), reference: 'PIPC 2026-78 (test)' });
    expect(now.status).toBe(201);
    const refused = await release(h.keys.sellerB, { subject: 'cust-hk', order_ref: 'cust-hk/B' });
    expect(refused).toMatchObject({ status: 403, body: { code: 'TRANSFER_SUSPENDED', article: 'PIPA 28-9/GDPR 58(2)(j)' } });
    expect((await release(h.keys.sellerA, { subject: 'cust-hk', order_ref: 'cust-hk/A' })).status).toBe(200); // seller A in CN is not covered
    const list = await h.call('GET', '/v1/transfer-suspensions', h.admin);
    expect(list.body.suspensions.map((s: { id: string }) => s.id)).toEqual([future.body.id, now.body.id]);
    expect((await h.call('GET', `/v1/transfer-suspensions/${now.body.id}`, h.admin)).body).toMatchObject({ recipient: 'seller-b' });
    expect((await h.call('GET', '/v1/transfer-suspensions/sus_nope', h.admin)).body).toMatchObject({ code: 'SUSPENSION_NOT_FOUND' });
    const [logged] = await h.app.ctx.db.query<{ action: string }>("SELECT action FROM admin_actions WHERE target = $1", [now.body.id]);
    expect(logged!.action).toBe('transfer.suspend');
    // Exactly one target; a recipient nobody knows is refused.
    expect((await h.call('POST', '/v1/transfer-suspensions', h.admin, { country: 'CN', recipient: 'seller-a', effective_from: later, reference: 'x' })).status).toBe(422);
    expect((await h.call('POST', '/v1/transfer-suspensions', h.admin, { effective_from: later, reference: 'x' })).status).toBe(422);
    expect((await h.call('POST', '/v1/transfer-suspensions', h.admin, { recipient: 'nobody-here', effective_from: later, reference: 'x' })).body).toMatchObject({ code: 'UNKNOWN_RECIPIENT', path: 'recipient' });

    // The PIPC lifts an order: releases flow again; the order and both log entries stay.
    const onA = await h.call('POST', '/v1/transfer-suspensions', h.admin, { recipient: 'seller-a', effective_from: new Date(Date.now() - 1000).toISOString(), reference: 'PIPC 2026-90 (test)' });
    expect((await release(h.keys.sellerA, { subject: 'cust-hk', order_ref: 'cust-hk/A' })).body.code).toBe('TRANSFER_SUSPENDED');
    const lift = (id: string, body: Record<string, unknown>) => h.call('POST', `/v1/transfer-suspensions/${id}/lift`, h.admin, body);
    const early = await lift(onA.body.id, { lifted_from: new Date(Date.parse(onA.body.effective_from) - 60_000).toISOString(), reference: 'x' });
    expect(early).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', path: 'lifted_from' } });
    const lifted = await lift(onA.body.id, { lifted_from: new Date().toISOString(), reference: 'PIPC 2026-91 (test)' });
    expect(lifted).toMatchObject({ status: 200, body: { id: onA.body.id, lift_reference: 'PIPC 2026-91 (test)', lifted_by: expect.any(String) } });
    expect((await release(h.keys.sellerA, { subject: 'cust-hk', order_ref: 'cust-hk/A' })).status).toBe(200);
    expect((await lift(onA.body.id, { lifted_from: new Date().toISOString(), reference: 'again' })).body).toMatchObject({ code: 'SUSPENSION_ALREADY_LIFTED' });
    expect((await lift('sus_nope', { lifted_from: new Date().toISOString(), reference: 'x' })).status).toBe(404);
    const actions = await h.app.ctx.db.query<{ action: string }>('SELECT action FROM admin_actions WHERE target = $1 ORDER BY leaf_index', [onA.body.id]);
    expect(actions.map((x) => x.action)).toEqual(['transfer.suspend', 'transfer.suspension_lift']);
    // The other orders are untouched.
    expect((await release(h.keys.sellerB, { subject: 'cust-hk', order_ref: 'cust-hk/B' })).body.code).toBe('TRANSFER_SUSPENDED');
    expect((await h.call('GET', `/v1/transfer-suspensions/${future.body.id}`, h.admin)).body).toMatchObject({ lifted_from: null });
  });

  it('SUBJECT_OBJECTED once an objection or suspension request is completed, for its scope only; correction is a request kind', async () => {
    await h.customer('cust-objects', { orders: true });
    await h.grant('cust-objects', 'checkout', ['sellers_fulfilment']);
    const courier = () => release(h.keys.courier, { subject: 'cust-objects' });
    expect((await courier()).status).toBe(200);
    const file = async (type: string, scope?: Record<string, string[]>) =>
      (await h.call('POST', '/v1/subjects/cust-objects/rights', h.admin, { type, ...(scope ? { scope } : {}) })).body as { id: string; article: string; type: string };
    const act = async (id: string, actions: string[]) => {
      for (const action of actions) expect((await h.call('POST', `/v1/rights/${id}/actions`, h.admin, stepBody(action))).status).toBe(200);
    };
    // A suspension request (PIPA 37) scoped to the courier's declaration: open, nothing changes.
    const suspension = await file('suspension', { declarations: ['courier_delivery'] });
    await act(suspension.id, ['verify', 'start']);
    expect((await courier()).status).toBe(200);
    await act(suspension.id, ['complete']);
    const stopped = await courier();
    expect(stopped).toMatchObject({ status: 403, body: { code: 'SUBJECT_OBJECTED', article: 'PIPA 37' } });
    // The seller is outside its scope.
    expect((await release(h.keys.sellerA, { subject: 'cust-objects', order_ref: 'cust-objects/A' })).status).toBe(200);
    // A rejected objection stops nothing; a completed one does.
    const rejected = await file('objection', { purposes: ['order_fulfilment'] });
    expect((await h.call('POST', `/v1/rights/${rejected.id}/actions`, h.admin, { action: 'reject', reason: 'the contract cannot be performed otherwise', article: 'PIPA 37(2)' })).status).toBe(200);
    expect((await release(h.keys.sellerA, { subject: 'cust-objects', order_ref: 'cust-objects/A' })).status).toBe(200);
    const objection = await file('objection', { purposes: ['order_fulfilment'] });
    await act(objection.id, ['verify', 'start', 'complete']);
    expect((await release(h.keys.sellerA, { subject: 'cust-objects', order_ref: 'cust-objects/A' })).body.code).toBe('SUBJECT_OBJECTED');

    const correction = await file('correction');
    expect(correction).toMatchObject({ type: 'correction', article: 'PIPA 36' });
    await act(correction.id, ['verify', 'start', 'complete']);
  });

  it('after a restart the gate still knows every order, agreement, suspension and completed request', async () => {
    const before = {
      ok: h.app.ctx.releases.explain('seller-a', { subject: 'cust-fine', purpose: 'order_fulfilment', orderRef: 'ORD-1' }),
      contract: h.app.ctx.releases.explain('seller-c', { subject: 'cust-fine', purpose: 'order_fulfilment', orderRef: 'ORD-C' }),
      suspended: h.app.ctx.releases.explain('seller-b', { subject: 'cust-hk', purpose: 'order_fulfilment', orderRef: 'cust-hk/B' }),
      objected: h.app.ctx.releases.explain('hanbit_express', { subject: 'cust-objects', purpose: 'order_fulfilment' }),
    };
    expect([before.ok.allow, before.contract.allow, before.suspended.code, before.objected.code]).toEqual([true, true, 'TRANSFER_SUSPENDED', 'SUBJECT_OBJECTED']);
    await h.close();
    const app = await createApp(testConfig(config));
    try {
      const ex = app.ctx.releases;
      expect(app.ctx.orders.get('ORD-1')).toEqual({ subject: 'cust-fine', recipient: 'seller-a', declarations: ['sellers_fulfilment'] });
      expect(ex.explain('seller-a', { subject: 'cust-fine', purpose: 'order_fulfilment', orderRef: 'ORD-1' }).allow).toBe(true);
      // A lifted suspension order comes back lifted (in force only inside its period).
      expect(ex.explain('seller-a', { subject: 'cust-hk', purpose: 'order_fulfilment', orderRef: 'cust-hk/A' }).allow).toBe(true);
      expect(ex.explain('seller-a', { subject: 'cust-fine', purpose: 'order_fulfilment', orderRef: 'ORD-C' }).code).toBe('NO_ORDER');
      expect(ex.explain('seller-c', { subject: 'cust-fine', purpose: 'order_fulfilment', orderRef: 'ORD-C' }).allow).toBe(true);
      expect(ex.explain('seller-b', { subject: 'cust-hk', purpose: 'order_fulfilment', orderRef: 'cust-hk/B' }).code).toBe('TRANSFER_SUSPENDED');
      expect(ex.explain('hanbit_express', { subject: 'cust-objects', purpose: 'order_fulfilment' }).code).toBe('SUBJECT_OBJECTED');
    } finally {
      await app.close();
    }
  });
});
