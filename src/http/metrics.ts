import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client registry per running app (tests run several apps in one process). Features
 * add their metrics to `ctx.metrics` with `metric(ctx.metrics, Counter, {...})`, which returns
 * the existing metric when the name is already registered.
 */
export function createMetricsRegistry(opts: { defaults?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'consentgate_' });
  return registry;
}

type MetricClass<M, C> = new (config: C) => M;

export function metric<M, C extends { name: string }>(registry: Registry, cls: MetricClass<M, C>, config: C): M {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as M;
  return new cls({ ...config, registers: [registry] });
}

type Labels = { method: string; route: string; status: string };

const LATENCY_NAME = 'consentgate_http_request_duration_seconds';
const LATENCY_HELP = 'HTTP request latency by method, route pattern and status';
/** Upper bounds of the latency buckets, in seconds. */
const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** One label set's numbers: requests, and their latency histogram (per-bucket counts, not cumulative). */
interface Series {
  readonly labels: Labels;
  count: number;
  /** Requests already handed to the prom-client counter. */
  counted: number;
  sum: number;
  /** buckets[i]: requests with BOUNDS[i-1] < seconds ≤ BOUNDS[i]; the last one, above every bound. */
  readonly buckets: Float64Array;
}

/**
 * Request count and latency by route pattern (never the raw URL: it may carry ids) and status.
 *
 * prom-client hashes the label object on every `inc`/`observe`, which cost more than the rest of
 * the hook. So a request only bumps numbers of its label set (found without allocating once
 * seen): the latency histogram is this class's own metric, exposed in prom-client's format
 * (`_bucket` with `le`, `_sum`, `_count`), and the request counter is a prom-client counter told
 * the new requests when `/metrics` is scraped (its `collect`). A scrape therefore always sees
 * every request that finished before it, and no request ever waits for a batch of them to be
 * handed over.
 */
export class HttpMetrics {
  private readonly series: Series[] = [];
  /** route → method → status → series. */
  private readonly index = new Map<string, Map<string, Map<number, Series>>>();
  private readonly requests: Counter<keyof Labels>;

  constructor(registry: Registry) {
    this.requests = metric(registry, Counter<keyof Labels>, {
      name: 'consentgate_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      collect: () => this.flush(),
    });
    registry.registerMetric(this.latencyMetric() as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  record(method: string, route: string, status: number, seconds: number): void {
    const s = this.seriesOf(method, route, status);
    s.count++;
    s.sum += seconds;
    let b = 0;
    while (b < BOUNDS.length && seconds > BOUNDS[b]!) b++;
    s.buckets[b]!++;
  }

  /** Hands the requests counted since the last scrape to the prom-client counter. */
  flush(): void {
    for (const s of this.series) {
      if (s.count === s.counted) continue;
      this.requests.inc(s.labels, s.count - s.counted);
      s.counted = s.count;
    }
  }

  private seriesOf(method: string, route: string, status: number): Series {
    let byMethod = this.index.get(route);
    if (byMethod === undefined) this.index.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (s === undefined) {
      s = { labels: { method, route, status: String(status) }, count: 0, counted: 0, sum: 0, buckets: new Float64Array(BOUNDS.length + 1) };
      this.series.push(s);
      byStatus.set(status, s);
    }
    return s;
  }

  /** The latency histogram as a registry metric: what prom-client's Histogram would write for the same observations. */
  private latencyMetric() {
    const get = () => {
      const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
      for (const s of this.series) {
        let cumulative = 0;
        for (let i = 0; i < BOUNDS.length; i++) {
          cumulative += s.buckets[i]!;
          values.push({ labels: { le: BOUNDS[i]!, ...s.labels }, value: cumulative, metricName: `${LATENCY_NAME}_bucket` });
        }
        values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${LATENCY_NAME}_bucket` });
        values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${LATENCY_NAME}_sum` });
        values.push({ labels: { ...s.labels }, value: s.count, metricName: `${LATENCY_NAME}_count` });
      }
      return { name: LATENCY_NAME, help: LATENCY_HELP, type: 'histogram', values, aggregator: 'sum' };
    };
    return {
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => get(),
      reset: () => {
        for (const s of this.series) {
          s.count = s.counted = s.sum = 0;
          s.buckets.fill(0);
        }
      },
    };
  }
}

const perRegistry = new WeakMap<Registry, HttpMetrics>();

/** The HTTP metrics of `registry` (one recorder per registry, so every scrape flushes it). */
export function httpMetrics(registry: Registry): HttpMetrics {
  let m = perRegistry.get(registry);
  if (m === undefined) perRegistry.set(registry, (m = new HttpMetrics(registry)));
  return m;
}
