import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { applySecurityHeaders, frameworkErrors } from './security-headers.ts';
import { installProblemHandlers } from './problem.ts';
import { clientErrorHandler, DEFAULT_CONNECTION_LIMITS, nodeServerOptions } from './connection-guard.ts';

/**
 * The metrics listener (CONSENTGATE_METRICS_PORT): `GET /metrics` without a key, and nothing
 * else — every other path is a 404 problem. It is meant for a Prometheus on the internal
 * network; the operator keeps the port off the load balancer (docs/deploy.md). It binds to the
 * same HOST as the API. The API port keeps serving /metrics, but only to a `metrics:read` key.
 *
 * A Fastify instance of its own so nothing of the API (routes, sessions, CORS, body parsers)
 * is reachable through it; same problem documents, security headers, timeouts and answers to
 * broken HTTP (Node's own 400/408/431, connection-guard.ts) as the API.
 */
export async function buildMetricsServer(registry: Registry, log?: FastifyBaseLogger): Promise<FastifyInstance> {
  const node = nodeServerOptions(DEFAULT_CONNECTION_LIMITS);
  const app: FastifyInstance = Fastify({
    ...(log ? { loggerInstance: log } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
    bodyLimit: 1024,
    http: node,
    requestTimeout: node.requestTimeout,
    clientErrorHandler: clientErrorHandler(() => app.log),
  });
  installProblemHandlers(app);
  app.addHook('onSend', (request, reply, payload, done) => {
    applySecurityHeaders(request.url, reply);
    done(null, payload);
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  await app.ready();
  return app;
}
