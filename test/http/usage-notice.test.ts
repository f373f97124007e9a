import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kstDate } from '../../src/core/law/kr/usage-notice.ts';
import { DATA, startHarness, type Harness } from '../release/harness.ts';

/**
 * GET /v1/subjects/:id/usage-notice (PIPA 20-2): a subject token reads its own notice and no one
 * else's; the operator reads any. Scenario: c1 consents and seller-a receives c1's data once;
 * c2 never consents (seller-a is refused), so c2's notice lists nothing.
 */
describe('usage-notice route', () => {
  let h: Harness;
  let c1Token: string;
  let c2Token: string;
  const year = kstDate(Date.now()).slice(0, 4);
  const notice = (id: string, key: string | undefined, y: string = year) => h.call('GET', `/v1/subjects/${id}/usage-notice?year=${y}`, key);

  beforeAll(async () => {
    h = await startHarness();
    const create = async (id: string) => {
      const { token } = await h.app.ctx.subjects.create({ id, jurisdiction: 'KR', issueToken: true }, 'test');
      expect((await h.call('PUT', `/v1/subjects/${id}/data`, h.admin, DATA)).status).toBe(200);
      return token!;
    };
    c1Token = await create('c1');
    c2Token = await create('c2');
    // Each customer's order with seller-a, which the seller's release names.
    await h.order('c1/A', 'c1', 'seller-a');
    await h.order('c2/A', 'c2', 'seller-a');
    await h.grant('c1', 'checkout', ['sellers_fulfilment']);
    expect((await h.release(h.keys.sellerA, { subject: 'c1', purpose: 'order_fulfilment', order_ref: 'c1/A' })).status).toBe(200);
    expect((await h.release(h.keys.sellerA, { subject: 'c2', purpose: 'order_fulfilment', order_ref: 'c2/A' })).status).toBe(403);
  }, 120_000);

  afterAll(() => h?.close());

  it('a subject token reads its own notice: who received which items, when and on what ground', async () => {
    const r = await notice('c1', c1Token);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ format: 'consentgate.usage-notice/1', subject: 'c1', year: Number(year), article: 'PIPA 20-2', controller: { ko: '하버바자 주식회사', en: 'Harbor Bazaar Pte. Ltd.' } });
    expect(r.body.entries).toEqual([
      expect.objectContaining({
        recipient: 'seller-a',
        recipient_name: 'Seller A',
        country: 'CN',
        role: 'third_party',
        declaration_id: 'sellers_fulfilment',
        ground: 'consent',
        items: ['address', 'customs_code', 'name', 'phone'],
        dates: [kstDate(Date.now())],
        releases: 1,
      }),
    ]);
    expect(r.body.messages.en.text).toContain('Seller A (CN)');
    expect(r.body.messages.ko.text).toContain('개인통관고유부호');
    // The demo has two subjects, far below the decree's thresholds: the notice is served, and marked not due.
    expect(r.body.threshold).toMatchObject({ required: false, reason: 'BELOW_THRESHOLD', rule: 'KR.USAGE_NOTICE_THRESHOLD', threshold: 1_000_000 });
    // Never the released values; and the operator's subject count is not the customer's business.
    expect(JSON.stringify(r.body)).not.toContain(DATA.phone);
    expect(r.body.threshold.average_daily_subjects).toBeUndefined();
    expect(r.body.threshold.counted).toBeUndefined();
    expect(r.body.threshold.detail).toBe('below the thresholds of the decree');
  });

  it("a subject token cannot read another subject's notice, known or not", async () => {
    for (const other of ['c1', 'nobody']) {
      const r = await notice(other, c2Token);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'FORBIDDEN_SUBJECT', path: 'id' });
      expect(r.type).toContain('application/problem+json');
    }
    const own = await notice('c2', c2Token);
    expect(own.status).toBe(200);
    expect(own.body.entries).toEqual([]);
    expect(own.body.messages.en.text).toContain('none of your personal data was provided');
  });

  it('the operator reads any subject; a recipient key reads none', async () => {
    const admin = await notice('c2', h.admin);
    expect(admin.status).toBe(200);
    expect(admin.body.threshold).toMatchObject({ average_daily_subjects: expect.any(Number), counted: { basis: expect.any(String) } });
    expect((await notice('nobody', h.admin)).body).toMatchObject({ code: 'UNKNOWN_SUBJECT' });
    const seller = await notice('c1', h.keys.sellerA);
    expect(seller.status).toBe(403);
    expect((await notice('c1', undefined)).status).toBe(401);
  });

  it.each([
    ['1999', 'INVALID_YEAR'],
    ['2022', 'INVALID_YEAR'],
    [String(Number(year) + 1), 'INVALID_YEAR'],
    ['20x6', 'INVALID_YEAR'],
  ])('year=%s → 400 %s with its path', async (y, code) => {
    const r = await notice('c1', c1Token, y);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code, path: 'year' });
    expect(r.type).toContain('application/problem+json');
  });

  it('year missing → 400 VALIDATION_FAILED', async () => {
    const r = await h.call('GET', '/v1/subjects/c1/usage-notice', c1Token);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', path: 'query.year' });
  });
});
