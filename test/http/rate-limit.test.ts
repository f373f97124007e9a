import { afterAll, beforeAll, expect, it } from 'vitest';
import { testApp, type TestApp } from './app-support.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp({ rateLimit: { max: 3, timeWindowMs: 60_000 } }, { activate: false });
}, 180_000);
afterAll(() => app?.close());

it('limits requests per API key, not per address; the probes are exempt', async () => {
  const { key: other } = await app.ctx.keys.create({ kind: 'admin', principal: 'other', scopes: ['*'], actor: 'test' });
  const get = (k: string) => app.server.inject({ method: 'GET', url: '/v1/registry/versions', headers: app.auth(k) });
  for (let i = 0; i < 3; i++) expect((await get(app.adminKey)).statusCode).toBe(200);
  const limited = await get(app.adminKey);
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
  expect((await get(other)).statusCode).toBe(200);
  for (let i = 0; i < 5; i++) expect((await app.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
});

it('unauthenticated guesses are limited per client address', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await app.server.inject({ method: 'GET', url: '/v1/registry', headers: { authorization: `Bearer cg_admin_${'0'.repeat(16)}_${'A'.repeat(43)}` } });
    statuses.push(res.statusCode);
  }
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
});
