import autocannon from 'autocannon';
import { round } from './lib.ts';

/**
 * One load run at a fixed request rate (autocannon `overallRate`), with latencies taken from every
 * response rather than from autocannon's summary.
 *
 * Why not autocannon's own percentiles: with a rate set, it "corrects" for coordinated omission
 * with an expected interval of `ceil(1 / rate)` = 1 ms per connection, which adds synthetic
 * samples below each real one, and it reports whole milliseconds. Against a 5 ms target both
 * matter, so the raw per-response times (hrtime, fractional ms) are kept and summarised here;
 * autocannon's p99 is reported beside them for reference.
 *
 * How autocannon paces: each connection may send `rate / connections` requests per second, back
 * to back, and then waits for its one-second timer (lib/httpClient.js); all timers start
 * together. So the server sees the second's requests as a burst at full concurrency, not evenly
 * spaced arrivals. `busiest_100ms_share` measures that: the largest share of a second's
 * responses that completed within one 100 ms slice (0.1 = evenly spread, 1 = all in one slice).
 */
export interface RateResult {
  rate_target: number;
  connections: number;
  seconds: number;
  /** Responses per second actually achieved. */
  rps: number;
  /** Whether the server kept up (≥ 95 % of the target): if not, the run measured saturation, not the rate. */
  rate_reached: boolean;
  requests: number;
  non2xx: number;
  /** Status code → count of the non-2xx answers, when there were any: a failed run says what failed. */
  non2xx_status?: Record<string, number>;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** autocannon's own p99 (whole ms, coordinated-omission corrected with a 1 ms interval). */
  autocannon_p99_ms: number;
  busiest_100ms_share: number;
}

export interface RateOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: () => string;
  rate: number;
  connections: number;
  seconds: number;
}

export function fixedRate(o: RateOptions): Promise<RateResult> {
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  // Completed responses per 100 ms slice since the start.
  const slices: number[] = [];
  let t0 = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        overallRate: o.rate,
        requests: [{ method: 'POST', path: o.path, headers: o.headers, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: o.body() }) }],
      },
      (err, r) => {
        if (err) return reject(err);
        const sorted = Float64Array.from(latencies).sort();
        const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
        resolve({
          rate_target: o.rate,
          connections: o.connections,
          seconds: o.seconds,
          rps: round(r.requests.average, 1),
          rate_reached: r.requests.average >= 0.95 * o.rate,
          requests: r.requests.total,
          non2xx: r.non2xx,
          ...(r.non2xx > 0 ? { non2xx_status: failed } : {}),
          errors: r.errors,
          p50_ms: round(pick(0.5), 2),
          p99_ms: round(pick(0.99), 2),
          max_ms: round(sorted[sorted.length - 1] ?? 0, 2),
          autocannon_p99_ms: r.latency.p99,
          busiest_100ms_share: busiestShare(slices),
        });
      },
    ) as { on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void; on(event: 'start', fn: () => void): void };
    instance.on('start', () => {
      t0 = performance.now();
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status < 200 || status > 299) {
        failed[status] = (failed[status] ?? 0) + 1;
        return;
      }
      latencies.push(ms);
      const slice = Math.floor((performance.now() - t0) / 100);
      slices[slice] = (slices[slice] ?? 0) + 1;
    });
  });
}

/** Per whole second: max responses in one 100 ms slice / responses in that second; the median over seconds. */
function busiestShare(slices: number[]): number {
  const shares: number[] = [];
  for (let s = 0; s + 10 <= slices.length; s += 10) {
    const second = Array.from({ length: 10 }, (_, i) => slices[s + i] ?? 0);
    const total = second.reduce((a, b) => a + b, 0);
    if (total > 0) shares.push(Math.max(...second) / total);
  }
  return round(median(shares), 2);
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
