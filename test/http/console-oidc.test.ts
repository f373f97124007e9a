import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './app-support.ts';
import { CookieJar, freePort, signInThroughProvider, startProvider, type TestProvider } from '../support/oidc-provider.ts';

/**
 * Console sign-in through OpenID Connect (authorization code + PKCE) against a REAL OpenID
 * provider (`oidc-provider`) on a loopback port, over real HTTP: ConsentGate's start redirect,
 * the provider's login and consent pages, the callback, the console session. Refusals: a forged
 * state, a subject without an account, an unverified e-mail, a disabled account, a replayed callback.
 */
let app: TestApp;
let op: TestProvider;
let cg: string;
let aliceId: string;
let carolId: string;

beforeAll(async () => {
  const port = await freePort();
  cg = `http://127.0.0.1:${port}`;
  const redirectUri = `${cg}/console/auth/oidc/callback`;
  op = await startProvider(redirectUri, {
    'alice-sub': { email: 'alice@shop.example', email_verified: true, name: 'Alice' },
    'bob-sub': { email: 'bob@shop.example', email_verified: true },
    'carol-sub': { email: 'carol@shop.example', email_verified: true },
    'eve-sub': { email: 'dave@shop.example', email_verified: false },
  });
  app = await testApp({ oidc: { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri, allowHttp: true } });
  await app.server.listen({ port, host: '127.0.0.1' });
  aliceId = (await app.ctx.accounts.create({ login: 'alice@shop.example', displayName: 'Alice', role: 'support' }, 'test')).id;
  await app.ctx.accounts.create({ login: 'dave@shop.example', displayName: 'Dave', role: 'officer' }, 'test');
  carolId = (await app.ctx.accounts.create({ login: 'carol@shop.example', displayName: 'Carol', role: 'auditor', oidc: { issuer: op.issuer, subject: 'carol-sub' } }, 'test')).id;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await op?.close();
});

const start = () => `${cg}/console/auth/oidc/start`;

describe('OpenID Connect sign-in against a real provider', () => {
  it('starts with PKCE (S256), state and nonce, and a short-lived Lax cookie for the callback', async () => {
    const jar = new CookieJar();
    const res = await jar.fetch(start());
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(op.issuer);
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(to.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(to.searchParams.get('scope')).toBe('openid email profile');
    expect(res.headers.getSetCookie()[0]).toMatch(/^cg_oidc=[A-Za-z0-9_-]{43}; Path=\/console\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
  });

  it('signs in through the login and consent pages, links the account by verified e-mail once, then by subject', async () => {
    const first = await signInThroughProvider(start(), 'alice-sub');
    expect(first.final).toBe(`${cg}/console/`);
    // The whole way went through the provider's own pages.
    expect(first.visited.some((v) => v.startsWith(`POST ${op.issuer}/interaction/`))).toBe(true);
    expect(first.jar.get('cg_console')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = (await (await first.jar.fetch(`${cg}/console/api/session`)).json()) as { principal: unknown; account: unknown };
    expect(session.principal).toEqual({ kind: 'admin', id: aliceId, key_id: `account:${aliceId}`, scopes: ['subjects:read', 'rights:write'] });
    expect(session.account).toMatchObject({ id: aliceId, role: 'support', via: 'oidc' });
    // The session works like any other: the role's scopes, enforced by the server.
    expect((await first.jar.fetch(`${cg}/console/api/rights`)).status).toBe(200);
    expect((await first.jar.fetch(`${cg}/console/api/overview`)).status).toBe(403);
    // The link is bound to the provider's subject and recorded in the log by the account itself.
    const alice = await app.ctx.accounts.get(aliceId);
    expect(alice!.oidc).toEqual({ issuer: op.issuer, subject: 'alice-sub' });
    const [action] = await app.ctx.db.query<{ actor: string }>(`SELECT actor FROM admin_actions WHERE action = 'account.bind_oidc' AND target = $1`, [aliceId]);
    expect(action!.actor).toBe(`account:${aliceId}`);
    // Again: found by subject this time.
    const second = await signInThroughProvider(start(), 'alice-sub');
    expect(second.final).toBe(`${cg}/console/`);
    expect(((await (await second.jar.fetch(`${cg}/console/api/session`)).json()) as { account: { id: string } }).account.id).toBe(aliceId);
  }, 60_000);

  it('refuses a callback whose state was forged, without a session', async () => {
    const r = await signInThroughProvider(start(), 'alice-sub', {
      tamper: (u) => {
        const url = new URL(u);
        url.searchParams.set('state', 'forged-state-value-0123456789');
        return url.href;
      },
    });
    expect(r.final).toBe(`${cg}/console/?sign_in_error=state`);
    expect(r.jar.get('cg_console')).toBeUndefined();
  }, 60_000);

  it('refuses a subject without an account — an account is never created by signing in', async () => {
    const before = (await app.ctx.accounts.list()).length;
    const r = await signInThroughProvider(start(), 'bob-sub');
    expect(r.final).toBe(`${cg}/console/?sign_in_error=unknown_account`);
    expect(r.jar.get('cg_console')).toBeUndefined();
    expect((await app.ctx.accounts.list()).length).toBe(before);
  }, 60_000);

  it('does not link by an e-mail the provider has not verified', async () => {
    const r = await signInThroughProvider(start(), 'eve-sub');
    expect(r.final).toBe(`${cg}/console/?sign_in_error=unknown_account`);
    expect((await app.ctx.accounts.findByLogin('dave@shop.example'))!.oidc).toBeNull();
  }, 60_000);

  it('refuses a disabled account, and ends its live session', async () => {
    const ok = await signInThroughProvider(start(), 'carol-sub');
    expect(ok.final).toBe(`${cg}/console/`);
    expect((await ok.jar.fetch(`${cg}/console/api/ledger`)).status).toBe(200);
    await app.ctx.accounts.disable(carolId, 'test');
    expect((await ok.jar.fetch(`${cg}/console/api/ledger`)).status).toBe(401);
    const r = await signInThroughProvider(start(), 'carol-sub');
    expect(r.final).toBe(`${cg}/console/?sign_in_error=disabled`);
    expect(r.jar.get('cg_console')).toBeUndefined();
  }, 60_000);

  it('refuses a callback replayed, or from a browser that did not start the sign-in', async () => {
    let callback = '';
    await signInThroughProvider(start(), 'alice-sub', { tamper: (u) => (callback = u) });
    // The callback has been used: the same URL again (same browser cookies or none) is refused.
    const other = new CookieJar();
    const res = await other.fetch(callback);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console/?sign_in_error=expired');
    expect(other.get('cg_console')).toBeUndefined();
  }, 60_000);
});
