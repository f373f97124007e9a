import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { CgError } from '../core/errors.ts';
import { content, defineRoute, mount } from './route.ts';

/** Probes and the OpenAPI document (public, exempt from rate limits) and metrics (a `metrics:read` key). */
export function systemRoutes(app: FastifyInstance, ctx: AppContext): void {
  mount(app, defineRoute({
    method: 'GET',
    url: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process is up',
    tags: ['system'],
    auth: { kind: 'public' },
    rateLimit: false,
    response: { 200: z.object({ status: z.literal('ok') }) },
    handler: () => ({ status: 'ok' as const }),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers and a registry is active',
    tags: ['system'],
    auth: { kind: 'public' },
    rateLimit: false,
    response: { 200: z.object({ status: z.literal('ready'), registry_version: z.number().int() }) },
    handler: async () => {
      try {
        await ctx.db.query('SELECT 1');
      } catch {
        throw new CgError('NOT_READY', 'database unreachable', 503);
      }
      const active = ctx.registry.active;
      if (!active) throw new CgError('NOT_READY', 'no registry is active', 503);
      return { status: 'ready' as const, registry_version: active.version };
    },
  }));

  // Metrics name routes, deny codes and backlogs: operational intelligence, so the API port
  // serves them only to an admin key holding `metrics:read` (a scrape every few seconds stays far
  // below the per-key rate limit). CONSENTGATE_METRICS_PORT serves them key-less on a port of its
  // own, for a Prometheus on the internal network (metrics-server.ts, docs/deploy.md).
  mount(app, defineRoute({
    method: 'GET',
    url: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (text exposition format)',
    tags: ['system'],
    auth: { kind: 'admin', scopes: ['metrics:read'] },
    hide: true,
    response: { 200: content({ 'text/plain': z.string() }, 'Prometheus text exposition format') },
    handler: async ({ reply }) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.metrics()),
  }));

  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());
}
