import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/create.ts';
import { testConfig, type AppConfig } from '../../src/config.ts';
import { POSTGRES_URL, dropTestSchema, postgresReachable } from '../support/engines.ts';
import { CookieJar, signInThroughProvider, startProvider, type TestProvider } from '../support/oidc-provider.ts';

/**
 * Console OpenID sign-in behind a balancer of two servers on one PostgreSQL schema, against a real
 * OpenID provider: the sign-in starts on server A and the provider's redirect back lands on
 * server B, which finds what A started in the database (`oidc_pending`). The same callback again
 * is refused (single use, on either server), and so is one whose sign-in expired.
 * Mandatory under CI=true; locally it runs whenever PostgreSQL is reachable.
 */
const reachable = await postgresReachable('the cross-server OpenID sign-in test');

/** Sends `/console/auth/oidc/start` to A and everything else to B; `beforeCallback` runs first on callbacks. */
class Balancer {
  readonly server: Server;
  a = 0;
  b = 0;
  beforeCallback: () => Promise<void> = async () => {};
  constructor() {
    this.server = createServer((req, res) => {
      const toA = req.url!.startsWith('/console/auth/oidc/start');
      const go = async () => {
        if (req.url!.startsWith('/console/auth/oidc/callback')) await this.beforeCallback();
        const up = httpRequest({ host: '127.0.0.1', port: toA ? this.a : this.b, path: req.url, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode!, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
      };
      go().catch(() => res.destroy());
    });
  }
}

describe.skipIf(!reachable)('OpenID sign-in started on server A, finished on server B', () => {
  const schema = `cg_t_xoidc_${process.pid}_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'cg-xoidc-'));
  const lb = new Balancer();
  let origin = '';
  let op: TestProvider;
  let a: App;
  let b: App;

  beforeAll(async () => {
    await new Promise<void>((r) => lb.server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(lb.server.address() as AddressInfo).port}`;
    const redirectUri = `${origin}/console/auth/oidc/callback`;
    op = await startProvider(redirectUri, { 'alice-sub': { email: 'alice@shop.example', email_verified: true } });
    const config: Partial<AppConfig> = {
      databaseUrl: POSTGRES_URL,
      schema,
      dataDir,
      oidc: { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri, allowHttp: true },
    };
    a = await createApp(testConfig(config));
    b = await createApp(testConfig(config));
    await a.server.listen({ port: 0, host: '127.0.0.1' });
    await b.server.listen({ port: 0, host: '127.0.0.1' });
    lb.a = (a.server.server.address() as AddressInfo).port;
    lb.b = (b.server.server.address() as AddressInfo).port;
    await a.ctx.accounts.create({ login: 'alice@shop.example', displayName: 'Alice', role: 'auditor' }, 'test');
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await op?.close();
    await new Promise<void>((r) => lb.server.close(() => r()));
    await dropTestSchema('postgres', schema);
  });

  const start = () => `${origin}/console/auth/oidc/start`;

  it('B completes the sign-in A started, and the session is B’s', async () => {
    const r = await signInThroughProvider(start(), 'alice-sub');
    expect(r.visited.filter((v) => v.includes('/console/auth/oidc/'))).toEqual([`GET ${start()}`, expect.stringMatching(/\/console\/auth\/oidc\/callback\?/)]);
    expect(r.final).toBe(`${origin}/console/`);
    expect(r.jar.get('cg_console')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await r.jar.fetch(`${origin}/console/api/session`); // routed to B
    expect(session.status).toBe(200);
    expect(((await session.json()) as { account: { via: string } }).account.via).toBe('oidc');
    // Nothing of that sign-in is left to take again.
    expect((await b.ctx.db.query('SELECT 1 FROM oidc_pending WHERE expires_at > now()')).length).toBe(0);
  }, 60_000);

  it('refuses the same callback a second time, with the browser’s cookie, on B or on A', async () => {
    let callback = '';
    const jar = new CookieJar();
    const pendingCookie = { value: '' };
    const r = await signInThroughProvider(start(), 'alice-sub', {
      jar,
      tamper: (u) => {
        callback = u;
        pendingCookie.value = jar.get('cg_oidc')!;
        return u;
      },
    });
    expect(r.final).toBe(`${origin}/console/`);
    for (const port of [lb.b, lb.a]) {
      const url = new URL(callback);
      url.port = String(port);
      const res = await fetch(url, { headers: { cookie: `cg_oidc=${pendingCookie.value}` }, redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/?sign_in_error=expired');
      expect(res.headers.getSetCookie().some((c) => c.startsWith('cg_console='))).toBe(false);
    }
  }, 60_000);

  it('refuses a callback whose sign-in expired before it came back', async () => {
    lb.beforeCallback = async () => {
      await a.ctx.db.query(`UPDATE oidc_pending SET expires_at = now() - interval '1 second'`);
    };
    try {
      const r = await signInThroughProvider(start(), 'alice-sub');
      expect(r.final).toBe(`${origin}/console/?sign_in_error=expired`);
      expect(r.jar.get('cg_console')).toBeUndefined();
    } finally {
      lb.beforeCallback = async () => {};
    }
  }, 60_000);
});
