import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { testApp, type TestApp } from './app-support.ts';

/**
 * Issue 17 item 8: /metrics named every route with its counts to anyone. On the API port it now
 * needs an admin key with `metrics:read`; CONSENTGATE_METRICS_PORT serves it key-less on a
 * listener of its own that serves nothing else.
 */
describe('/metrics on the API port', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  }, 60_000);
  afterAll(() => app?.close());

  const scrape = (headers: Record<string, string> = {}) => app.server.inject({ method: 'GET', url: '/metrics', headers });
  const adminKey = async (scopes: string[]) => (await app.ctx.keys.create({ kind: 'admin', principal: 'ops', scopes, actor: 'test' })).key;

  it('refuses an anonymous scrape with 401 and shows no metric', async () => {
    await app.server.inject({ method: 'GET', url: '/v1/members/seller-x', headers: app.auth() });
    const res = await scrape();
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(res.body).not.toContain('consentgate_');
    expect(res.body).not.toContain('/v1/members');
  });

  it('refuses a wrong key, a recipient key, a subject key and an admin key without the scope', async () => {
    expect((await scrape({ authorization: 'Bearer cg_admin_0123456789abcdef_' + 'x'.repeat(43) })).statusCode).toBe(401);
    const recipient = (await app.ctx.keys.create({ kind: 'recipient', principal: 'hanbit_express', scopes: ['release'], actor: 'test' })).key;
    expect((await scrape({ authorization: `Bearer ${recipient}` })).json()).toMatchObject({ status: 403, code: 'FORBIDDEN_KEY_KIND' });
    const subject = (await app.ctx.keys.create({ kind: 'subject', principal: 'cust-1', scopes: ['subject'], actor: 'test' })).key;
    expect((await scrape({ authorization: `Bearer ${subject}` })).json()).toMatchObject({ status: 403, code: 'FORBIDDEN_KEY_KIND' });
    const reader = await adminKey(['registry:read', 'reports:read', 'ledger:read']);
    const denied = await scrape({ authorization: `Bearer ${reader}` });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'FORBIDDEN_SCOPE', required_scopes: ['metrics:read'] });
  });

  it('serves the exposition format to a key holding only metrics:read', async () => {
    const res = await scrape({ authorization: `Bearer ${await adminKey(['metrics:read'])}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toMatch(/consentgate_http_requests_total\{method="GET",route="\/v1\/members\/:id",status="404"\} [1-9]/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('the metrics listener (CONSENTGATE_METRICS_PORT)', () => {
  let app: TestApp;
  let base = '';
  beforeAll(async () => {
    app = await testApp({ metricsPort: 0 });
    await app.metricsServer!.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.metricsServer!.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(() => app?.close());

  it('serves /metrics without a key, over TCP, with the usual security headers', async () => {
    await app.server.inject({ method: 'GET', url: '/healthz' });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(await res.text()).toMatch(/consentgate_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/);
  });

  it('serves nothing of the API: every other path is a 404 problem', async () => {
    for (const path of ['/', '/healthz', '/v1/registry', '/console/', '/openapi.json', '/metrics/../v1/registry']) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${app.adminKey}` } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it("answers broken HTTP (Node's own 400/431) with a problem and the security headers, then closes", async () => {
    const port = (app.metricsServer!.server.address() as AddressInfo).port;
    for (const [raw, status] of [
      ['GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
      [`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`, 431],
    ] as const) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.write(raw));
        let got = '';
        s.on('data', (b: Buffer) => (got += b.toString()));
        s.on('error', () => resolve(got)); // a reset after the answer was written
        s.on('close', () => resolve(got));
        setTimeout(() => reject(new Error('no answer')), 5_000).unref();
      });
      expect(answer.split('\r\n')[0]).toContain(` ${status} `);
      expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
      expect(answer.toLowerCase()).toContain('x-content-type-options: nosniff');
      expect(answer.toLowerCase()).toContain("content-security-policy: default-src 'none'");
    }
  });

  it('leaves the API port key-protected', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('stops with the app', async () => {
    const other = await testApp({ metricsPort: 0 });
    await other.metricsServer!.listen({ port: 0, host: '127.0.0.1' });
    const port = (other.metricsServer!.server.address() as AddressInfo).port;
    await other.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  }, 60_000);
});

describe('CONSENTGATE_METRICS_PORT', () => {
  it('is off unless set, and must be a port other than PORT', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ CONSENTGATE_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ PORT: '9464', CONSENTGATE_METRICS_PORT: '9464' })).toThrow(/CONSENTGATE_METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig({ CONSENTGATE_METRICS_PORT: '70000' })).toThrow(/CONSENTGATE_METRICS_PORT/);
    expect(() => loadConfig({ CONSENTGATE_METRICS_PORT: 'nine' })).toThrow(/CONSENTGATE_METRICS_PORT/);
  });
});
