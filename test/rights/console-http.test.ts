import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../http/app-support.ts';
import { signedIn } from '../support/web-session.ts';

/**
 * The console's rights-request and report routes over HTTP: who may read and who may act (the
 * support role: subjects:read + rights:write; an auditor: read-only), CSRF, the legal requirements
 * as problem codes with paths, the notices the customer sees, and report exports in the log.
 */
let app: TestApp;
let krKey: string;

beforeAll(async () => {
  app = await testApp({ rights: { allowHttpWebhooks: true, webhookAllow: ['127.0.0.1'], sweepMs: 0 } });
  krKey = (await app.ctx.subjects.create({ id: 'cust-kr', jurisdiction: 'KR', issueToken: true }, 'test')).token!;
  await app.ctx.subjects.create({ id: 'cust-eu', jurisdiction: 'EU', issueToken: true }, 'test');
}, 120_000);
afterAll(async () => {
  await app?.close();
});

async function keyWith(scopes: string[]): Promise<{ key: string; id: string }> {
  const { key, view } = await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes, actor: 'test' });
  return { key, id: view.id };
}

async function signIn(path: '/console' | '/privacy', key: string) {
  const s = await signedIn(app.server, { key }, { path });
  return { get: s.get, post: (url: string, payload: unknown, withCsrf = true) => s.post(url, payload, { csrf: withCsrf }) };
}

const file = (subject: string, type: string) => app.ctx.rights.receive(subject, { type: type as 'access' }, 'test');
const EVIDENCE = { method: 'mobile_identity', reference: 'ticket-4711' };

describe('console rights requests', () => {
  it('lets the support role read and act, refuses a read-only role and a missing CSRF token', async () => {
    const support = await keyWith(['subjects:read', 'rights:write']);
    const auditor = await keyWith(['subjects:read', 'reports:read', 'ledger:read']);
    const r = await file('cust-kr', 'access');
    const s = await signIn('/console', support.key);
    const a = await signIn('/console', auditor.key);

    expect((await a.get(`/console/api/rights/${r.id}`)).statusCode).toBe(200);
    const refused = await a.post(`/console/api/rights/${r.id}/actions`, { action: 'start' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('FORBIDDEN_SCOPE');
    const noCsrf = await s.post(`/console/api/rights/${r.id}/actions`, { action: 'verify', evidence: EVIDENCE }, false);
    expect(noCsrf.json().code).toBe('CSRF_FAILED');
    expect((await app.ctx.rights.get(r.id)).state).toBe('received');

    const ok = await s.post(`/console/api/rights/${r.id}/actions`, { action: 'verify', evidence: EVIDENCE });
    expect(ok.statusCode).toBe(200);
    // The actor is the session's key id; the evidence is kept with the request.
    expect(ok.json().history.at(-1)).toMatchObject({ action: 'verify', actor: support.id, evidence: EVIDENCE });
    // The log names the method but not the case reference.
    const entries = (await app.ctx.db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries')).map((e) => Buffer.from(e.entry).toString());
    const logged = entries.filter((e) => e.includes(r.id) && e.includes('"action":"verify"'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ actor: support.id, evidence_method: 'mobile_identity' });
    expect(logged[0]).not.toContain('ticket-4711');
  });

  it('orders the queue by statutory deadline: open requests first, nearest due first', async () => {
    const eu = await file('cust-eu', 'erasure'); // one month
    const kr = await file('cust-kr', 'erasure'); // ten days
    const s = await signIn('/console', app.adminKey);
    const q = (await s.get('/console/api/rights/queue')).json().requests as Array<{ id: string; state: string; due_date: string }>;
    expect(q.findIndex((x) => x.id === kr.id)).toBeLessThan(q.findIndex((x) => x.id === eu.id));
    const open = q.filter((x) => x.state !== 'completed' && x.state !== 'rejected');
    expect(open.map((x) => x.due_date)).toEqual([...open.map((x) => x.due_date)].sort());
    expect(q.slice(0, open.length)).toEqual(open);
  });

  it('answers each legal requirement with its problem code and path', async () => {
    const s = await signIn('/console', app.adminKey);
    const kr = await file('cust-kr', 'erasure');
    const act = (id: string, body: unknown) => s.post(`/console/api/rights/${id}/actions`, body);
    const badRef = await act(kr.id, { action: 'verify', evidence: { method: 'id_document', reference: '김민지 주민번호' } });
    expect(badRef.statusCode).toBe(400);
    expect(badRef.json()).toMatchObject({ code: 'RIGHTS_EVIDENCE_REQUIRED', errors: [expect.objectContaining({ path: 'evidence.reference' })] });
    // No evidence at all is refused by the body's schema, before the core.
    expect((await act(kr.id, { action: 'verify' })).json()).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    const wrongLaw = await act(kr.id, { action: 'reject', reason: 'legal hold', article: 'GDPR 17(3)(b)' });
    expect(wrongLaw.statusCode).toBe(400);
    expect(wrongLaw.json()).toMatchObject({ code: 'RIGHTS_GROUND_REQUIRED', errors: [expect.objectContaining({ path: 'article' })] });
    expect(wrongLaw.json().allowed).toEqual(['PIPA 38(1)', 'PIPA 36(1)']);
    const krExtend = await act(kr.id, { action: 'extend', reason: 'many sellers' });
    expect(krExtend.statusCode).toBe(409);
    expect(krExtend.json().code).toBe('RIGHTS_EXTENSION_NOT_AVAILABLE');
    const skipped = await act(kr.id, { action: 'complete' });
    expect(skipped.json()).toMatchObject({ code: 'RIGHTS_INVALID_TRANSITION', allowed: ['verify', 'reject', 'extend'] });

    const eu = await file('cust-eu', 'erasure');
    const first = await act(eu.id, { action: 'extend', reason: 'hundreds of sellers to contact' });
    expect(first.statusCode).toBe(200);
    expect(first.json().deadline).toMatchObject({ extended: true });
    expect((await act(eu.id, { action: 'extend', reason: 'still more' })).json().code).toBe('RIGHTS_ALREADY_EXTENDED');
    const detail = (await s.get(`/console/api/rights/${eu.id}`)).json();
    expect(detail.extension_available).toBe(false);
    expect(detail.refusal_grounds.map((g: { article: string }) => g.article)).toContain('GDPR 17(3)(b)');
    const rejected = await act(eu.id, { action: 'reject', reason: 'tax records must be kept', article: 'GDPR 17(3)(b)' });
    expect(rejected.json()).toMatchObject({ state: 'rejected', rejection_article: 'GDPR 17(3)(b)', rejection_reason: 'tax records must be kept' });
  });

  it('tells the customer at each step, in Korean for a Korean subject, in the privacy centre and through the subject-notice webhook', async () => {
    const hook = await app.server.inject({ method: 'PUT', url: '/v1/recipients/subject-notices/webhook', headers: { ...app.auth(), 'content-type': 'application/json' }, payload: { url: 'http://127.0.0.1:9/notices' } });
    expect(hook.statusCode).toBe(200);
    const s = await signIn('/console', app.adminKey);
    const r = await file('cust-kr', 'access');
    for (const body of [{ action: 'verify', evidence: EVIDENCE }, { action: 'start' }, { action: 'complete' }]) {
      expect((await s.post(`/console/api/rights/${r.id}/actions`, body)).statusCode).toBe(200);
    }
    const detail = (await s.get(`/console/api/rights/${r.id}`)).json();
    expect(detail.notices.map((n: { action: string }) => n.action)).toEqual(['receive', 'verify', 'start', 'complete']);
    expect(detail.notices.every((n: { lang: string; delivery: { state: string } | null }) => n.lang === 'ko' && n.delivery?.state === 'pending')).toBe(true);
    const queued = await app.ctx.db.query<{ body: string; topic: string }>("SELECT body, topic FROM outbox_messages WHERE id = $1", [detail.notices[3].id]);
    expect(queued[0]).toMatchObject({ topic: 'rights.notice' });
    expect(JSON.parse(queued[0]!.body).data).toMatchObject({ subject: 'cust-kr', request: r.id, lang: 'ko' });

    const me = await signIn('/privacy', krKey);
    const notices = (await me.get('/privacy/api/notices')).json().notices as Array<{ request: string; title: string; text: string; lang: string }>;
    const mine = notices.filter((n) => n.request === r.id);
    expect(mine).toHaveLength(4);
    expect(mine[0]!.title).toBe('개인정보 열람 요구를 처리했습니다');
    // No English in a Korean notice (the operator's legal name aside).
    for (const n of mine) expect(n.text.replace('Harbor Bazaar Pte. Ltd.', '').replace(/PIPA \d+(-\d+)?/g, '')).not.toMatch(/[A-Za-z]{3,}/);
  });
});

describe('console report downloads', () => {
  it('exports each document as an attachment, records who exported what, and needs reports:read', async () => {
    const auditor = await keyWith(['reports:read']);
    const support = await keyWith(['subjects:read', 'rights:write']);
    const a = await signIn('/console', auditor.key);
    const q = (kind: string, format: string, extra = '') => `/console/api/report-exports?kind=${kind}&format=${format}&from=2026-01-01&to=2026-12-31${extra}`;

    expect((await (await signIn('/console', support.key)).get(q('regulator', 'html'))).json().code).toBe('FORBIDDEN_SCOPE');

    const csv = await a.get(q('transfers', 'csv', '&lang=ko&tz=Asia/Seoul'));
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="consentgate-transfer-register-2026-01-01_2026-12-31.csv"');
    const html = await a.get(q('ropa', 'html'));
    expect(html.headers['content-disposition']).toMatch(/^attachment; filename="consentgate-ropa-2026-01-01_2026-12-31\.html"$/);
    expect(html.body).toContain('<title>Records of processing activities');
    const prov = await a.get(q('provisions', 'csv'));
    expect(prov.statusCode).toBe(200);
    const breach = await a.get(q('breach', 'html', '&lang=ko'));
    expect(breach.statusCode).toBe(200);
    expect(breach.body).toContain('<title>개인정보 유출 영향 평가서');
    const full = await a.get(q('regulator', 'csv'));
    expect(full.statusCode).toBe(200);
    expect(full.body.length).toBeGreaterThan(prov.body.length);

    const badZone = await a.get(q('regulator', 'html', '&tz=Mars/Olympus'));
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json()).toMatchObject({ code: 'INVALID_TIME_ZONE', errors: [expect.objectContaining({ path: 'tz' })] });
    const backwards = await a.get('/console/api/report-exports?kind=ropa&format=html&from=2026-12-31&to=2026-01-01');
    expect(backwards.json().code).toBe('INVALID_PERIOD');

    const logged = await app.ctx.db.query<{ actor: string; target: string }>("SELECT actor, target FROM admin_actions WHERE action = 'report.export' ORDER BY leaf_index");
    expect(logged).toEqual([
      { actor: auditor.id, target: 'transfers' },
      { actor: auditor.id, target: 'ropa' },
      { actor: auditor.id, target: 'provisions' },
      { actor: auditor.id, target: 'breach' },
      { actor: auditor.id, target: 'regulator' },
    ]);
    const entries = (await app.ctx.db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries')).map((e) => Buffer.from(e.entry).toString());
    const first = entries.map((e) => JSON.parse(e) as Record<string, unknown>).find((e) => e.action === 'report.export');
    expect(first).toMatchObject({ actor: auditor.id, target: 'transfers', facts: { kind: 'transfers', format: 'csv', from: '2026-01-01', to: '2026-12-31', time_zone: 'Asia/Seoul', lang: 'ko' } });

    // The breach form for one compromised recipient class, discovered on a given day.
    const scoped = await a.get(q('breach', 'csv', '&recipient=cn_sellers&discovered_at=2026-06-01'));
    expect(scoped.statusCode).toBe(200);
    expect(scoped.headers['content-disposition']).toBe('attachment; filename="consentgate-breach-2026-06-01.csv"');
    const unknown = await a.get(q('breach', 'csv', '&recipient=nobody'));
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_RECIPIENT' });
  });
});
