import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './app-support.ts';
import { operations, type Json, type Operation } from './openapi-support.ts';
import { signedIn } from '../support/web-session.ts';
import { ROLES, scopesOfRole, type Role } from '../../src/core/accounts/roles.ts';
import { hasScopes } from '../../src/http/principal.ts';

/**
 * The server enforces console roles on every console API route (issue 19): for each route under
 * /console/api — enumerated from the served OpenAPI document, which lists every mounted route
 * with the scopes its `auth` declares, so routes added later are covered without touching this
 * test — each role gets past authorization exactly when its scopes hold the route's scopes, and
 * 403 FORBIDDEN_SCOPE otherwise.
 */
let app: TestApp;
let ops: Operation[];
const sessions = new Map<Role, { cookie: string; csrf: string }>();

beforeAll(async () => {
  app = await testApp();
  const doc = (await app.server.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
  ops = operations(doc).filter((o) => o.path.startsWith('/console/api/'));
  for (const role of ROLES) {
    await app.ctx.accounts.create({ login: `${role}@roles.example`, displayName: role, role, password: `${role} password 123` }, 'test');
    const s = await signedIn(app.server, { login: `${role}@roles.example`, password: `${role} password 123` });
    sessions.set(role, { cookie: s.cookie, csrf: s.csrf });
  }
}, 120_000);
afterAll(async () => {
  await app?.close();
});

const scopesOf = (o: Operation): string[] | undefined => {
  const sec = (o.op.security ?? []) as Array<Record<string, string[]>>;
  const entry = sec.find((s) => 'consoleSession' in s);
  return entry?.consoleSession;
};
const isSignIn = (o: Operation) => o.method === 'POST' && o.path === '/console/api/session';

describe('console roles, enforced by the server on every console API route', () => {
  it('finds the console API routes, each behind the console session (sign-in aside) and, but for the session itself, a scope', () => {
    expect(ops.length).toBeGreaterThanOrEqual(12);
    for (const o of ops) {
      if (isSignIn(o)) continue;
      const scopes = scopesOf(o);
      expect(scopes, `${o.method} ${o.path} must be a console-session route`).toBeDefined();
      if (o.path !== '/console/api/session') expect(scopes!.length, `${o.method} ${o.path} declares no scope: every role could call it`).toBeGreaterThan(0);
    }
  });

  it('each role gets past authorization exactly where its scopes allow, else 403 FORBIDDEN_SCOPE', async () => {
    const table: string[] = [];
    const wrong: string[] = [];
    for (const o of ops) {
      // Signing in and out are not role-bound (and signing out would end the test's session).
      if (isSignIn(o) || (o.method === 'DELETE' && o.path === '/console/api/session')) continue;
      const scopes = scopesOf(o)!;
      // Placeholder path values and an empty body: authorization runs before any input is looked
      // at, and an allowed call with them changes nothing (unknown ids, invalid bodies).
      const url = o.path.replace(/\{[^}]+\}/g, 'zz-role-test');
      for (const role of ROLES) {
        const s = sessions.get(role)!;
        const res = await app.server.inject({
          method: o.method as 'GET',
          url,
          headers: { cookie: s.cookie, host: 'cg.test', ...(o.method === 'GET' ? {} : { 'content-type': 'application/json', 'x-csrf-token': s.csrf }) },
          ...(o.method === 'GET' ? {} : { payload: {} }),
        });
        const allowed = hasScopes({ kind: 'admin', id: role, keyId: role, scopes: scopesOfRole(role) }, scopes);
        table.push(`${role} ${o.method} ${o.path} [${scopes.join(' ')}] → ${res.statusCode}`);
        const code = res.statusCode >= 400 ? (res.json() as { code?: string }).code : undefined;
        if (allowed) {
          const plainGet = o.method === 'GET' && !o.path.includes('{');
          if (res.statusCode === 401 || res.statusCode === 403 || (plainGet && res.statusCode !== 200)) wrong.push(`${role} ${o.method} ${o.path}: ${res.statusCode} ${code ?? ''}`);
        } else if (res.statusCode !== 403 || code !== 'FORBIDDEN_SCOPE') {
          wrong.push(`${role} ${o.method} ${o.path}: expected 403 FORBIDDEN_SCOPE, got ${res.statusCode} ${code ?? ''}`);
        }
      }
    }
    expect(wrong, table.join('\n')).toEqual([]);
    // The matrix the issue names: auditor reads (reports and ledger included), support works on rights only.
    expect(table).toContain('auditor GET /console/api/ledger [ledger:read] → 200');
    expect(table).toContain('support GET /console/api/ledger [ledger:read] → 403');
    expect(table).toContain('support GET /console/api/rights [subjects:read] → 200');
    expect(table).toContain('auditor GET /console/api/accounts [*] → 403');
    expect(table).toContain('officer GET /console/api/accounts [*] → 200');
  }, 120_000);
});
