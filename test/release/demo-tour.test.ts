import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/create.ts';
import { seedDemo, type DemoData } from '../../src/app/demo-seed.ts';
import { firstStart } from '../../src/app/first-start.ts';
import { testConfig } from '../../src/config.ts';

/**
 * The README tour's seller step on the seeded demo: Shenzhen Bright Gadgets gets Kim Minji's
 * order A-1001, and NO_ORDER for Park Seoyeon, who ordered from another seller only — the same
 * answer, and the same explanation, whatever her consents.
 */
describe('demo seed: orders and accepted agreements', () => {
  let app: App;
  let demo: DemoData;
  beforeAll(async () => {
    app = await createApp(testConfig());
    await firstStart(app.ctx);
    demo = (await seedDemo(app.ctx))!;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  const call = async (key: string, url: string, body: unknown) => {
    const res = await app.server.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return { status: res.statusCode, body: res.json() };
  };

  it('the tour: a release with a registered order, NO_ORDER for a customer with no order with this seller', async () => {
    const seller = demo.sellerKeys['seller-sz-gadgets']!;
    const ok = await call(seller, '/v1/releases', { subject: 'cust-kim-minji', purpose: 'order_fulfilment', order_ref: 'A-1001' });
    expect(ok.status).toBe(200);
    expect(ok.body.items.name).toBe('김민지');
    const no = await call(seller, '/v1/releases', { subject: 'cust-park-seoyeon', purpose: 'order_fulfilment' });
    expect(no).toMatchObject({ status: 403, body: { code: 'NO_ORDER' } });
    const why = await call(seller, '/v1/releases/explain', { subject: 'cust-park-seoyeon', purpose: 'order_fulfilment' });
    expect(why.body).toMatchObject({ allow: false, code: 'NO_ORDER' });
    // Her own seller has the order; she did not consent, so that seller is refused on consent.
    const own = await call(demo.sellerKeys['seller-gz-apparel']!, '/v1/releases', { subject: 'cust-park-seoyeon', purpose: 'order_fulfilment', order_ref: 'A-1003' });
    expect(own.body.code).toBe('NO_CONSENT');
    for (const id of ['seller-sz-gadgets', 'seller-gz-apparel', 'seller-hk-beauty']) {
      expect(app.ctx.members.get(id)?.agreementVersion).toBe(app.ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version);
    }
  });
});
