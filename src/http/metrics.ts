import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketHistogram, type HistogramSeries } from '../metrics/histogram.ts';

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

/** Upper bounds of the latency buckets, in seconds. */
const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One label set's numbers: its latency series, and the requests already handed to the counter. */
interface Series {
  readonly labels: Labels;
  readonly latency: HistogramSeries;
  counted: number;
}

/**
 * Request count and latency by route pattern (never the raw URL: it may carry ids) and status.
 *
 * prom-client hashes the label object on every `inc`/`observe`, which cost more than the rest of
 * the hook. So a request only bumps numbers of its label set (found without allocating once
 * seen): the latency histogram is a BucketHistogram (src/metrics/histogram.ts, exposed as
 * prom-client's Histogram is), and the request counter is a prom-client counter told the new
 * requests when `/metrics` is scraped (its `collect`). A scrape therefore always sees every
 * request that finished before it, and no request waits for a batch of them to be handed over.
 */
export class HttpMetrics {
  private readonly series: Series[] = [];
  /** route → method → status → series. */
  private readonly index = new Map<string, Map<string, Map<number, Series>>>();
  private readonly requests: Counter<keyof Labels>;
  private readonly latency: BucketHistogram;

  constructor(registry: Registry) {
    this.requests = metric(registry, Counter<keyof Labels>, {
      name: 'consentgate_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      collect: () => this.flush(),
    });
    this.latency = new BucketHistogram(registry, 'consentgate_http_request_duration_seconds', 'HTTP request latency by method, route pattern and status', BOUNDS, true);
  }

  record(method: string, route: string, status: number, seconds: number): void {
    this.latency.observeIn(this.seriesOf(method, route, status).latency, seconds);
  }

  /** Hands the requests counted since the last scrape to the prom-client counter. */
  flush(): void {
    for (const s of this.series) {
      const n = s.latency.count;
      if (n === s.counted) continue;
      this.requests.inc(s.labels, n - s.counted);
      s.counted = n;
    }
  }

  private seriesOf(method: string, route: string, status: number): Series {
    let byMethod = this.index.get(route);
    if (byMethod === undefined) this.index.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (s === undefined) {
      const labels = { method, route, status: String(status) };
      s = { labels, latency: this.latency.series(labels), counted: 0 };
      this.series.push(s);
      byStatus.set(status, s);
    }
    return s;
  }
}

const perRegistry = new WeakMap<Registry, HttpMetrics>();

/** The HTTP metrics of `registry` (one recorder per registry, so every scrape flushes it). */
export function httpMetrics(registry: Registry): HttpMetrics {
  let m = perRegistry.get(registry);
  if (m === undefined) perRegistry.set(registry, (m = new HttpMetrics(registry)));
  return m;
}
