import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../src/http/metrics.ts';

// HttpMetrics keeps its own latency histogram: a scrape must read as prom-client's own Histogram
// and Counter would for the same requests (the metrics it replaced, same names and buckets).
describe('HTTP metrics exposition', () => {
  it('is line for line what prom-client writes for the same observations (property)', async () => {
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST'),
      route: fc.constantFrom('/v1/releases', '/healthz', 'unmatched'),
      status: fc.constantFrom(200, 403, 429, 500),
      // Durations on and around the bucket bounds, and beyond the last.
      seconds: fc.oneof(fc.constantFrom(0, 0.0005, 0.001, 0.0025, 2.5, 3), fc.double({ min: 0, max: 4, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 60 }), fc.integer({ min: 0, max: 60 }), async (requests, scrapeAt) => {
        const ours = new Registry();
        const m = new HttpMetrics(ours);
        const theirs = new Registry();
        const labelNames = ['method', 'route', 'status'] as const;
        const count = new Counter({ name: 'consentgate_http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames, registers: [theirs] });
        const latency = new Histogram({
          name: 'consentgate_http_request_duration_seconds',
          help: 'HTTP request latency by method, route pattern and status',
          labelNames,
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [theirs],
        });
        // Label sets appear in the order first seen, in both.
        for (const [i, r] of requests.entries()) {
          if (i === scrapeAt) await ours.metrics();
          m.record(r.method, r.route, r.status, r.seconds);
          const labels = { method: r.method, route: r.route, status: String(r.status) };
          count.inc(labels);
          latency.observe(labels, r.seconds);
        }
        const sorted = async (reg: Registry) => (await reg.metrics()).split('\n').sort();
        expect(await sorted(ours)).toEqual(await sorted(theirs));
      }),
      { numRuns: 300 },
    );
  });
});
