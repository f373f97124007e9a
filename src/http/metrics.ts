import type { FastifyInstance } from 'fastify';
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

/** Request count and latency by route pattern (never the raw URL: it may carry ids) and status. */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = metric(registry, Counter<'method' | 'route' | 'status'>, {
    name: 'consentgate_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
  });
  const latency = metric(registry, Histogram<'method' | 'route' | 'status'>, {
    name: 'consentgate_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
}
