import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { requestId } from '../app/ids.ts';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { CgError } from '../core/errors.ts';
import type { AppContext } from '../app/context.ts';
import { installAuth, installAuthorize, keyFields } from './auth.ts';
import type { Principal } from './principal.ts';
import { AuthFailureGuard, DEFAULT_AUTH_FAIL_LIMIT, memoryFailureCounter, type AuthFailLimit, type FailureCounter } from './auth-failures.ts';
import type { ServerOptions as HttpsOptions } from 'node:https';
import { installClientCertCheck } from './tls.ts';
import { applySecurityHeaders, frameworkErrors } from './security-headers.ts';
import { installWidgetCors } from './widget-cors.ts';
import { capConnectionsPerAddress, clientErrorHandler, DEFAULT_CONNECTION_LIMITS, nodeServerOptions, type ConnectionLimits } from './connection-guard.ts';
import { httpMetrics } from './metrics.ts';
import { lazyChildren } from './request-log.ts';
import { transformRouteSchema } from './openapi.ts';
import { securitySchemes } from './openapi-security.ts';
import { compileInputGuard, type GuardPart } from './input-guard.ts';
import { installProblemHandlers, pathOnly } from './problem.ts';
import { routes } from './routes/index.ts';
import { systemRoutes } from './system-routes.ts';

export const DEFAULT_BODY_LIMIT = 256 * 1024;

export interface ServerOptions {
  logLevel: string;
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: Writable;
  bodyLimit?: number;
  /** Requests per key (or per client address without a valid key) per window. */
  rateLimit?: { max: number; timeWindowMs: number };
  /** A shared store for several servers (e.g. Redis); in-memory when omitted. */
  rateLimitStore?: unknown;
  trustProxy?: boolean;
  version?: string;
  /** Serve HTTPS (and request client certificates for recipients' mutual TLS): src/http/tls.ts. */
  https?: HttpsOptions;
  /** Origins allowed to call the consent widget's endpoints cross-origin. */
  widgetOrigins?: ReadonlySet<string>;
  /** Failed authentications per client address per window (src/http/auth-failures.ts); 30 a minute by default. */
  authFailLimit?: AuthFailLimit;
  /** Where failed authentications are counted: shared (Redis) across servers; in memory when omitted. */
  authFailCounter?: FailureCounter;
  /** Request deadlines and the per-address connection cap (src/http/connection-guard.ts). */
  connectionLimits?: ConnectionLimits;
}

const TEXT_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'];

/**
 * The HTTP adapter: one Fastify instance with problem+json errors, request ids, redacted logs,
 * security headers, metrics, per-key rate limits, authentication, OpenAPI 3.1 and every feature's
 * routes from `routes/index.ts`. It holds no state of its own: everything lives in `ctx`.
 */
export async function buildServer(ctx: AppContext, opts: ServerOptions): Promise<FastifyInstance> {
  const limits = opts.connectionLimits ?? DEFAULT_CONNECTION_LIMITS;
  const nodeOptions = nodeServerOptions(limits);
  let log: FastifyBaseLogger | undefined;
  const app = Fastify({
    ...(opts.https ? { https: { ...nodeOptions, ...opts.https } } : { http: nodeOptions }),
    // Fastify sets the server's requestTimeout from its own option (0 = off) after creating it.
    requestTimeout: nodeOptions.requestTimeout,
    clientErrorHandler: clientErrorHandler(() => log!),
    logger: {
      level: opts.logLevel,
      ...(opts.logStream ? { stream: opts.logStream } : {}),
      // Bodies are never logged; keys and cookies are redacted wherever they appear.
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'headers.authorization', 'headers["x-api-key"]', 'key', '*.key', 'body', '*.body'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: pathOnly(req.url ?? ''), id: req.id }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : requestId();
    },
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
  });

  log = app.log;
  // Request loggers are built on first use (request-log.ts), with Fastify's own child factory.
  lazyChildren(app.log);
  capConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress, { tls: opts.https !== undefined, log: app.log });
  installProblemHandlers(app);
  installContentParsers(app);
  installZodCompilers(app);

  // The hooks every request runs are callback-style, not async: an async hook costs a promise
  // and a microtask per request for nothing when its work is synchronous.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    applySecurityHeaders(request.url, reply);
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer');
    done(null, payload);
  });
  const metrics = httpMetrics(ctx.metrics);
  // Fastify's logger is pino (configured above).
  const accessLog = app.log as FastifyBaseLogger & { isLevelEnabled(level: string): boolean };
  app.addHook('onResponse', (request, reply, done) => {
    // Route pattern, never the raw URL (ids and query strings can be personal data).
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.record(request.method, route, reply.statusCode, ms / 1000);
    // The root logger with the request id as a field (what the request's child logger would
    // bind), so a request that logs nothing else never builds that child (request-log.ts).
    if (accessLog.isLevelEnabled('info')) {
      accessLog.info({ reqId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(ms * 10) / 10, ...keyFields(request) }, 'request');
    }
    done();
  });

  installWidgetCors(app, opts.widgetOrigins ?? new Set());
  installAuth(app, ctx.keys, new AuthFailureGuard(opts.authFailLimit ?? DEFAULT_AUTH_FAIL_LIMIT, opts.authFailCounter ?? memoryFailureCounter()));
  installClientCertCheck(app, ctx.clientCerts);

  const limit = opts.rateLimit ?? { max: 6000, timeWindowMs: 60_000 };
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    keyGenerator: (req) => (req.principal ? principalKey(req.principal) : `ip:${req.ip}`),
    errorResponseBuilder: (_req, c) => new CgError('RATE_LIMITED', `rate limit of ${c.max} requests per ${c.after} exceeded`, 429),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ...(opts.rateLimitStore ? { store: opts.rateLimitStore as any } : {}),
  });
  installAuthorize(app);

  const components: Record<string, unknown> = {};
  // Recipients' mutual TLS is part of the contract only where the server asks for certificates.
  const documentOptions = { mutualTls: opts.https?.requestCert === true };
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ConsentGate API',
        version: opts.version ?? '0.1.0',
        description:
          'Privacy control plane for cross-border marketplaces. Errors are RFC 9457 `application/problem+json` documents with a stable `code` ' +
          'and, for bad input, the `path` of the offending field. Each operation names the credentials it takes (see docs/api.md).',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the document is served by the server it describes, whatever its public name.
      servers: [{ url: '/', description: 'The server that serves this document' }],
      // The plugin types know OpenAPI 3.0 schemes only (no `mutualTLS`).
      components: { securitySchemes: securitySchemes(documentOptions) as never },
    },
    transform: (input) => transformRouteSchema(input as unknown as Parameters<typeof transformRouteSchema>[0], components, documentOptions),
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: { components?: { schemas?: Record<string, unknown> } } }).openapiObject;
      doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ...components } };
      return doc as never;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(async (scope) => {
    systemRoutes(scope, ctx);
    for (const plugin of routes) await plugin(scope, ctx);
  });
  return app;
}

/**
 * The rate limiter's key of an API key's principal, made once per principal: a verified key's
 * principal is one frozen object per cache entry (api-keys.ts), so the `k:<key id>` text was
 * the same string made again on every request.
 */
const principalKeys = new WeakMap<Principal, string>();
function principalKey(p: Principal): string {
  let k = principalKeys.get(p);
  if (k === undefined) principalKeys.set(p, (k = `k:${p.keyId}`));
  return k;
}

/**
 * JSON bodies and text bodies are decoded as strict UTF-8: an invalid byte is a 400, not a
 * silently substituted U+FFFD. Text media types (YAML) arrive as a string.
 */
function installContentParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  // One decoder for every request: without `stream` each decode() is independent (and resets).
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const decode = (buf: Buffer): string => {
    try {
      return utf8.decode(buf);
    } catch {
      throw new CgError('INVALID_ENCODING', 'request body is not valid UTF-8', 400);
    }
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = decode(body as Buffer);
    } catch (e) {
      return done(e as Error, undefined);
    }
    json(req, text, done);
  });
  app.addContentTypeParser(TEXT_TYPES, { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, decode(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

/** Request parts are validated by their zod schemas; responses are serialised as plain JSON. */
function installZodCompilers(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (!(schema instanceof z.ZodType)) return () => true;
    // Text and date checks every route gets without declaring them (input-guard.ts).
    const guard = compileInputGuard(schema, httpPart as GuardPart);
    return (data: unknown) => {
      const input = data ?? (httpPart === 'body' ? undefined : {});
      const r = schema.safeParse(input);
      if (!r.success) return { error: r.error };
      const refused = guard(r.data, input);
      if (refused) return { error: refused };
      // Headers the schema does not name stay available (content-type, authorization, …).
      if (httpPart === 'headers') return { value: { ...(data as object), ...(r.data as object) } };
      return { value: r.data };
    };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
