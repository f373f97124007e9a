import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installRateLimit, longDuration, MemoryStore, windowMs, type RateLimitCallback, type RateLimitStore } from '../../src/http/rate-limit.ts';

// The limiter on a bare Fastify instance: what every route of the server gets (src/http/server.ts).
async function server(opts: { max: number; timeWindow: number; store?: new (p: { max: number; timeWindow: number }) => RateLimitStore }) {
  const app = Fastify();
  app.setErrorHandler((e: Error & { status?: number; code?: string }, _req, reply) => reply.code(e.status ?? 500).send({ code: e.code }));
  installRateLimit(app, { ...opts, keyGenerator: (req) => `k:${String(req.headers['x-key'] ?? 'anon')}` });
  app.get('/a', async () => 'a');
  app.get('/own', { config: { rateLimit: { max: 1, timeWindow: '1 minute' } } }, async () => 'own');
  app.get('/free', { config: { rateLimit: false } }, async () => 'free');
  await app.ready();
  return app;
}

describe('rate limit hook', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('answers with the budget left, then 429 with retry-after; per key; a new window starts afresh', async () => {
    vi.setSystemTime(1_000_000);
    const app = await server({ max: 2, timeWindow: 60_000 });
    const get = (key: string) => app.inject({ method: 'GET', url: '/a', headers: { 'x-key': key } });
    const first = await get('one');
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '60' });
    expect(first.headers['retry-after']).toBeUndefined();
    vi.setSystemTime(1_000_000 + 30_500);
    expect((await get('one')).headers).toMatchObject({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' });
    const limited = await get('one');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ code: 'RATE_LIMITED' });
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30', 'retry-after': '30' });
    // Another key has its own budget.
    expect((await get('two')).statusCode).toBe(200);
    // The window ends: counted from 1 again.
    vi.setSystemTime(1_000_000 + 60_000);
    expect((await get('one')).headers).toMatchObject({ 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '60' });
    await app.close();
  });

  it("a route's own budget is counted apart from the global one; an exempt route is never limited", async () => {
    const app = await server({ max: 1, timeWindow: 60_000 });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { 'x-key': 'k' } });
    expect((await get('/a')).statusCode).toBe(200);
    expect((await get('/own')).statusCode).toBe(200);
    expect((await get('/a')).statusCode).toBe(429);
    expect((await get('/own')).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) {
      const free = await get('/free');
      expect(free.statusCode).toBe(200);
      expect(free.headers['x-ratelimit-limit']).toBeUndefined();
    }
    await app.close();
  });

  it('a shared store is constructed with the global budget, asked per route, and its failure refuses the request', async () => {
    const calls: Array<[string, number, number]> = [];
    const made: unknown[] = [];
    class Failing implements RateLimitStore {
      constructor(params: unknown) {
        made.push(params);
      }
      incr(key: string, cb: RateLimitCallback, timeWindow: number, max: number) {
        calls.push([key, timeWindow, max]);
        cb(Object.assign(new Error('down'), { status: 503, code: 'RATE_LIMIT_UNAVAILABLE' }));
      }
      child(p: { routeInfo: { url?: string } }) {
        made.push(p.routeInfo.url);
        return this;
      }
    }
    const app = await server({ max: 5, timeWindow: 1000, store: Failing });
    // GET and the HEAD route Fastify adds for it: a child each.
    expect(made).toEqual([{ max: 5, timeWindow: 1000 }, '/own', '/own']);
    const res = await app.inject({ method: 'GET', url: '/a', headers: { 'x-key': 'z' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ code: 'RATE_LIMIT_UNAVAILABLE' });
    await app.inject({ method: 'GET', url: '/own', headers: { 'x-key': 'z' } });
    expect(calls).toEqual([['k:z', 1000, 5], ['k:z', 60_000, 1]]);
    await app.close();
  });

  it('the memory store forgets the least recently counted keys beyond its capacity', () => {
    const store = new MemoryStore(2);
    const count = (key: string) => {
      let current = 0;
      store.incr(key, (_e, r) => (current = r!.current), 60_000);
      return current;
    };
    expect([count('a'), count('b'), count('a'), count('c')]).toEqual([1, 1, 2, 1]);
    // 'b' was the least recently counted: forgotten; 'a' is kept.
    expect([count('a'), count('b')]).toEqual([3, 1]);
  });

  it('words durations and reads windows as the plugin it replaced did', () => {
    expect(longDuration(59_000)).toBe('59 seconds');
    expect(longDuration(1000)).toBe('1 second');
    expect(longDuration(60_000)).toBe('1 minute');
    expect(longDuration(90 * 60_000)).toBe('2 hours');
    expect(longDuration(500)).toBe('500 ms');
    expect(windowMs('1 minute')).toBe(60_000);
    expect(windowMs('30s')).toBe(30_000);
    expect(windowMs('2 hours')).toBe(7_200_000);
    expect(windowMs('250')).toBe(250);
    expect(windowMs(1500.7)).toBe(1500);
  });
});
