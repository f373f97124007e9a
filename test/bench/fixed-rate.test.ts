import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedRate, median } from '../../bench/fixed-rate.ts';

/**
 * The fixed-rate load helper of `npm run bench release` (issue 20 goals 1 and 2) against a real
 * Fastify server on loopback: it holds the rate, counts every response, takes its percentiles
 * from the responses themselves, and shows autocannon's per-second bursts, which
 * docs/release-history.md tells readers of the numbers about.
 */
describe('bench fixed-rate load', () => {
  let server: FastifyInstance;
  let port = 0;
  let seen = 0;
  beforeAll(async () => {
    server = Fastify({ logger: false });
    server.post('/echo', async (req) => {
      seen++;
      return { subject: (req.body as { subject: string }).subject };
    });
    // Every fifth request refused, as a server under pressure might (429) or a failing one (503).
    let k = 0;
    server.post('/flaky', async (_req, reply) => {
      k++;
      if (k % 5 === 0) return reply.code(k % 10 === 0 ? 503 : 429).send({ code: 'X' });
      return { ok: true };
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  it('sends the target rate, summarises every 2xx response, and reports the bursts', async () => {
    let n = 0;
    const r = await fixedRate({
      url: `http://127.0.0.1:${port}`,
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: () => JSON.stringify({ subject: `s-${n++}` }),
      rate: 200,
      connections: 4,
      seconds: 2,
    });
    expect(r.errors).toBe(0);
    expect(r.non2xx).toBe(0);
    // 200/s for 2 s. The budget renews on each connection's one-second timer, so the timer firing
    // at the 2 s mark, just before autocannon stops, may let part of a third second's burst out.
    expect(r.requests).toBeGreaterThanOrEqual(380);
    expect(r.requests).toBeLessThanOrEqual(600);
    expect(seen).toBeGreaterThanOrEqual(r.requests);
    expect(r.rate_reached).toBe(true);
    expect(r.p50_ms).toBeGreaterThan(0);
    expect(r.p99_ms).toBeGreaterThanOrEqual(r.p50_ms);
    expect(r.max_ms).toBeGreaterThanOrEqual(r.p99_ms);
    // Each connection sends its 50 requests of the second back to back: far from the 0.1 of
    // evenly spaced arrivals.
    expect(r.busiest_100ms_share).toBeGreaterThan(0.3);
    expect(r.non2xx_status).toBeUndefined();
  });

  it('says which statuses the non-2xx answers had, and leaves them out of the latencies', async () => {
    const r = await fixedRate({
      url: `http://127.0.0.1:${port}`,
      path: '/flaky',
      headers: { 'content-type': 'application/json' },
      body: () => '{}',
      rate: 100,
      connections: 2,
      seconds: 1,
    });
    expect(r.non2xx).toBeGreaterThan(0);
    const by = r.non2xx_status ?? {};
    expect(Object.keys(by).sort()).toEqual(['429', '503']);
    expect(by['429']! + by['503']!).toBe(r.non2xx);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
