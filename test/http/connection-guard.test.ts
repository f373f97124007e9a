import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { createApp, type App } from '../../src/app/create.ts';
import { loadConfig, testConfig } from '../../src/config.ts';
import { SECURITY_HEADERS } from '../../src/http/security-headers.ts';

/**
 * Issue 17 items 4 and 7, against a listening server over raw sockets: slow bodies and headers
 * meet 408 and a closed connection (short deadlines configured here); one address cannot hold
 * more than its share of connections; and the answers Node itself gives (bad framing, oversized
 * headers, timeouts) carry the security headers every other answer carries.
 */
const LIMITS = { requestTimeoutMs: 800, headersTimeoutMs: 600, maxConnectionsPerAddress: 6 };
let app: App;
let port: number;
let adminKey: string;
beforeAll(async () => {
  app = await createApp(testConfig({ connectionLimits: LIMITS }));
  adminKey = (await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' })).key;
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.server.address() as { port: number }).port;
}, 180_000);
afterAll(() => app?.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection. */
  closed: boolean;
  ms: number;
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `parts` (with `gapMs` between), then reads until the server closes or `waitMs` passes. */
async function exchange(parts: (string | Buffer)[], opts: { gapMs?: number; waitMs?: number; socket?: Socket } = {}): Promise<RawAnswer> {
  const s = opts.socket ?? (await open());
  const started = Date.now();
  const chunks: Buffer[] = [];
  let closed = false;
  s.on('data', (d) => chunks.push(d));
  s.on('error', () => {});
  const ended = new Promise<void>((resolve) => s.once('close', () => ((closed = true), resolve())));
  for (const p of parts) {
    if (s.destroyed) break;
    s.write(p);
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  await Promise.race([ended, new Promise((r) => setTimeout(r, opts.waitMs ?? 5_000))]);
  const ms = Date.now() - started;
  s.destroy();
  const raw = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2) as [string?, string?];
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closed, ms };
}

function expectSecurityHeaders(a: RawAnswer): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(a.headers[name], name).toBe(value);
  expect(a.headers['x-request-id']).toMatch(/\S/);
  expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('slow requests (item 4)', () => {
  it('an authenticated POST announcing 100 bytes and sending 10 gets 408 and a closed connection', async () => {
    const a = await exchange([
      `POST /v1/subjects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
      '{"id":"sl',
    ]);
    expect(a.status).toBe(408);
    expect(JSON.parse(a.body)).toMatchObject({ code: 'REQUEST_TIMEOUT', status: 408 });
    expectSecurityHeaders(a);
    expect(a.closed).toBe(true);
    expect(a.ms).toBeLessThan(LIMITS.requestTimeoutMs + 2_000);
    // Nothing half-arrived was stored.
    expect((await app.server.inject({ method: 'GET', url: '/v1/subjects/sl/consents', headers: { authorization: `Bearer ${adminKey}` } })).statusCode).toBe(404);
  });

  it('a body trickled byte by byte is cut at the whole-request deadline, not kept alive by each byte', async () => {
    const body = JSON.stringify({ key: 'x'.repeat(60) });
    const head = `POST /console/api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const a = await exchange([head, ...body.split('')], { gapMs: 50 });
    expect(a.status).toBe(408);
    expect(a.closed).toBe(true);
    expect(a.ms).toBeLessThan(LIMITS.requestTimeoutMs + 2_000);
  });

  it('headers that never end get 408 at the headers deadline', async () => {
    const a = await exchange(['GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n']);
    expect(a.status).toBe(408);
    expectSecurityHeaders(a);
    expect(a.closed).toBe(true);
  });

  it('a request that arrives in time is served, and an idle keep-alive connection is not answered 408', async () => {
    const s = await open();
    const body = JSON.stringify({ id: 'in-time', jurisdiction: 'KR', issueToken: false });
    const a = await exchange([`POST /v1/subjects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body], { socket: s, waitMs: 2_000 });
    expect(a.status).toBe(201);
    expect(a.body).not.toContain('REQUEST_TIMEOUT');
  });

  it('is configured by CONSENTGATE_REQUEST_TIMEOUT_MS / _HEADERS_TIMEOUT_MS (10 s by default)', () => {
    expect(loadConfig({}).connectionLimits).toEqual({ requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, maxConnectionsPerAddress: 256 });
    expect(loadConfig({ CONSENTGATE_REQUEST_TIMEOUT_MS: '5000', CONSENTGATE_HEADERS_TIMEOUT_MS: '9000' }).connectionLimits).toMatchObject({ requestTimeoutMs: 5000, headersTimeoutMs: 5000 });
    expect(loadConfig({ CONSENTGATE_TRUST_PROXY: 'true' }).connectionLimits?.maxConnectionsPerAddress).toBe(0);
    expect(loadConfig({ CONSENTGATE_TRUST_PROXY: 'true', CONSENTGATE_MAX_CONNECTIONS_PER_ADDRESS: '50' }).connectionLimits?.maxConnectionsPerAddress).toBe(50);
    expect(() => loadConfig({ CONSENTGATE_REQUEST_TIMEOUT_MS: '5' })).toThrow(/CONSENTGATE_REQUEST_TIMEOUT_MS/);
  });
});

describe('connections per address (item 4)', () => {
  it('refuses the connection beyond the cap with 429 and serves again once one closes', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < LIMITS.maxConnectionsPerAddress; i++) held.push(await open());
    // Let the server see them all before the next one.
    await new Promise((r) => setTimeout(r, 100));
    const refused = await exchange(['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 2_000 });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    expectSecurityHeaders(refused);
    expect(refused.closed).toBe(true);
    held.pop()!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const served = await exchange(['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { waitMs: 2_000 });
    expect(served.status).toBe(200);
    for (const s of held) s.destroy();
  });
});

describe("Node's own refusals carry the security headers (item 7)", () => {
  const cases: [string, string, number, string][] = [
    ['a Content-Length that is not a number', 'POST /v1/subjects HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'BAD_CONTENT_LENGTH'],
    ['Content-Length with Transfer-Encoding', 'POST /v1/subjects HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'BAD_TRANSFER_ENCODING'],
    ['a 100 KB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'BAD_REQUEST'],
  ];
  for (const [what, raw, status, code] of cases) {
    it(what, async () => {
      const a = await exchange([raw], { waitMs: 3_000 });
      expect(a.status).toBe(status);
      expect(JSON.parse(a.body)).toMatchObject({ status, code });
      expectSecurityHeaders(a);
      expect(a.headers.connection).toBe('close');
      expect(a.closed).toBe(true);
    });
  }
});
