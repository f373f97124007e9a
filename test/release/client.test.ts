import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentGateClient, ConsentGateError } from '../../src/client/index.ts';
import { DATA, startHarness, type Harness } from './harness.ts';

/** The TypeScript client against a real server listening on loopback. */
describe('consentgate/client', () => {
  let h: Harness;
  let base: string;
  const client = (key: string) => new ConsentGateClient({ baseUrl: base + '/', apiKey: key });
  const failure = async (p: Promise<unknown>): Promise<ConsentGateError> => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ConsentGateError);
    return e as ConsentGateError;
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.app.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.server.address() as { port: number }).port}`;
    await h.customer('cust-c1');
    await h.grant('cust-c1', 'checkout', ['sellers_fulfilment']);
    await h.customer('cust-c2', { jurisdiction: 'EU', data: { email: 'c2@mail.example', order_history: '[]', browsing_history: '[]' } });
    await h.grant('cust-c2', 'marketing', ['ad_partner']);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('releases, explains and redeems for a recipient', async () => {
    const seller = client(h.keys.sellerA);
    const r = await seller.release({ subject: 'cust-c1', purpose: 'order_fulfilment', order_ref: 'cust-c1/A', items: ['name', 'phone'] });
    expect(r.items.name).toBe(DATA.name);
    expect(r.forms).toEqual({ name: 'plain', phone: 'safe_number' });
    expect(r.ledger_index).toBeGreaterThanOrEqual(0);
    const e = await seller.explain({ subject: 'cust-c1', purpose: 'order_fulfilment', order_ref: 'cust-c1/A' });
    expect(e.allow).toBe(true);
    expect(e.trace.length).toBeGreaterThan(3);
    const ads = client(h.keys.adreach);
    const t = await ads.release({ subject: 'cust-c2', purpose: 'ad_targeting', items: ['email'] });
    const red = await ads.redeem(t.items.email as string);
    expect(red).toMatchObject({ category: 'email', value: 'c2@mail.example' });
  });

  it('surfaces refusals as typed errors with code, article and the decision record', async () => {
    const e = await failure(client(h.keys.sellerB).release({ subject: 'cust-c1', purpose: 'payment' }));
    // A seller is told nothing that depends on the customer before its order is checked: both laws' article.
    expect(e).toMatchObject({ status: 403, code: 'UNDECLARED_PURPOSE', article: 'PIPA 18(1)/GDPR 5(1)(b)' });
    expect(e.decisionId).toMatch(/^dec_/);
    expect(typeof e.ledgerIndex).toBe('number');
    expect(e.isDenial).toBe(true);
    const bad = await failure(client(h.keys.sellerA).release({ subject: 'cust-c1', purpose: 'order_fulfilment', items: ['name', ''] }));
    expect(bad).toMatchObject({ status: 422, code: 'VALIDATION_FAILED', path: 'items[1]' });
    expect(bad.isDenial).toBe(false);
    const unauth = await failure(client('not-a-key').release({ subject: 'cust-c1', purpose: 'order_fulfilment' }));
    expect(unauth).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const stolen = await failure(client(h.keys.courier).redeem('cgt_' + 'b'.repeat(32)));
    expect(stolen).toMatchObject({ status: 404, code: 'TOKEN_NOT_FOUND' });
  });

  it('takes a customer from sign-up to a seller release, all through the client', async () => {
    const op = client(h.admin);
    const created = await op.subjects.create({ id: 'cust-tour', jurisdiction: 'KR' });
    expect(created.token).toBeTruthy();
    await op.subjects.putData('cust-tour', { name: '이영희', phone: '010-2222-3333', address: '부산광역시 해운대구 1', customs_code: 'P000011112222' });
    const seller = client(h.keys.sellerA);
    // No order with this seller yet: NO_ORDER. The marketplace registers the order (idempotent on its id).
    expect((await failure(seller.release({ subject: 'cust-tour', purpose: 'order_fulfilment', order_ref: 'T-1' }))).code).toBe('NO_ORDER');
    const order = await op.orders.register({ id: 'T-1', subject: 'cust-tour', recipient: 'seller-a', declarations: ['sellers_fulfilment'] });
    expect(order).toMatchObject({ id: 'T-1', recipient: 'seller-a', replayed: false });
    expect(await op.orders.register({ id: 'T-1', subject: 'cust-tour', recipient: 'seller-a', declarations: ['sellers_fulfilment'] })).toEqual({ ...order, replayed: true });
    expect((await failure(op.orders.register({ id: 'T-1', subject: 'cust-tour', recipient: 'seller-b', declarations: ['sellers_fulfilment'] }))).code).toBe('ORDER_CONFLICT');
    expect((await op.orders.get('T-1')).subject).toBe('cust-tour');
    expect((await failure(seller.release({ subject: 'cust-tour', purpose: 'order_fulfilment', order_ref: 'T-1' }))).code).toBe('NO_CONSENT');
    // The notice naming the seller of the order; the customer consents with its own key to the
    // provision and, apart, to the transfer abroad — both scoped to that seller.
    const notice = await op.consents.notice('checkout', 'en', 'seller-a');
    const self = client(created.token!);
    const g = await self.consents.grant('cust-tour', {
      noticeHash: notice.hash,
      decisions: [
        { declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-a' },
        { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: 'seller-a' },
      ],
    });
    expect(g.replayed).toBe(false);
    expect((await op.consents.list('cust-tour')).consents).toContainEqual(expect.objectContaining({ declaration_id: 'sellers_fulfilment', state: 'active' }));
    const r = await seller.release({ subject: 'cust-tour', purpose: 'order_fulfilment', order_ref: 'T-1' });
    expect(r.items).toMatchObject({ name: '이영희', customs_code: 'P000011112222' });
    await self.consents.withdraw('cust-tour', { declarationIds: ['sellers_fulfilment'] });
    expect((await failure(seller.release({ subject: 'cust-tour', purpose: 'order_fulfilment', order_ref: 'T-1' }))).code).toBe('CONSENT_WITHDRAWN');
  });

  it('manages vault data and reads the registry for an operator', async () => {
    const op = client(h.admin);
    expect((await op.registry.active()).hash).toBe(h.app.ctx.registry.model!.hash);
    await h.app.ctx.subjects.create({ id: 'cust-c3', jurisdiction: 'KR', issueToken: false }, 'test');
    expect(await op.subjects.putData('cust-c3', { name: '김철수', phone: '010-9876-5432' })).toEqual({ subject: 'cust-c3', stored: ['name', 'phone'], removed: [] });
    const d = await op.subjects.describeData('cust-c3');
    expect(d.items.map((i) => i.category)).toEqual(['name', 'phone']);
    const unknown = await failure(op.subjects.putData('cust-c3', { shoe_size: '270' }));
    expect(unknown).toMatchObject({ status: 400, code: 'UNKNOWN_CATEGORY', path: 'shoe_size' });
    expect((await op.subjects.eraseData('cust-c3')).erased).toBe(true);
    expect((await op.subjects.describeData('cust-c3')).erased).toBe(true);
    const erased = await failure(client(h.keys.courier).release({ subject: 'cust-c3', purpose: 'order_fulfilment' }));
    expect(erased.code).toBe('SUBJECT_ERASED');
  });
});
