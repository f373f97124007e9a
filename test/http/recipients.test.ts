import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../src/app/api-keys.ts';
import { testApp, type TestApp } from './app-support.ts';
import { idKey } from '../../src/core/gate/intern.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 180_000);
afterAll(() => app?.close());

const register = (body: Record<string, unknown>, key?: string) =>
  app.server.inject({ method: 'POST', url: '/v1/members', headers: app.auth(key), payload: body });

describe('recipients and members', () => {
  it('lists the registry recipients and classes', async () => {
    const res = (await app.server.inject({ method: 'GET', url: '/v1/recipients', headers: app.auth() })).json() as {
      recipients: Array<{ id: string }>;
      classes: Array<{ id: string; countries: string[] }>;
    };
    expect(res.recipients.map((r) => r.id)).toEqual(app.ctx.registry.model!.doc.recipients.map((r) => r.id));
    expect(res.classes).toContainEqual(expect.objectContaining({ id: 'cn_sellers', countries: ['CN', 'HK'] }));
  });

  it('registers a seller under its class; the gate sees it synchronously', async () => {
    const res = await register({ id: 'seller-yiwu-toys', class: 'cn_sellers', name: 'Yiwu Toys', country: 'CN', contact: { email: 'ops@yiwu.example' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'seller-yiwu-toys', class: 'cn_sellers', country: 'CN' });
    expect(app.ctx.members.get('seller-yiwu-toys')).toEqual({ id: 'seller-yiwu-toys', key: idKey('seller-yiwu-toys'), classId: 'cn_sellers', country: 'CN', disabled: false, agreementVersion: null });
    const generated = await register({ class: 'cn_sellers', name: 'Anonymous HK', country: 'HK' });
    expect(generated.statusCode).toBe(201);
    expect(app.ctx.members.get(generated.json().id)?.country).toBe('HK');
  });

  it('refuses an unknown class, a country outside the class, and a taken id — storing nothing', async () => {
    const count = app.ctx.members.size;
    expect((await register({ class: 'martian_sellers', name: 'x', country: 'CN' })).json()).toMatchObject({ status: 422, code: 'UNKNOWN_CLASS', path: 'class' });
    expect((await register({ class: 'hanbit_express', name: 'x', country: 'KR' })).json()).toMatchObject({ status: 422, code: 'UNKNOWN_CLASS' });
    expect((await register({ class: 'cn_sellers', name: 'x', country: 'KR' })).json()).toMatchObject({ status: 422, code: 'COUNTRY_NOT_IN_CLASS', path: 'country' });
    expect((await register({ id: 'seller-yiwu-toys', class: 'cn_sellers', name: 'x', country: 'CN' })).json()).toMatchObject({ status: 409, code: 'MEMBER_EXISTS', path: 'id' });
    expect((await register({ id: 'hanbit_express', class: 'cn_sellers', name: 'x', country: 'CN' })).json()).toMatchObject({ status: 409, code: 'MEMBER_EXISTS' });
    expect((await register({ id: 'Bad Id!', class: 'cn_sellers', name: 'x', country: 'CN' })).json()).toMatchObject({ status: 422, code: 'VALIDATION_FAILED', path: 'id' });
    expect(app.ctx.members.size).toBe(count);
    expect((await app.ctx.members.list({ country: 'KR' })).length).toBe(0);
  });

  it('lists members filtered by class and country, paginated by seq', async () => {
    for (const n of [1, 2, 3]) await register({ id: `seller-page-${n}`, class: 'cn_sellers', name: `Page ${n}`, country: 'CN' });
    const cn = (await app.server.inject({ method: 'GET', url: '/v1/members?class=cn_sellers&country=CN', headers: app.auth() })).json() as { members: Array<{ country: string }> };
    expect(cn.members.length).toBeGreaterThanOrEqual(4);
    expect(cn.members.every((m) => m.country === 'CN')).toBe(true);
    const page1 = (await app.server.inject({ method: 'GET', url: '/v1/members?limit=2', headers: app.auth() })).json() as { members: Array<{ id: string }>; next_after: number };
    expect(page1.members).toHaveLength(2);
    const page2 = (await app.server.inject({ method: 'GET', url: `/v1/members?limit=2&after=${page1.next_after}`, headers: app.auth() })).json() as { members: Array<{ id: string }> };
    expect(page2.members.map((m) => m.id)).not.toContain(page1.members[0]!.id);
    expect((await app.server.inject({ method: 'GET', url: '/v1/members/seller-page-2', headers: app.auth() })).json()).toMatchObject({ name: 'Page 2' });
    expect((await app.server.inject({ method: 'GET', url: '/v1/members/nobody', headers: app.auth() })).json()).toMatchObject({ status: 404, code: 'MEMBER_NOT_FOUND' });
  });

  it("issues a member's recipient key once; it authenticates as that member with scope release", async () => {
    const res = await app.server.inject({ method: 'POST', url: '/v1/recipients/seller-yiwu-toys/keys', headers: app.auth(), payload: { label: 'prod' } });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { key: string; id: string; kind: string; principal: string; scopes: string[] };
    expect(body).toMatchObject({ kind: 'recipient', principal: 'seller-yiwu-toys', scopes: ['release'] });
    expect(body.key).toMatch(new RegExp(`^cg_recipient_${body.id}_[A-Za-z0-9_-]{43}$`));
    const v = await app.ctx.keys.verify(body.key);
    expect(v).toEqual({ ok: true, principal: { kind: 'recipient', id: 'seller-yiwu-toys', keyId: body.id, scopes: ['release'] } });
    // The listing never shows the secret again.
    const list = (await app.server.inject({ method: 'GET', url: '/v1/api-keys?principal=seller-yiwu-toys', headers: app.auth() })).body;
    expect(list).toContain(body.id);
    expect(list).not.toContain(parseKey(body.key)!.secret);
    // Fixed recipients get keys too; unknown ids do not.
    expect((await app.server.inject({ method: 'POST', url: '/v1/recipients/hanbit_express/keys', headers: app.auth() })).statusCode).toBe(201);
    expect((await app.server.inject({ method: 'POST', url: '/v1/recipients/nobody/keys', headers: app.auth() })).json()).toMatchObject({ status: 404, code: 'UNKNOWN_RECIPIENT' });
  });
});

describe('API keys', () => {
  it('creates a scoped admin key, lists it without secrets, and revocation takes effect at once', async () => {
    const created = await app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: app.auth(), payload: { kind: 'admin', scopes: ['registry:read'], label: 'dashboard' } });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json() as { key: string; id: string };
    expect((await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth(key) })).statusCode).toBe(200);

    const [row] = await app.ctx.db.query<{ secret_hash: Uint8Array }>('SELECT secret_hash FROM api_keys WHERE id = $1', [id]);
    expect(Buffer.from(row!.secret_hash).toString('base64url')).not.toBe(parseKey(key)!.secret);
    expect(Buffer.from(row!.secret_hash)).toHaveLength(32);

    const revoked = await app.server.inject({ method: 'POST', url: `/v1/api-keys/${id}/revoke`, headers: app.auth() });
    expect(revoked.json()).toMatchObject({ id, revoked_at: expect.any(String) });
    const after = await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth(key) });
    expect(after.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', detail: expect.stringMatching(/revoked/) });
    const actions = await app.ctx.db.query<{ action: string }>('SELECT action FROM admin_actions WHERE target = $1 ORDER BY leaf_index', [id]);
    expect(actions.map((a) => a.action)).toEqual(['key.create', 'key.revoke']);
  });

  it('rejects unknown scopes and principal-less subject keys with paths', async () => {
    expect((await app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: app.auth(), payload: { kind: 'admin', scopes: ['registry:read', 'root'] } })).json())
      .toMatchObject({ status: 422, code: 'UNKNOWN_SCOPE', path: 'scopes[1]' });
    expect((await app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: app.auth(), payload: { kind: 'subject' } })).json())
      .toMatchObject({ status: 422, path: 'principal' });
    const subject = await app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: app.auth(), payload: { kind: 'subject', principal: 'cust-1' } });
    expect(subject.json()).toMatchObject({ kind: 'subject', principal: 'cust-1', scopes: ['subject'] });
    expect((await app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: app.auth(), payload: { kind: 'recipient', principal: 'nobody' } })).json())
      .toMatchObject({ status: 404, code: 'UNKNOWN_RECIPIENT' });
  });

  it('the key-management scope is required to mint keys', async () => {
    const { key } = await app.ctx.keys.create({ kind: 'admin', principal: 'ops', scopes: ['recipients:write', 'recipients:read'], actor: 'test' });
    expect((await app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: app.auth(key), payload: { kind: 'admin', scopes: ['*'] } })).json())
      .toMatchObject({ status: 403, code: 'FORBIDDEN_SCOPE' });
  });
});
