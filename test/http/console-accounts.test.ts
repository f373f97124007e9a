import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './app-support.ts';
import { signInSession, type WebSession } from '../support/web-session.ts';
import { verifyPassword } from '../../src/core/accounts/password.ts';

/**
 * People in the console (issue 19): password sign-in, roles enforced by the server on the
 * console API, role changes and disabling effective on the next request of a live session, and
 * every account change in the transparency log with the acting person's account id.
 */
let app: TestApp;
let officerId: string;
const OFFICER = { login: 'Officer@Shop.example', password: 'correct horse battery staple' };

beforeAll(async () => {
  app = await testApp();
  officerId = (await app.ctx.accounts.create({ login: OFFICER.login, displayName: 'Olivia Officer', role: 'officer', password: OFFICER.password }, 'test')).id;
});
afterAll(async () => {
  await app?.close();
});

const json = { 'content-type': 'application/json', host: 'cg.test' };

const signIn = (body: Record<string, string>) => signInSession(app.server, body);
type S = WebSession;
const get = (s: S, url: string) => app.server.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
const post = (s: S, url: string, payload: unknown) => app.server.inject({ method: 'POST', url, headers: { ...json, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: payload as Record<string, unknown> });

describe('password sign-in', () => {
  it('opens a console session for the account: principal account:<id>, scopes of its role', async () => {
    const s = await signIn({ login: 'officer@shop.EXAMPLE', password: OFFICER.password });
    expect(s.res.statusCode).toBe(200);
    const body = s.res.json();
    expect(body.principal).toEqual({ kind: 'admin', id: officerId, key_id: `account:${officerId}`, scopes: ['*'] });
    expect(body.account).toMatchObject({ id: officerId, login: 'officer@shop.example', display_name: 'Olivia Officer', role: 'officer', via: 'password' });
    expect(String(s.res.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict$/);
    expect((await get(s, '/console/api/session')).json().account.role).toBe('officer');
  });

  it('refuses a wrong password and an unknown login with one answer', async () => {
    const wrong = await signIn({ login: OFFICER.login, password: 'not the password at all' });
    const unknown = await signIn({ login: 'nobody@shop.example', password: OFFICER.password });
    for (const r of [wrong, unknown]) {
      expect(r.res.statusCode).toBe(401);
      expect(r.res.json().code).toBe('SIGN_IN_FAILED');
      expect(r.res.headers['set-cookie']).toBeUndefined();
    }
    expect(wrong.res.json().detail).toBe(unknown.res.json().detail);
  });

  it('stores a self-describing scrypt hash with its own salt, never the password', async () => {
    const rows = await app.ctx.db.query<{ password_hash: string }>('SELECT password_hash FROM console_accounts WHERE id = $1', [officerId]);
    const stored = rows[0]!.password_hash;
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(OFFICER.password);
    expect(await verifyPassword(OFFICER.password, stored)).toBe(true);
    expect(await verifyPassword(OFFICER.password + ' ', stored)).toBe(false);
    const other = await app.ctx.accounts.create({ login: 'same-password', displayName: 'Same', role: 'auditor', password: OFFICER.password }, 'test');
    const [row] = await app.ctx.db.query<{ password_hash: string }>('SELECT password_hash FROM console_accounts WHERE id = $1', [other.id]);
    expect(row!.password_hash.split('$')[4]).not.toBe(stored.split('$')[4]);
    expect(row!.password_hash.split('$')[5]).not.toBe(stored.split('$')[5]);
  });

  it('counts failed password sign-ins against the per-address failed-authentication budget', async () => {
    const strict = await testApp({ authFailLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      await strict.ctx.accounts.create({ login: 'a@b.example', displayName: 'A', role: 'officer', password: OFFICER.password }, 'test');
      const attempt = (password: string) => strict.server.inject({ method: 'POST', url: '/console/api/session', headers: json, payload: { login: 'a@b.example', password } });
      for (let i = 0; i < 3; i++) expect((await attempt('wrong password ' + i)).statusCode).toBe(401);
      const locked = await attempt('wrong password 4');
      expect(locked.statusCode).toBe(429);
      // The right password too, while the address is over its budget.
      expect((await attempt(OFFICER.password)).statusCode).toBe(429);
    } finally {
      await strict.close();
    }
  });
});

describe('roles on the console API', () => {
  let officer: S;
  let auditorId: string;
  let auditor: S;

  beforeAll(async () => {
    officer = await signIn({ login: OFFICER.login, password: OFFICER.password });
  });

  it('an officer adds an auditor; the log names the acting account, not the login', async () => {
    const res = await post(officer, '/console/api/accounts', { login: 'audrey@shop.example', display_name: 'Audrey Auditor', role: 'auditor', password: 'auditor password 1' });
    expect(res.statusCode).toBe(201);
    const a = res.json();
    auditorId = a.id;
    expect(a).toMatchObject({ login: 'audrey@shop.example', role: 'auditor', password: true, oidc: null, disabled_at: null, created_by: `account:${officerId}` });
    expect(a.scopes).toEqual(['registry:read', 'recipients:read', 'subjects:read', 'ledger:read', 'reports:read', 'metrics:read']);
    expect(JSON.stringify(a)).not.toContain('scrypt');
    const [row] = await app.ctx.db.query<{ actor: string; entry: Uint8Array }>(
      `SELECT a.actor, e.entry FROM admin_actions a JOIN ledger_entries e ON e.idx = a.leaf_index WHERE a.action = 'account.create' AND a.target = $1`,
      [auditorId],
    );
    expect(row!.actor).toBe(`account:${officerId}`);
    const entry = Buffer.from(row!.entry).toString('utf8');
    expect(JSON.parse(entry)).toMatchObject({ kind: 'admin_action', action: 'account.create', actor: `account:${officerId}`, target: auditorId, facts: { role: 'auditor', password: true } });
    expect(entry).not.toContain('audrey');
    // Duplicate login (case-insensitive): 409.
    const dup = await post(officer, '/console/api/accounts', { login: 'AUDREY@shop.example', display_name: 'x', role: 'support' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('ACCOUNT_EXISTS');
    const weak = await post(officer, '/console/api/accounts', { login: 'weak@shop.example', display_name: 'x', role: 'support', password: 'short' });
    expect(weak.statusCode).toBe(422);
    expect(weak.json()).toMatchObject({ code: 'WEAK_PASSWORD', path: 'password' });
  });

  it('an auditor reads but is refused everything else, by the server', async () => {
    auditor = await signIn({ login: 'audrey@shop.example', password: 'auditor password 1' });
    expect(auditor.res.json().principal.key_id).toBe(`account:${auditorId}`);
    for (const url of ['/console/api/overview', '/console/api/ledger', '/console/api/rights', '/console/api/recipients']) expect((await get(auditor, url)).statusCode, url).toBe(200);
    const list = await get(auditor, '/console/api/accounts');
    expect(list.statusCode).toBe(403);
    expect(list.json()).toMatchObject({ code: 'FORBIDDEN_SCOPE', detail: 'the auditor role lacks * (officer only)' });
    const add = await post(auditor, '/console/api/accounts', { login: 'mallory@x.example', display_name: 'M', role: 'officer', password: 'mallory password' });
    expect(add.statusCode).toBe(403);
    expect(await app.ctx.accounts.findByLogin('mallory@x.example')).toBeUndefined();
    // Its own role cannot be raised by itself either.
    expect((await post(auditor, `/console/api/accounts/${auditorId}/role`, { role: 'officer' })).statusCode).toBe(403);
  });

  it('a role change applies to the live session on its next request', async () => {
    const res = await post(officer, `/console/api/accounts/${auditorId}/role`, { role: 'support' });
    expect(res.statusCode).toBe(200);
    expect(res.json().role).toBe('support');
    expect((await get(auditor, '/console/api/overview')).statusCode).toBe(403);
    expect((await get(auditor, '/console/api/rights')).statusCode).toBe(200);
    const session = (await get(auditor, '/console/api/session')).json();
    expect(session.principal.scopes).toEqual(['subjects:read', 'rights:write']);
    expect(session.account.role).toBe('support');
    const [action] = await app.ctx.db.query<{ actor: string }>(`SELECT actor FROM admin_actions WHERE action = 'account.set_role' AND target = $1`, [auditorId]);
    expect(action!.actor).toBe(`account:${officerId}`);
  });

  it('disabling ends the live session at once and refuses sign-in', async () => {
    const res = await post(officer, `/console/api/accounts/${auditorId}/disable`, {});
    expect(res.statusCode).toBe(200);
    expect(res.json().disabled_at).not.toBeNull();
    const after = await get(auditor, '/console/api/rights');
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('NO_SESSION');
    expect((await signIn({ login: 'audrey@shop.example', password: 'auditor password 1' })).res.statusCode).toBe(401);
    const list = (await get(officer, '/console/api/accounts')).json();
    expect(list.accounts.find((a: { id: string }) => a.id === auditorId).disabled_at).not.toBeNull();
    expect(list.roles).toEqual(['officer', 'auditor', 'support']);
  });

  it("a new password ends the account's sessions opened with the old one", async () => {
    const pat = await app.ctx.accounts.create({ login: 'pat', displayName: 'Pat', role: 'auditor', password: 'old password 1234' }, 'test');
    const live = await signIn({ login: 'pat', password: 'old password 1234' });
    expect((await get(live, '/console/api/ledger')).statusCode).toBe(200);
    const res = await post(officer, `/console/api/accounts/${pat.id}/password`, { password: 'new password 5678' });
    expect(res.statusCode).toBe(200);
    const after = await get(live, '/console/api/ledger');
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toBe('the account of this session has a new password or sign-in binding: sign in again');
    expect((await signIn({ login: 'pat', password: 'old password 1234' })).res.statusCode).toBe(401);
    const fresh = await signIn({ login: 'pat', password: 'new password 5678' });
    expect((await get(fresh, '/console/api/ledger')).statusCode).toBe(200);
    // Removing the password leaves single sign-on only.
    expect((await post(officer, `/console/api/accounts/${pat.id}/password`, { password: null })).json().password).toBe(false);
    expect((await get(fresh, '/console/api/ledger')).statusCode).toBe(401);
  });

  it('the shared admin key still signs in for automation', async () => {
    const s = await signIn({ key: app.adminKey });
    expect(s.res.statusCode).toBe(200);
    expect(s.res.json().account).toBeUndefined();
    expect((await get(s, '/console/api/accounts')).statusCode).toBe(200);
  });
});
