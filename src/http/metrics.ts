import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

/**
 * Observations held before they are handed to prom-client. Small enough that a flush (about
 * half a µs per observation) never stalls the event loop noticeably; a scrape flushes anyway.
 */
const QUEUE = 512;

/**
 * Request count and latency by route pattern (never the raw URL: it may carry ids) and status.
 *
 * prom-client hashes the label object on every `inc`/`observe`; on the request path that cost
 * more than the rest of the hook. So a request only writes two numbers into a fixed queue (its
 * label set, looked up without allocating once seen, and its duration), and the queue is handed
 * to prom-client in one batch when `/metrics` is scraped (the metrics' `collect`) or when it is
 * full. A scrape therefore always sees every request that finished before it.
 */
export class HttpMetrics {
  private readonly labelSets: Labels[] = [];
  /** route → method → status → index into labelSets. */
  private readonly index = new Map<string, Map<string, Map<number, number>>>();
  private readonly which = new Uint32Array(QUEUE);
  private readonly seconds = new Float64Array(QUEUE);
  private queued = 0;
  private readonly requests: Counter<keyof Labels>;
  private readonly latency: Histogram<keyof Labels>;

  constructor(registry: Registry) {
    const flush = () => this.flush();
    this.requests = metric(registry, Counter<keyof Labels>, {
      name: 'consentgate_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      collect: flush,
    });
    this.latency = metric(registry, Histogram<keyof Labels>, {
      name: 'consentgate_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      collect: flush,
    });
  }

  record(method: string, route: string, status: number, seconds: number): void {
    const n = this.queued;
    this.which[n] = this.labelIndex(method, route, status);
    this.seconds[n] = seconds;
    this.queued = n + 1;
    if (this.queued === QUEUE) this.flush();
  }

  /** Hands every queued observation to prom-client. */
  flush(): void {
    const n = this.queued;
    if (n === 0) return;
    this.queued = 0;
    const counts = new Uint32Array(this.labelSets.length);
    for (let i = 0; i < n; i++) {
      const k = this.which[i]!;
      counts[k]!++;
      this.latency.observe(this.labelSets[k]!, this.seconds[i]!);
    }
    for (let k = 0; k < counts.length; k++) if (counts[k]! > 0) this.requests.inc(this.labelSets[k]!, counts[k]!);
  }

  private labelIndex(method: string, route: string, status: number): number {
    let byMethod = this.index.get(route);
    if (byMethod === undefined) this.index.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let k = byStatus.get(status);
    if (k === undefined) {
      k = this.labelSets.push({ method, route, status: String(status) }) - 1;
      byStatus.set(status, k);
    }
    return k;
  }
}

const perRegistry = new WeakMap<Registry, HttpMetrics>();

/** The HTTP metrics of `registry` (one recorder per registry, so every scrape flushes it). */
export function httpMetrics(registry: Registry): HttpMetrics {
  let m = perRegistry.get(registry);
  if (m === undefined) perRegistry.set(registry, (m = new HttpMetrics(registry)));
  return m;
}
