import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../src/app/api-keys.ts';
import { testApp, type TestApp } from '../http/app-support.ts';
import { signInSession } from '../support/web-session.ts';

/**
 * The console and privacy-centre sessions over HTTP (no browser): cookie flags, CSRF, origin
 * checks, key kinds, revocation, sign-out, and that the session APIs answer only with a session.
 */
let app: TestApp;
let subjectKey: string;

beforeAll(async () => {
  app = await testApp();
  const created = await app.ctx.subjects.create({ id: 'cust-session', jurisdiction: 'KR', issueToken: true }, 'test');
  subjectKey = created.token!;
});
afterAll(async () => {
  await app?.close();
});

const json = { 'content-type': 'application/json', host: 'cg.test' };

const signIn = (path: '/console' | '/privacy', key: string, headers: Record<string, string> = {}) => signInSession(app.server, { key }, { path, headers });

describe('console session', () => {
  it('sets an HttpOnly, SameSite=Strict cookie scoped to /console with a random id, and no key in it', async () => {
    const a = await signIn('/console', app.adminKey);
    const b = await signIn('/console', app.adminKey);
    expect(a.res.statusCode).toBe(200);
    expect(a.setCookie).toMatch(/^cg_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(a.setCookie).not.toContain('Secure'); // plain HTTP here; Secure is added over TLS
    expect(a.cookie).not.toBe(b.cookie);
    // The whole secret (base64url, so it may itself contain '_'), not one '_'-separated piece of it.
    expect(a.setCookie).not.toContain(parseKey(app.adminKey)!.secret);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('marks the cookie Secure when the request came over TLS', async () => {
    const https = await createTlsProbe();
    expect(https).toContain('Secure');
  });

  it('answers the console API only with a live session', async () => {
    const none = await app.server.inject({ method: 'GET', url: '/console/api/overview' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('NO_SESSION');
    const forged = await app.server.inject({ method: 'GET', url: '/console/api/overview', headers: { cookie: 'cg_console=' + 'A'.repeat(43) } });
    expect(forged.statusCode).toBe(401);
    const s = await signIn('/console', app.adminKey);
    const ok = await app.server.inject({ method: 'GET', url: '/console/api/overview', headers: { cookie: s.cookie } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().registry.operator).toBe('Harbor Bazaar Pte. Ltd.');
  });

  it('refuses a state-changing request without the CSRF token, with a wrong one, or from another origin', async () => {
    const s = await signIn('/console', app.adminKey);
    const del = (headers: Record<string, string>) => app.server.inject({ method: 'DELETE', url: '/console/api/session', headers: { cookie: s.cookie, host: 'cg.test', ...headers } });
    expect((await del({})).json().code).toBe('CSRF_FAILED');
    expect((await del({ 'x-csrf-token': s.csrf.slice(0, -1) + (s.csrf.endsWith('A') ? 'B' : 'A') })).statusCode).toBe(403);
    expect((await del({ 'x-csrf-token': s.csrf, origin: 'https://evil.example' })).json().code).toBe('CSRF_FAILED');
    // Still signed in after the refused attempts.
    expect((await app.server.inject({ method: 'GET', url: '/console/api/session', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    const out = await del({ 'x-csrf-token': s.csrf, origin: 'http://cg.test' });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await app.server.inject({ method: 'GET', url: '/console/api/session', headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it('refuses a cross-origin sign-in and keys of the wrong kind, with one message', async () => {
    expect((await signIn('/console', app.adminKey, { origin: 'https://evil.example' })).res.statusCode).toBe(403);
    const wrongKind = await signIn('/console', subjectKey);
    expect(wrongKind.res.statusCode).toBe(401);
    expect(wrongKind.res.json().code).toBe('SIGN_IN_FAILED');
    const garbage = await signIn('/console', 'cg_admin_0123456789abcdef_' + 'x'.repeat(43));
    expect(garbage.res.json().detail).toBe(wrongKind.res.json().detail);
  });

  it('ends the session when its key is revoked', async () => {
    const { key, view } = await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['registry:read'], actor: 'test' });
    const s = await signIn('/console', key);
    expect((await app.server.inject({ method: 'GET', url: '/console/api/overview', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    // A key with fewer scopes sees only what its scopes allow.
    expect((await app.server.inject({ method: 'GET', url: '/console/api/ledger', headers: { cookie: s.cookie } })).statusCode).toBe(403);
    await app.ctx.keys.revoke(view.id, 'test');
    const after = await app.server.inject({ method: 'GET', url: '/console/api/overview', headers: { cookie: s.cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toContain('revoked');
  });
});

describe('privacy-centre session', () => {
  it('signs in with a subject key only and shows only that subject', async () => {
    expect((await signIn('/privacy', app.adminKey)).res.statusCode).toBe(401);
    const s = await signIn('/privacy', subjectKey);
    expect(s.setCookie).toContain('Path=/privacy');
    const me = await app.server.inject({ method: 'GET', url: '/privacy/api/consents', headers: { cookie: s.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().subject.id).toBe('cust-session');
    // The console cookie name is not the privacy cookie: one session does not open the other.
    const cross = await app.server.inject({ method: 'GET', url: '/console/api/overview', headers: { cookie: s.cookie.replace('cg_privacy', 'cg_console') } });
    expect(cross.statusCode).toBe(401);
  });

  it('needs the CSRF token to withdraw', async () => {
    const s = await signIn('/privacy', subjectKey);
    const res = await app.server.inject({ method: 'POST', url: '/privacy/api/consents/withdraw', headers: { ...json, cookie: s.cookie }, payload: { declarationId: 'sellers_fulfilment' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CSRF_FAILED');
  });
});

describe('static pages', () => {
  it('serves the pages with a CSP that allows only their own import map inline', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/console/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('lets marketplaces load the widget script cross-origin, and serves nothing outside web/', async () => {
    const w = await app.server.inject({ method: 'GET', url: '/widget/consentgate-widget.js' });
    expect(w.statusCode).toBe(200);
    expect(w.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(w.body).toContain("customElements.define('consent-gate-widget'");
    for (const url of ['/console/../package.json', '/vendor/../../package.json', '/shared/%2e%2e/%2e%2e/package.json', '/console/nope.js']) {
      expect((await app.server.inject({ method: 'GET', url })).statusCode).toBe(404);
    }
    const vendored = await app.server.inject({ method: 'GET', url: '/vendor/preact.mjs' });
    expect(vendored.statusCode).toBe(200);
    expect(vendored.headers['content-type']).toContain('javascript');
  });
});

describe('widget seller lookup', () => {
  it('names a registered seller and its country, nothing else; unknown ids are 404', async () => {
    await app.ctx.members.register({ id: 'seller-lookup', classId: 'cn_sellers', name: 'Lookup Trading', country: 'HK', contact: { email: 'x@lookup.example' } }, 'test');
    const ok = await app.server.inject({ method: 'GET', url: '/widget/api/recipients/seller-lookup' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ id: 'seller-lookup', name: 'Lookup Trading', country: 'HK', class_id: 'cn_sellers' });
    expect((await app.server.inject({ method: 'GET', url: '/widget/api/recipients/nobody' })).statusCode).toBe(404);
  });
});

/** Signs in through a TLS request (fastify sees `https`) and returns the Set-Cookie header. */
async function createTlsProbe(): Promise<string> {
  const { SessionStore } = await import('../../src/http/session.ts');
  const store = new SessionStore({ cookie: 'probe', path: '/p', kind: 'admin', ttlMs: 60_000, idleMs: 60_000 }, (t) => app.ctx.keys.verify(t));
  const headers: Record<string, string> = {};
  const reply = { header: (k: string, v: string) => void (headers[k] = v) };
  const request = { protocol: 'https', headers: {}, method: 'POST' };
  await store.signIn(request as never, reply as never, app.adminKey);
  return headers['set-cookie'] ?? '';
}
