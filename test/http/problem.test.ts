import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';
import { parseKey } from '../../src/app/api-keys.ts';
import { CgError } from '../../src/core/errors.ts';
import { toProblem } from '../../src/http/problem.ts';
import { routes, type RoutePlugin } from '../../src/http/routes/index.ts';
import { defineRoute, mount } from '../../src/http/route.ts';
import { z } from 'zod';
import { DEMO_YAML, type TestApp } from './app-support.ts';

// A route that fails unexpectedly, to show a 500 never leaks what went wrong.
const boom: RoutePlugin = (app) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/test/boom',
    operationId: 'boom',
    summary: 'fails',
    auth: { kind: 'public' },
    response: { 200: z.object({}) },
    handler: () => {
      throw new Error('duplicate key value (email)=(kim@example.kr) violates constraint');
    },
  }));
};

// A route answering through a callback (`respond`), as the release route does: the same answers
// as a handler returning the body or throwing the error.
const later: RoutePlugin = (app) => {
  mount(app, defineRoute({
    method: 'POST',
    url: '/test/respond',
    operationId: 'respondLater',
    summary: 'answers from a callback',
    auth: { kind: 'public' },
    body: z.strictObject({ answer: z.enum(['ok', 'refused', 'thrown-value']) }),
    response: { 201: z.object({ ok: z.boolean() }) },
    respond: ({ body }, send) => {
      setImmediate(() => {
        if (body.answer === 'ok') send(null, { ok: true });
        else if (body.answer === 'refused') send(new CgError('SOME_REFUSAL', 'refused for the test', 409));
        else send('a thrown value that is not an Error (kim@example.kr)');
      });
    },
  }));
};

let app: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  routes.push(boom, later);
  const logStream = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
  const created = await createApp(testConfig({ logLevel: 'info' }), { logStream });
  routes.splice(routes.indexOf(boom), 2);
  const { key } = await created.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' });
  const stored = await created.ctx.registry.store(DEMO_YAML, 'test');
  await created.ctx.registry.activate(stored.row.version, 'test');
  app = Object.assign(created, { adminKey: key, auth: (k: string = key) => ({ authorization: `Bearer ${k}` }) });
}, 180_000);
afterAll(() => app?.close());

const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, code: string) => {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:consentgate:problem:${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
};

describe('problem documents', () => {
  it("a request without an id gets the server's: 32 hex digits (128 random bits), a new one each time", async () => {
    const [a, b] = await Promise.all([app.server.inject({ method: 'GET', url: '/v1/nothing-here' }), app.server.inject({ method: 'GET', url: '/v1/nothing-here' })]);
    for (const res of [a, b]) {
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect((res.json() as { instance?: string }).instance).toBe(res.headers['x-request-id']);
    }
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('unknown routes are 404 NOT_FOUND with the request id as instance', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/v1/nothing-here?email=x', headers: { 'x-request-id': 'req-123' } });
    const body = expectProblem(res, 404, 'NOT_FOUND');
    expect(body.instance).toBe('req-123');
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(String(body.detail)).not.toContain('email');
  });

  it('an unexpected error is a bare 500 INTERNAL that leaks nothing', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/test/boom' });
    const body = expectProblem(res, 500, 'INTERNAL');
    expect(res.body).not.toContain('kim@example.kr');
    expect(res.body).not.toContain('constraint');
    expect(body.detail).toBe('internal error');
    // The log has the error's name and stack frames, not its message (which quotes data).
    const logged = logLines.join('');
    expect(logged).toContain('request failed');
    expect(logged).not.toContain('kim@example.kr');
  });

  it('a respond route answers as a handler would: its body with the route\'s status, an error as its problem, anything else as a bare 500', async () => {
    const ask = (answer: string) => app.server.inject({ method: 'POST', url: '/test/respond', payload: { answer } });
    const ok = await ask('ok');
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ ok: true });
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expectProblem(await ask('refused'), 409, 'SOME_REFUSAL');
    const odd = await ask('thrown-value');
    expectProblem(odd, 500, 'INTERNAL');
    expect(odd.body).not.toContain('kim@example.kr');
    // Bad input is refused before the route is asked, as for any route.
    expectProblem(await ask('other'), 422, 'VALIDATION_FAILED');
  });

  it('a route gives exactly one of handler and respond', () => {
    const spec = { method: 'GET' as const, url: '/test/neither', operationId: 'neither', summary: 'x', auth: { kind: 'public' as const }, response: { 200: z.object({}) } };
    expect(() => mount(app.server, defineRoute(spec))).toThrow(/exactly one of handler and respond/);
    expect(() => mount(app.server, defineRoute({ ...spec, handler: () => ({}), respond: (_i, send) => send(null, {}) }))).toThrow(/exactly one/);
  });

  it('maps CgError, preserving code, status, path and every detail', () => {
    const p = toProblem(new CgError('SOME_CODE', 'msg', 409, [{ code: 'A', message: 'a', path: 'x.y' }, { code: 'B', message: 'b', path: 'z' }]));
    expect(p).toMatchObject({ status: 409, code: 'SOME_CODE', path: 'x.y', errors: [{ path: 'x.y' }, { path: 'z' }] });
  });
});

describe('authentication', () => {
  it('no key → 401 UNAUTHENTICATED with WWW-Authenticate', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/v1/registry' });
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('malformed, unknown and tampered keys → 401', async () => {
    const tampered = app.adminKey.slice(0, -2) + (app.adminKey.endsWith('AA') ? 'BB' : 'AA');
    for (const k of ['nonsense', 'cg_admin_0123456789abcdef_' + 'x'.repeat(43), tampered, app.adminKey.replace('cg_admin_', 'cg_subject_')]) {
      expectProblem(await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth(k) }), 401, 'UNAUTHENTICATED');
    }
  });

  it('accepts the key in x-api-key too', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/v1/registry', headers: { 'x-api-key': app.adminKey } });
    expect(res.statusCode).toBe(200);
  });

  it('missing scope → 403 FORBIDDEN_SCOPE; a recipient key on an admin route → 403 FORBIDDEN_KEY_KIND', async () => {
    const { key: reader } = await app.ctx.keys.create({ kind: 'admin', principal: 'auditor', scopes: ['registry:read'], actor: 'test' });
    expect((await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth(reader) })).statusCode).toBe(200);
    const body = expectProblem(
      await app.server.inject({ method: 'POST', url: '/v1/registry/versions', headers: { ...app.auth(reader), 'content-type': 'text/yaml' }, payload: DEMO_YAML }),
      403,
      'FORBIDDEN_SCOPE',
    );
    expect(body.required_scopes).toEqual(['registry:write']);
    const { key: courier } = await app.ctx.members.issueKey('hanbit_express', 'test');
    expectProblem(await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth(courier) }), 403, 'FORBIDDEN_KEY_KIND');
  });

  it('an expired key → 401 saying so', async () => {
    const { key } = await app.ctx.keys.create({ kind: 'admin', principal: 'x', scopes: ['*'], expiresAt: new Date(Date.now() - 1000), actor: 'test' });
    const body = expectProblem(await app.server.inject({ method: 'GET', url: '/v1/registry', headers: app.auth(key) }), 401, 'UNAUTHENTICATED');
    expect(body.detail).toMatch(/expired/);
  });

  it('rejects before reading the body: no key + oversized body is 401, not 413', async () => {
    const res = await app.server.inject({ method: 'POST', url: '/v1/members', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(300 * 1024) }) });
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });
});

describe('bad input', () => {
  const post = (payload: string | Buffer, type = 'application/json') =>
    app.server.inject({ method: 'POST', url: '/v1/members', headers: { ...app.auth(), 'content-type': type }, payload });

  it('body over the limit → 413 BODY_TOO_LARGE', async () => {
    expectProblem(await post(JSON.stringify({ class: 'cn_sellers', name: 'x'.repeat(300 * 1024), country: 'CN' })), 413, 'BODY_TOO_LARGE');
  });

  it('malformed JSON → 400 MALFORMED_JSON; empty JSON body → 400 MALFORMED_JSON; the path is the body ("")', async () => {
    for (const body of ['{"class": "cn_sellers",', '']) {
      const res = await post(body);
      expectProblem(res, 400, 'MALFORMED_JSON');
      expect(res.json().path).toBe('');
    }
  });

  it('prototype poisoning is refused, at any depth, with the body as its path', async () => {
    for (const body of ['{"class":"cn_sellers","name":"a","country":"CN","__proto__":{"admin":true}}', '{"contact":{"x":{"__proto__":""}},"class":"cn_sellers"}']) {
      const res = await post(body);
      expectProblem(res, 400, 'MALFORMED_JSON');
      expect(res.json().path).toBe('');
    }
    expect(await app.ctx.members.list({ classId: 'cn_sellers' })).toEqual([]);
  });

  it('non-UTF-8 JSON → 400 INVALID_ENCODING', async () => {
    expectProblem(await post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'INVALID_ENCODING');
  });

  it('a media type the route does not accept → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectProblem(await post('class: cn_sellers', 'text/yaml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await post('<x/>', 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('invalid body → 422 VALIDATION_FAILED with the first path and every error', async () => {
    const body = expectProblem(await post(JSON.stringify({ class: 5, country: 'china', extra: 1 })), 422, 'VALIDATION_FAILED');
    const errors = body.errors as Array<{ path: string; code: string }>;
    const paths = errors.map((e) => e.path);
    expect(body.path).toBe(paths[0]);
    expect(paths).toEqual(expect.arrayContaining(['class', 'name', 'country']));
    expect(errors.some((e) => e.code === 'UNRECOGNIZED_KEYS')).toBe(true);
  });

  it('invalid query and params → 400 VALIDATION_FAILED naming the part', async () => {
    const q = expectProblem(await app.server.inject({ method: 'GET', url: '/v1/members?limit=lots', headers: app.auth() }), 400, 'VALIDATION_FAILED');
    expect(q.path).toBe('query.limit');
    const p = expectProblem(await app.server.inject({ method: 'POST', url: '/v1/registry/versions/zero/activate', headers: app.auth() }), 400, 'VALIDATION_FAILED');
    expect(p.path).toBe('params.version');
  });
});

describe('operations', () => {
  it('security headers on every response', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('/healthz and /readyz', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', registry_version: app.ctx.registry.active!.version });
  });

  it('/metrics counts requests by route pattern and status', async () => {
    await app.server.inject({ method: 'GET', url: '/v1/members/seller-that-does-not-exist', headers: app.auth() });
    // Scraping the API port takes a metrics:read (here: `*`) admin key (issue 17 item 8).
    const res = await app.server.inject({ method: 'GET', url: '/metrics', headers: app.auth() });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/consentgate_http_requests_total\{method="GET",route="\/v1\/members\/:id",status="404"\} [1-9]/);
    expect(res.body).toContain('consentgate_http_request_duration_seconds_bucket');
    expect(res.body).not.toContain('seller-that-does-not-exist');
  });

  it('/openapi.json is OpenAPI 3.1 with every route, typed bodies and the Problem schema', async () => {
    const doc = (await app.server.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/registry', '/v1/registry/validate', '/v1/registry/versions', '/v1/registry/versions/{version}/activate', '/v1/members', '/v1/recipients/{id}/keys', '/v1/api-keys']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/v1/members']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/v1/members']!.post!.security).toEqual([{ adminKey: ['recipients:write'] }]);
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
    const docs = await app.server.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('logs carry no keys and no bodies', async () => {
    const res = await app.server.inject({ method: 'POST', url: '/v1/members', headers: { ...app.auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ class: 'cn_sellers', name: 'Secret Seller Name', country: 'CN' }) });
    const logged = logLines.join('');
    expect(logged).toContain('"route":"/v1/members"');
    // One access line per request, naming the request by the id it was answered with.
    const access = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.reqId === res.headers['x-request-id']);
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'POST', route: '/v1/members', status: res.statusCode });
    // The secret is everything after `cg_admin_<keyId>_`; it may itself contain "_".
    const secret = parseKey(app.adminKey)!.secret;
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain('Secret Seller Name');
  });
});

describe('NUL characters never reach the database', () => {
  let app: TestApp;
  beforeAll(async () => {
    const { testApp } = await import('./app-support.ts');
    app = await testApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses U+0000 in params, query and body with the field path, never a 500', async () => {
    const inParam = await app.server.inject({ method: 'GET', url: '/v1/members/a%00b', headers: app.auth() });
    expect(inParam.statusCode).toBe(400);
    expect(inParam.json()).toMatchObject({ code: 'VALIDATION_FAILED', path: 'params.id' });
    const inBody = await app.server.inject({
      method: 'POST', url: '/v1/members', headers: { ...app.auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ class: 'cn_sellers', name: 'Bad\u0000Name', country: 'CN' }),
    });
    expect(inBody.statusCode).toBe(422);
    expect(inBody.json()).toMatchObject({ code: 'VALIDATION_FAILED', path: 'name' });
  });
});
