import { REDIS_URL, redisReachable as probeRedis } from '../support/system.ts';
import { redisRateLimit } from '../../src/http/rate-limit-store.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../src/app/api-keys.ts';
import { createApp } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';
import { testApp, type TestApp } from '../http/app-support.ts';
import { documentedCodes, sourceCodes } from './codes.ts';
import { needs, OPENSSL } from '../support/system.ts';

/**
 * Security properties that are not input fuzzing: key rotation without downtime, expiry, admin
 * actions in the transparency log, log redaction, security headers, rate limits shared through
 * Redis, mutual TLS for recipients, and the error-code list in docs/security.md.
 */
const PERSON = { name: '이서연', phone: '010-5555-0199', address: '인천광역시 연수구 송도동 24-7', customs_code: 'P112233445566' };

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('API keys, admin actions, logs and headers', () => {
  let app: TestApp;
  const logs = new Capture();
  const call = async (method: string, url: string, key: string | undefined, body?: unknown) => {
    const res = await app.server.inject({
      method: method as 'GET',
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? (res.headers['content-type']?.toString().includes('json') ? res.json() : res.body) : undefined, headers: res.headers };
  };
  const ledgerEntry = async (index: number) => JSON.parse((await call('GET', `/v1/ledger/entries/${index}`, undefined)).body.entry);

  beforeAll(async () => {
    // Debug level: stricter than production (info) — nothing personal may appear even there.
    const created = await createApp(testConfig({ logLevel: 'debug' }), { logStream: logs });
    const { key } = await created.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' });
    const stored = await created.ctx.registry.store(readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8'), 'test');
    await created.ctx.registry.activate(stored.row.version, 'test');
    app = Object.assign(created, { adminKey: key, auth: (k: string = key) => ({ authorization: `Bearer ${k}` }) });
  }, 120_000);
  afterAll(() => app?.close());

  it('rotates a key without downtime: both work during the grace period, the old one stops after it', async () => {
    const made = await call('POST', '/v1/api-keys', app.adminKey, { kind: 'admin', scopes: ['registry:read', 'keys:write'], label: 'ci' });
    expect(made.status).toBe(201);
    const rotated = await call('POST', `/v1/api-keys/${made.body.id}/rotate`, app.adminKey, { grace_seconds: 3600 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ kind: 'admin', scopes: ['registry:read', 'keys:write'], label: 'ci', expires_at: null });
    expect(rotated.body.id).not.toBe(made.body.id);
    expect(Date.parse(rotated.body.previous.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    // Both keys work now.
    expect((await call('GET', '/v1/registry', made.body.key)).status).toBe(200);
    expect((await call('GET', '/v1/registry', rotated.body.key)).status).toBe(200);
    // The successor can rotate itself with no grace: the old one stops at once, with the reason.
    const again = await call('POST', `/v1/api-keys/${rotated.body.id}/rotate`, rotated.body.key, { grace_seconds: 0 });
    expect(again.status).toBe(201);
    const old = await call('GET', '/v1/registry', rotated.body.key);
    expect(old).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED', detail: 'the API key has expired' } });
    expect((await call('GET', '/v1/registry', again.body.key)).status).toBe(200);
    // An expired or revoked key cannot be rotated; only keys:write may rotate.
    expect((await call('POST', `/v1/api-keys/${rotated.body.id}/rotate`, app.adminKey, {})).body.code).toBe('KEY_NOT_ACTIVE');
    const reader = await call('POST', '/v1/api-keys', app.adminKey, { kind: 'admin', scopes: ['registry:read'] });
    expect((await call('POST', `/v1/api-keys/${made.body.id}/rotate`, reader.body.key, {})).body.code).toBe('FORBIDDEN_SCOPE');
    expect((await call('POST', '/v1/api-keys/ffffffffffffffff/rotate', app.adminKey, {})).status).toBe(404);
  });

  it('honours expiry set at creation', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const k = await call('POST', '/v1/api-keys', app.adminKey, { kind: 'admin', scopes: ['registry:read'], expires_at: soon });
    expect(k.body.expires_at).toBe(soon);
    const past = await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['registry:read'], expiresAt: new Date(Date.now() - 1000), actor: 'test' });
    expect((await call('GET', '/v1/registry', past.key)).body.detail).toBe('the API key has expired');
  });

  it('records every admin action in the transparency log: activation, key create/rotate/revoke, members, certificates', async () => {
    const since = (await app.ctx.db.query<{ n: number }>('SELECT coalesce(max(leaf_index), -1)::int8 AS n FROM admin_actions'))[0]!.n;
    // Another registry than the active one, so that activating it is an action.
    const demo = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');
    const changed = demo.replace('"1 Harbourfront Walk', '"2 Harbourfront Walk');
    expect(changed).not.toBe(demo);
    const stored = await app.server.inject({ method: 'POST', url: '/v1/registry/versions', headers: { ...app.auth(), 'content-type': 'text/yaml' }, payload: changed });
    expect(stored.statusCode).toBe(201);
    const version = stored.json().version as number;
    expect((await call('POST', `/v1/registry/versions/${version}/activate`, app.adminKey)).status).toBe(200);
    const key = await call('POST', '/v1/api-keys', app.adminKey, { kind: 'admin', scopes: ['ledger:read'] });
    const rot = await call('POST', `/v1/api-keys/${key.body.id}/rotate`, app.adminKey, {});
    expect((await call('POST', `/v1/api-keys/${rot.body.id}/revoke`, app.adminKey)).status).toBe(200);
    expect((await call('POST', '/v1/members', app.adminKey, { id: 'seller-sec', class: 'cn_sellers', name: 'Seller Sec', country: 'CN' })).status).toBe(201);
    expect((await call('PUT', '/v1/recipients/seller-sec/certificate', app.adminKey, { fingerprint: 'AB:'.repeat(31) + 'AB' })).status).toBe(200);

    const rows = await app.ctx.db.query<{ leaf_index: number; action: string; target: string; actor: string }>(
      'SELECT leaf_index, action, target, actor FROM admin_actions WHERE leaf_index > $1 ORDER BY leaf_index', [since],
    );
    const actions = rows.map((r) => r.action);
    for (const a of ['registry.activate', 'key.create', 'key.rotate', 'key.revoke', 'recipient.certificate.bind']) expect(actions, a).toContain(a);
    const adminKeyId = parseKey(app.adminKey)!.id;
    for (const r of rows) {
      // The leaf says the same as the row: action, actor (a key id, never a secret), target.
      const entry = await ledgerEntry(r.leaf_index);
      expect(entry).toMatchObject({ action: r.action, actor: r.actor, target: r.target });
      expect(JSON.stringify(entry)).not.toContain(parseKey(app.adminKey)!.secret);
    }
    expect(rows.find((r) => r.action === 'key.rotate')).toMatchObject({ target: key.body.id, actor: adminKeyId });
    expect(await ledgerEntry(rows.find((r) => r.action === 'key.rotate')!.leaf_index)).toMatchObject({ facts: { successor: rot.body.id } });
  });

  it('keeps personal data and secrets out of the logs during a consent and release flow', async () => {
    const subject = 'cust-redact-7f3a';
    const created = await call('POST', '/v1/subjects', app.adminKey, { id: subject, jurisdiction: 'KR' });
    expect(created.status).toBe(201);
    const subjectToken = created.body.token as string;
    expect((await call('PUT', `/v1/subjects/${subject}/data`, app.adminKey, PERSON)).status).toBe(200);
    const agreementVersion = app.ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version;
    await app.ctx.members.register({ id: 'seller-log', classId: 'cn_sellers', name: 'Seller Log', country: 'CN', contact: {}, agreementVersion }, 'test');
    // Both consents to that seller, on the notice naming it.
    const notice = await call('GET', '/v1/notices/checkout?recipient=seller-log', undefined);
    const grant = await call('POST', `/v1/subjects/${subject}/consents`, subjectToken, {
      noticeHash: notice.body.hash,
      decisions: [
        { declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-log' },
        { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: 'seller-log' },
      ],
    });
    expect(grant.status).toBe(201);
    await app.ctx.orders.register({ id: 'ORD-SECRET-991', subject, recipient: 'seller-log', declarations: ['sellers_fulfilment'] }, 'test');
    const seller = (await app.ctx.members.issueKey('seller-log', 'test', { label: 'log' })).key;
    const released = await call('POST', '/v1/releases', seller, { subject, purpose: 'order_fulfilment', order_ref: 'ORD-SECRET-991' });
    expect(released.status).toBe(200);
    expect(released.body.items.name).toBe(PERSON.name);
    // Failures log too: a bad key, an unknown subject, a malformed body, a withdrawal.
    await call('POST', '/v1/releases', seller.slice(0, -3) + 'AAA', { subject, purpose: 'order_fulfilment' });
    await call('POST', '/v1/releases', seller, { subject: `${subject}-nobody`, purpose: 'order_fulfilment' });
    await app.server.inject({ method: 'POST', url: `/v1/subjects/${subject}/consents/withdraw?who=${subject}`, headers: { authorization: `Bearer ${subjectToken}`, 'content-type': 'application/json', cookie: `s=${subjectToken}` }, payload: '{"declarationIds":["sellers_fulfilment"]}' });
    await app.server.inject({ method: 'POST', url: '/v1/subjects', headers: { 'x-api-key': app.adminKey, 'content-type': 'application/json' }, payload: `{"id": "${subject}", "jurisdiction": ` });
    await new Promise((r) => setTimeout(r, 50));

    const text = logs.text;
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThan(8);
    const secret = (k: string) => parseKey(k)!.secret;
    for (const v of [subject, ...Object.values(PERSON), 'ORD-SECRET-991', secret(app.adminKey), secret(seller), secret(subjectToken), released.body.items.phone]) {
      expect(text.includes(v), `log contains ${v}`).toBe(false);
    }
  });

  it('sets the security headers on success, errors, text and not-found responses', async () => {
    const responses = [
      await call('GET', '/v1/registry', app.adminKey),
      await call('GET', '/v1/registry', undefined),
      await call('GET', '/v1/ledger/checkpoint', undefined),
      await call('GET', '/nowhere', undefined),
      await call('GET', '/v1/registry/versions/%ff', app.adminKey),
      await call('GET', '/healthz', undefined),
    ];
    for (const r of responses) {
      expect(r.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'cross-origin-resource-policy': 'same-origin' });
      expect(r.headers['content-security-policy']).toContain("default-src 'none'");
      expect(r.headers['cache-control']).toBeDefined();
    }
    expect(responses[4]!.body.code).toBe('BAD_URL');
  });

  it('documents every error code the code base can raise (docs/security.md)', () => {
    const documented = documentedCodes();
    const missing = [...sourceCodes()].filter((c) => !documented.has(c));
    expect(missing, 'add these to the ```codes block of docs/security.md').toEqual([]);
  });
});

/** Redis: required under CI=true; locally when reachable (test/support/system.ts). */
const redisUrl = REDIS_URL;
const redisReachable = await probeRedis('shared rate limits');

describe.skipIf(!redisReachable)('rate limits shared through Redis', () => {
  it('two servers count one budget per key; an unreachable Redis stops the server from starting', async () => {
    const config = testConfig({ redisUrl, rateLimit: { max: 5, timeWindowMs: 60_000 } });
    const a = await createApp(config);
    const b = await createApp(config);
    try {
      // Both apps have their own in-memory databases: create the same key row in each.
      const { key } = await a.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' });
      expect(await b.ctx.keys.ensure(key, { principal: 'operator', scopes: ['*'], actor: 'test' })).toBe(true);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const srv = i % 2 === 0 ? a : b;
        statuses.push((await srv.server.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } })).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const limited = await b.server.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } });
      expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    } finally {
      await a.close();
      await b.close();
    }
    await expect(createApp(testConfig({ redisUrl: 'redis://127.0.0.1:1' }))).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:1 is unreachable/);
  }, 90_000);

  it('keeps every key under the deployment\'s prefix, the global budget as well as a route\'s own', async () => {
    const prefix = `cg:test:${process.pid}:${Date.now()}:`;
    const rl = redisRateLimit(redisUrl, prefix);
    await rl.ready();
    try {
      // As @fastify/rate-limit builds them: the global store from its options, a route's store as its child.
      type Incr = { incr(key: string, cb: (e: Error | null, r?: { current: number }) => void, windowMs: number): void };
      const Store = rl.store as new (params: unknown) => Incr & { child(o: unknown): Incr };
      const global = new Store({ max: 5, timeWindow: 60_000 });
      const route = global.child({ routeInfo: { method: 'POST', url: '/v1/releases' } });
      const count = (s: Incr, key: string) => new Promise<number>((res, rej) => s.incr(key, (e, r) => (e ? rej(e) : res(r!.current)), 60_000));
      expect(await count(global, 'k:one')).toBe(1);
      expect(await count(global, 'k:one')).toBe(2);
      expect(await count(route, 'k:one')).toBe(1);
      expect((await rl.client.keys(`${prefix}*`)).sort()).toEqual([`${prefix}POST/v1/releases:k:one`, `${prefix}k:one`]);
    } finally {
      const keys = await rl.client.keys(`${prefix}*`);
      if (keys.length > 0) await rl.client.del(...keys);
      await rl.close();
    }
  });
});

describe.skipIf(!needs('the mutual-TLS tests', [OPENSSL]))('mutual TLS for recipients', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-mtls-'));
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  let app: Awaited<ReturnType<typeof createApp>>;
  let port = 0;
  let admin = '';
  let seller = '';
  let other = '';

  const fingerprint = (cert: string) => /=([0-9A-F:]+)/.exec(ssl('x509', '-in', f(cert), '-noout', '-fingerprint', '-sha256').toString())![1]!;
  const issue = (name: string, ca: 'ca' | 'rogue') => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-days', '2', '-out', f(`${name}.crt`),
      ...(name === 'server' ? ['-extfile', f('san.ext')] : []));
  };

  const send = (key: string, body: unknown, cert?: string) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = httpsRequest(
        {
          host: '127.0.0.1', port, method: 'POST', path: '/v1/releases', ca: readFileSync(f('ca.crt')), servername: 'localhost',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          ...(cert ? { cert: readFileSync(f(`${cert}.crt`)), key: readFileSync(f(`${cert}.key`)) } : {}),
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  beforeAll(async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    for (const ca of ['ca', 'rogue'] as const) {
      ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-days', '2', '-subj', `/CN=${ca} test CA`);
    }
    issue('server', 'ca');
    issue('seller', 'ca');
    issue('stranger', 'ca');
    issue('forged', 'rogue');
    app = await createApp(testConfig({ tls: { certFile: f('server.crt'), keyFile: f('server.key'), caFile: f('ca.crt') } }));
    admin = (await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' })).key;
    const stored = await app.ctx.registry.store(readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8'), 'test');
    await app.ctx.registry.activate(stored.row.version, 'test');
    const agreementVersion = app.ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version;
    await app.ctx.members.register({ id: 'seller-tls', classId: 'cn_sellers', name: 'Seller TLS', country: 'CN', contact: {}, agreementVersion }, 'test');
    await app.ctx.members.register({ id: 'seller-plain', classId: 'cn_sellers', name: 'Seller Plain', country: 'HK', contact: {}, agreementVersion }, 'test');
    seller = (await app.ctx.members.issueKey('seller-tls', 'test', { label: 'tls' })).key;
    other = (await app.ctx.members.issueKey('seller-plain', 'test', { label: 'plain' })).key;
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.server.address() as { port: number }).port;
    const bound = await app.server.inject({ method: 'PUT', url: '/v1/recipients/seller-tls/certificate', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ fingerprint: fingerprint('seller.crt') }) });
    expect(bound.statusCode).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bound recipient needs its own CA-signed certificate with its key; others are unaffected', async () => {
    const body = { subject: 'nobody-here', purpose: 'order_fulfilment' };
    // Right certificate: authenticated, so the gate decides (no order with an unknown subject → recorded refusal).
    const ok = await send(seller, body, 'seller');
    expect(ok).toMatchObject({ status: 403, body: { code: 'NO_ORDER' } });
    expect(ok.body.decision_id).toMatch(/^dec_/);
    expect(await send(seller, body)).toMatchObject({ status: 401, body: { code: 'CLIENT_CERT_REQUIRED' } });
    expect(await send(seller, body, 'stranger')).toMatchObject({ status: 403, body: { code: 'CLIENT_CERT_MISMATCH' } });
    // A certificate from another CA is not verified at all: as good as none.
    expect(await send(seller, body, 'forged')).toMatchObject({ status: 401, body: { code: 'CLIENT_CERT_REQUIRED' } });
    // Stolen certificate without the recipient's key: the key is still required.
    expect((await send('cg_recipient_0000000000000000_' + 'A'.repeat(43), body, 'seller')).status).toBe(401);
    // A recipient without a binding keeps working over plain server-side TLS.
    expect((await send(other, body)).body.code).toBe('NO_ORDER');
    // Unbinding is an admin action too.
    const un = await app.server.inject({ method: 'DELETE', url: '/v1/recipients/seller-tls/certificate', headers: { authorization: `Bearer ${admin}` } });
    expect(un.statusCode).toBe(200);
    expect((await send(seller, body)).body.code).toBe('NO_ORDER');
  });
});

it('keeps the documented code list in sync with the fuzz tests', () => {
  expect(documentedCodes().size).toBeGreaterThan(100);
});
