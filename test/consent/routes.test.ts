import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/core/consent/receipt.ts';
import { testApp, type TestApp } from '../http/app-support.ts';

describe('consent HTTP API', () => {
  let app: TestApp;
  let subjectToken: string;
  let checkoutHash: string;
  let marketingHash: string;
  /** The checkout notice naming the seller of the order (PIPA 17(2)1). */
  let sellerHash: string;
  const SELLER = 'seller-http-1';
  const both = (grant: boolean, eventId?: string) => [
    { declarationId: 'sellers_fulfilment', grant, recipientId: SELLER, ...(eventId ? { eventId } : {}) },
    { declarationId: 'sellers_fulfilment:transfer', grant, recipientId: SELLER, ...(eventId ? { eventId: `${eventId}-t` } : {}) },
  ];

  const inject = (method: 'GET' | 'POST', url: string, opts: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) =>
    app.server.inject({
      method,
      url,
      headers: { ...(opts.key === null ? {} : app.auth(opts.key)), ...(opts.headers ?? {}) },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });

  beforeAll(async () => {
    app = await testApp();
    const r = await inject('POST', '/v1/subjects', { body: { id: 'cust-100', jurisdiction: 'KR', birthDate: '1988-03-03' } });
    expect(r.statusCode).toBe(201);
    subjectToken = r.json().token;
    checkoutHash = (await inject('GET', '/v1/notices/checkout?lang=en', { key: null })).json().hash;
    marketingHash = (await inject('GET', '/v1/notices/marketing', { key: null })).json().hash;
    const m = await inject('POST', '/v1/members', { body: { id: SELLER, class: 'cn_sellers', name: 'Ningbo Harbour Trading Co., Ltd.', country: 'CN', contact: { email: 'privacy@ningbo-harbour.example' } } });
    expect(m.statusCode, m.body).toBe(201);
    sellerHash = (await inject('GET', `/v1/notices/checkout?recipient=${SELLER}`, { key: null })).json().hash;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('serves notices publicly as JSON per language and as accessible HTML', async () => {
    const en = await inject('GET', '/v1/notices/checkout?lang=en', { key: null });
    expect(en.statusCode).toBe(200);
    expect(en.json()).toMatchObject({ hash: checkoutHash, collection_point: 'checkout', lang: 'en', notice: { collectionPoint: { label: 'Checkout' } } });
    const ko = await inject('GET', '/v1/notices/checkout?lang=ko', { key: null });
    expect(ko.json().hash).toBe(checkoutHash);
    expect(ko.json().notice.collectionPoint.label).toBe('주문 결제');
    const html = await inject('GET', '/v1/notices/checkout?lang=en', { key: null, headers: { accept: 'text/html' } });
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('<html lang="en">');
    const byHash = await inject('GET', `/v1/notices/by-hash/${checkoutHash}`, { key: null });
    expect(byHash.json().notice.collectionPoint.label).toEqual({ ko: '주문 결제', en: 'Checkout' });
    const missing = await inject('GET', '/v1/notices/nowhere', { key: null });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'UNKNOWN_COLLECTION_POINT', path: 'collectionPoint' });
    expect((await inject('GET', `/v1/notices/by-hash/${'0'.repeat(64)}`, { key: null })).json().code).toBe('UNKNOWN_NOTICE');
  });

  it('grants with a subject token and returns a receipt that verifies against the public keys', async () => {
    const r = await inject('POST', '/v1/subjects/cust-100/consents', {
      key: subjectToken,
      body: { noticeHash: sellerHash, channel: 'web', decisions: both(true, 'http-order-1') },
    });
    expect(r.statusCode, r.body).toBe(201);
    const { receipt, replayed } = r.json();
    expect(replayed).toBe(false);
    const keys = (await inject('GET', '/v1/keys', { key: null })).json().keys;
    expect(verifyReceipt(receipt, keys).valid).toBe(true);
    // The receipt's leaf is in the transparency log.
    const [leaf] = await app.ctx.db.query<{ idx: number }>('SELECT idx FROM ledger_entries WHERE idx = $1', [receipt.ledger.leafIndex]);
    expect(leaf).toBeDefined();

    const retry = await inject('POST', '/v1/subjects/cust-100/consents', {
      key: subjectToken,
      body: { noticeHash: sellerHash, channel: 'web', decisions: both(true, 'http-order-1') },
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ replayed: true, receipt: { receiptId: receipt.receiptId } });

    const fetched = await inject('GET', `/v1/subjects/cust-100/receipts/${receipt.receiptId}`, { key: subjectToken });
    expect(verifyReceipt(fetched.json(), keys).valid).toBe(true);
    // Stored compact (shared parts once, by content hash), read back whole: the same receipt.
    expect(fetched.json()).toEqual(receipt);
    const [stored] = await app.ctx.db.query<{ body: string }>('SELECT body FROM consent_receipts WHERE receipt_id = $1', [receipt.receiptId]);
    expect(stored!.body).toContain('{"$part":');
    expect(stored!.body.length).toBeLessThan(JSON.stringify(receipt).length);
  });

  it('records Sec-GPC: 1 and shows state, required flags and history', async () => {
    const r = await inject('POST', '/v1/subjects/cust-100/consents', {
      key: subjectToken,
      headers: { 'sec-gpc': '1' },
      body: { noticeHash: marketingHash, decisions: [{ declarationId: 'ad_partner', grant: false }] },
    });
    expect(r.statusCode).toBe(201);
    const state = (await inject('GET', '/v1/subjects/cust-100/consents', { key: subjectToken })).json();
    expect(state.objections).toEqual(['ad_targeting']);
    expect(state.consents.map((c: any) => [c.declaration_id, c.required, c.state])).toEqual([
      ['ad_partner', false, 'withdrawn'],
      ['sellers_fulfilment', true, 'active'],
      ['sellers_fulfilment:transfer', true, 'active'],
    ]);
    expect(state.consents.map((c: any) => [c.choice, c.recipient_id, c.stale])).toEqual([
      ['provision', null, false],
      ['provision', SELLER, false],
      ['transfer', SELLER, false],
    ]);
    const hist = (await inject('GET', '/v1/subjects/cust-100/consents/history?limit=2', { key: subjectToken })).json();
    expect(hist.events.map((e: any) => e.action)).toEqual(['object', 'withdraw']);
  });

  it('withdraws in one call and the gate lookup sees it immediately', async () => {
    const r = await inject('POST', '/v1/subjects/cust-100/consents/withdraw', { key: subjectToken, body: {} });
    expect(r.statusCode).toBe(201);
    expect(app.ctx.consents.status('cust-100', 'sellers_fulfilment', SELLER, Date.now()).state).toBe('withdrawn');
    expect(app.ctx.consents.status('cust-100', 'sellers_fulfilment:transfer', SELLER, Date.now()).state).toBe('withdrawn');
  });

  it('keeps subjects to their own data and checks admin scopes', async () => {
    const other = await inject('POST', '/v1/subjects', { body: { id: 'cust-200', jurisdiction: 'EU' } });
    const otherToken = other.json().token;
    const r = await inject('GET', '/v1/subjects/cust-100/consents', { key: otherToken });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN_SUBJECT');
    expect((await inject('POST', '/v1/subjects', { key: otherToken, body: { id: 'x', jurisdiction: 'KR' } })).statusCode).toBe(403);
    const { key: readOnly } = await app.ctx.keys.create({ kind: 'admin', principal: 'auditor', scopes: ['subjects:read'], actor: 'test' });
    expect((await inject('GET', '/v1/subjects/cust-100/consents', { key: readOnly })).statusCode).toBe(200);
    const denied = await inject('POST', '/v1/subjects/cust-100/consents/withdraw', { key: readOnly, body: {} });
    expect(denied.statusCode).toBe(403);
    expect((await inject('GET', '/v1/subjects/cust-100/consents', { key: null })).statusCode).toBe(401);
  });

  it('answers bad input with a code and the path of the field', async () => {
    const cases: Array<[unknown, number, string, string]> = [
      [{ noticeHash: checkoutHash, decisions: [{ declarationId: 'nope', grant: true }] }, 422, 'UNKNOWN_DECLARATION', 'decisions[0].declarationId'],
      [{ noticeHash: checkoutHash, decisions: [{ declarationId: 'ad_partner', grant: true }] }, 422, 'DECLARATION_NOT_IN_NOTICE', 'decisions[0].declarationId'],
      [{ noticeHash: 'a'.repeat(64), decisions: [{ declarationId: 'ad_partner', grant: true }] }, 422, 'UNKNOWN_NOTICE', 'noticeHash'],
      [{ noticeHash: checkoutHash, decisions: [] }, 422, 'VALIDATION_FAILED', 'decisions'],
      [{ noticeHash: checkoutHash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true }], extra: 1 }, 422, 'VALIDATION_FAILED', ''],
    ];
    for (const [body, status, code, path] of cases) {
      const r = await inject('POST', '/v1/subjects/cust-100/consents', { key: subjectToken, body });
      expect(r.statusCode, JSON.stringify(body)).toBe(status);
      expect(r.json().code).toBe(code);
      if (path) expect(r.json().path).toBe(path);
    }
    const unknown = await inject('POST', '/v1/subjects/ghost/consents', { body: { noticeHash: checkoutHash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true }] } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_SUBJECT', path: 'id' });
    const huge = await inject('POST', '/v1/subjects/cust-100/consents', {
      key: subjectToken,
      body: { noticeHash: checkoutHash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true }], evidence: { note: 'x'.repeat(70 * 1024) } },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('BODY_TOO_LARGE');
    const kid = await inject('POST', '/v1/subjects', { body: { id: 'kid-100', jurisdiction: 'KR', birthDate: '2017-01-01', issueToken: false } });
    expect(kid.statusCode).toBe(201);
    const g = await inject('POST', '/v1/subjects/kid-100/consents', { body: { noticeHash: marketingHash, decisions: [{ declarationId: 'ad_partner', grant: true }] } });
    expect(g.statusCode).toBe(422);
    expect(g.json()).toMatchObject({ code: 'GUARDIAN_REQUIRED', path: 'guardian' });
    const dup = await inject('POST', '/v1/subjects', { body: { id: 'kid-100', jurisdiction: 'KR' } });
    expect(dup.statusCode).toBe(409);
  });

  it('hostile consent requests: never a 5xx, always a coded problem with a path, nothing half-written', async () => {
    const events = async () => Number((await app.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM consent_events'))[0]!.n);
    const valid = { noticeHash: sellerHash, decisions: both(true) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            noticeHash: fc.oneof(fc.constant(checkoutHash), fc.constant(sellerHash), fc.constant(marketingHash), fc.string()),
            channel: fc.oneof(fc.constant('web'), fc.string()),
            decisions: fc.array(
              fc.record({
                declarationId: fc.oneof(fc.constantFrom('sellers_fulfilment', 'sellers_fulfilment:transfer', 'ad_partner', 'ad_partner:transfer', 'courier_delivery'), fc.string()),
                grant: fc.oneof(fc.boolean(), fc.jsonValue()),
                recipientId: fc.option(fc.oneof(fc.constant(SELLER), fc.string()), { nil: undefined }),
                expiresAt: fc.option(fc.oneof(fc.constant('2020-01-01T00:00:00Z'), fc.string()), { nil: undefined }),
              }, { requiredKeys: ['declarationId'] }),
              { maxLength: 4 },
            ),
          }, { requiredKeys: [] }),
        ),
        async (body) => {
          const before = await events();
          const r = await app.server.inject({
            method: 'POST',
            url: '/v1/subjects/cust-100/consents',
            headers: { ...app.auth(subjectToken), 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          expect(r.statusCode).toBeLessThan(500);
          if (r.statusCode >= 400) {
            expect(r.json().code).toMatch(/^[A-Z][A-Z_]+$/);
            expect(typeof r.json().path, JSON.stringify(r.json())).toBe('string');
            expect(await events()).toBe(before);
          }
        },
      ),
      { numRuns: 150 },
    );
    // Still serving valid requests afterwards.
    expect((await inject('POST', '/v1/subjects/cust-100/consents', { key: subjectToken, body: valid })).statusCode).toBe(201);
  }, 120_000);
});
