import { parseOrigins } from './http/widget-cors.ts';
import { z } from 'zod';
import type { LedgerOptions } from './app/ledger-service.ts';
import { isoDuration } from './core/registry/schema.ts';
import { addDuration } from './core/time/duration.ts';
import { parseAllowList } from './outbox/address-policy.ts';
import type { AuthFailLimit } from './http/auth-failures.ts';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './http/connection-guard.ts';
import type { OidcConfig } from './http/oidc.ts';

/**
 * Server configuration from the environment, validated once at start-up. Anything wrong is
 * reported with the variable's name and the server does not start.
 *
 * PORT (8080) · HOST (127.0.0.1 — set 0.0.0.0 to listen on every interface, e.g. in a container)
 * DATABASE_URL (postgres://…; default: embedded PGlite) · CONSENTGATE_DATA_DIR (./.consentgate)
 * CONSENTGATE_ADMIN_KEY (optional fixed admin key, cg_admin_<16 hex>_<secret>; installed on start)
 * CONSENTGATE_LOG_LEVEL (info) · CONSENTGATE_BODY_LIMIT (262144 bytes)
 * CONSENTGATE_RATE_LIMIT (6000 requests per key per minute) · CONSENTGATE_DEMO (true: seed the demo marketplace)
 * CONSENTGATE_REGISTRY (examples/marketplace/registry.yaml: activated when no registry is active)
 * CONSENTGATE_LEDGER_ORIGIN (consentgate.local/ledger) · CONSENTGATE_LEDGER_KEY (operator-held PRIVATE+KEY+…; else generated)
 * CONSENTGATE_CHECKPOINT_EVERY (1000 entries) · CONSENTGATE_CHECKPOINT_MS (1000 ms): a checkpoint at whichever comes first
 * CONSENTGATE_NATS_URL (nats://…; unset: no event stream) · CONSENTGATE_WEBHOOK_ALLOW_HTTP (false: recipient webhooks must be https)
 * CONSENTGATE_WEBHOOK_ALLOW (none: hosts, addresses and CIDR networks webhooks may reach although internal, e.g. `hooks.internal,10.20.0.0/16`)
 * CONSENTGATE_DELETION_ESCALATE_AFTER (P7D: unconfirmed deletion requests escalate after this ISO 8601 duration)
 * CONSENTGATE_DB_SCHEMA (public: the PostgreSQL schema; several servers share one) · CONSENTGATE_REDIS_URL (redis://…: rate limits shared by every server)
 * CONSENTGATE_TLS_CERT / CONSENTGATE_TLS_KEY (PEM files: serve HTTPS) · CONSENTGATE_TLS_CA (PEM: request client certificates for recipients' mutual TLS)
 * CONSENTGATE_TRUST_PROXY (false: set true behind a load balancer so rate limits see client addresses)
 * CONSENTGATE_WIDGET_ORIGINS (none: comma-separated origins of marketplace pages embedding the consent widget)
 * CONSENTGATE_METRICS_PORT (none: serve /metrics without a key on this port of HOST; the API port's /metrics needs a metrics:read key)
 * CONSENTGATE_AUTH_FAIL_LIMIT (30 failed authentications per client address per minute; shared through Redis when set)
 * CONSENTGATE_REQUEST_TIMEOUT_MS (10000: headers and body of a request must arrive within this, else 408)
 * CONSENTGATE_HEADERS_TIMEOUT_MS (10000, at most the request timeout: the header block alone)
 * CONSENTGATE_MAX_CONNECTIONS_PER_ADDRESS (256; 0 with CONSENTGATE_TRUST_PROXY, where every client is the load balancer)
 * CONSENTGATE_OIDC_ISSUER / _CLIENT_ID / _CLIENT_SECRET (optional: public client) / _REDIRECT_URI (…/console/auth/oidc/callback):
 *   console sign-in through the company's OpenID provider (all but the secret, or none);
 *   CONSENTGATE_OIDC_LINK_EMAIL (true: a first sign-in links the unbound account whose login is the verified e-mail);
 *   CONSENTGATE_OIDC_ALLOW_HTTP (false: a plain-HTTP provider, for development only)
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  CONSENTGATE_DATA_DIR: z.string().min(1).default('./.consentgate'),
  CONSENTGATE_ADMIN_KEY: z.string().optional(),
  CONSENTGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONSENTGATE_BODY_LIMIT: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(256 * 1024),
  CONSENTGATE_RATE_LIMIT: z.coerce.number().int().min(1).default(6000),
  CONSENTGATE_DEMO: bool.default(true),
  CONSENTGATE_REGISTRY: z.string().default('examples/marketplace/registry.yaml'),
  // Transparency log (docs/ledger.md): checkpoint origin / operator-held signing key / cadence.
  CONSENTGATE_LEDGER_ORIGIN: z.string().regex(/^[^\s+]{1,200}$/, 'one word without spaces or +').optional(),
  CONSENTGATE_LEDGER_KEY: z.string().startsWith('PRIVATE+KEY+', 'must be a PRIVATE+KEY+<name>+<hash>+<key> signer key').optional(),
  CONSENTGATE_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  CONSENTGATE_CHECKPOINT_MS: z.coerce.number().int().min(10).max(86_400_000).default(1000),
  // Rights and propagation (docs/rights.md).
  CONSENTGATE_NATS_URL: z.string().regex(/^(nats|tls|ws|wss):\/\/\S{1,500}$/, 'must be a nats:// URL').optional(),
  CONSENTGATE_WEBHOOK_ALLOW_HTTP: bool.default(false),
  CONSENTGATE_WEBHOOK_ALLOW: z.string().max(4000).optional().superRefine((v, ctx) => {
    try {
      parseAllowList(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  CONSENTGATE_DELETION_ESCALATE_AFTER: isoDuration.default('P7D'),
  // Hardening and scale (docs/deploy.md, docs/security.md).
  CONSENTGATE_DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').optional(),
  CONSENTGATE_REDIS_URL: z.string().regex(/^rediss?:\/\/\S{1,500}$/, 'must be a redis:// URL').optional(),
  CONSENTGATE_TLS_CERT: z.string().min(1).optional(),
  CONSENTGATE_TLS_KEY: z.string().min(1).optional(),
  CONSENTGATE_TLS_CA: z.string().min(1).optional(),
  CONSENTGATE_TRUST_PROXY: bool.default(false),
  CONSENTGATE_WIDGET_ORIGINS: z.string().max(4000).optional(),
  CONSENTGATE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CONSENTGATE_AUTH_FAIL_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  CONSENTGATE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  CONSENTGATE_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  CONSENTGATE_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  // Console sign-in through an OpenID provider (docs/security.md "People and roles").
  CONSENTGATE_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  CONSENTGATE_OIDC_CLIENT_ID: z.string().min(1).max(500).optional(),
  CONSENTGATE_OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
  CONSENTGATE_OIDC_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
  CONSENTGATE_OIDC_LINK_EMAIL: bool.default(true),
  CONSENTGATE_OIDC_ALLOW_HTTP: bool.default(false),
});

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl?: string | undefined;
  /** PGlite directory; undefined = in memory (tests). Ignored with databaseUrl. */
  readonly dataDir?: string | undefined;
  /** Database schema (tests use one per run). */
  readonly schema?: string | undefined;
  readonly adminKey?: string | undefined;
  readonly logLevel: string;
  readonly bodyLimit: number;
  readonly rateLimit: { max: number; timeWindowMs: number };
  readonly demo: boolean;
  readonly registryFile: string;
  /** Key cache lifetime (ms): a revocation on another server without NOTIFY takes at most this long. */
  readonly keyCacheTtlMs: number;
  /** Transparency log settings (src/app/ledger-service.ts); defaults when omitted. */
  readonly ledger?: LedgerOptions;
  /** Rights, deletion propagation and the outbox (src/app/rights-service.ts); defaults when omitted. */
  readonly rights?: RightsOptions;
  /** Redis for rate limits shared across servers (src/http/rate-limit-store.ts); in-memory when omitted. */
  readonly redisUrl?: string | undefined;
  /** HTTPS, and client certificates for recipients when `caFile` is set (src/http/tls.ts). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string | undefined } | undefined;
  /** Behind a load balancer: take the client address from X-Forwarded-For. */
  readonly trustProxy?: boolean;
  /** Origins of the marketplace pages that embed the consent widget (CORS on the widget's endpoints). */
  readonly widgetOrigins?: ReadonlySet<string>;
  /** A second listener on `host` serving only /metrics, without a key (src/http/metrics-server.ts); none when undefined. */
  readonly metricsPort?: number | undefined;
  /** Failed authentications per client address per window (src/http/auth-failures.ts); 30 a minute when omitted. */
  readonly authFailLimit?: AuthFailLimit;
  /** Request deadlines and the per-address connection cap (src/http/connection-guard.ts); defaults when omitted. */
  readonly connectionLimits?: ConnectionLimits;
  /** Console sign-in through an OpenID provider (src/http/oidc.ts); password and key sign-in only when undefined. */
  readonly oidc?: OidcConfig | undefined;
}

export interface RightsOptions {
  readonly natsUrl?: string | undefined;
  readonly allowHttpWebhooks?: boolean;
  /** Internal webhook receivers the operator allows (CONSENTGATE_WEBHOOK_ALLOW): hosts, addresses, CIDRs. */
  readonly webhookAllow?: readonly string[];
  readonly escalateAfterMs?: number;
  /** Background sweep (consent endings, retention ends, escalations), ms; 0 = off. */
  readonly sweepMs?: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable (`DATABASE_URL=`) means "not set", as in most shells' intent.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = envSchema
    .refine((e) => [e.CONSENTGATE_OIDC_ISSUER, e.CONSENTGATE_OIDC_CLIENT_ID, e.CONSENTGATE_OIDC_REDIRECT_URI].every((v) => v === undefined) || [e.CONSENTGATE_OIDC_ISSUER, e.CONSENTGATE_OIDC_CLIENT_ID, e.CONSENTGATE_OIDC_REDIRECT_URI].every((v) => v !== undefined), {
      path: ['CONSENTGATE_OIDC_ISSUER'],
      message: 'set CONSENTGATE_OIDC_ISSUER, CONSENTGATE_OIDC_CLIENT_ID and CONSENTGATE_OIDC_REDIRECT_URI together',
    })
    .refine((e) => e.CONSENTGATE_METRICS_PORT === undefined || e.CONSENTGATE_METRICS_PORT === 0 || e.CONSENTGATE_METRICS_PORT !== e.PORT, {
      path: ['CONSENTGATE_METRICS_PORT'],
      message: 'must differ from PORT',
    })
    .safeParse(set);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    schema: e.CONSENTGATE_DB_SCHEMA,
    redisUrl: e.CONSENTGATE_REDIS_URL,
    tls: e.CONSENTGATE_TLS_CERT && e.CONSENTGATE_TLS_KEY ? { certFile: e.CONSENTGATE_TLS_CERT, keyFile: e.CONSENTGATE_TLS_KEY, caFile: e.CONSENTGATE_TLS_CA } : undefined,
    trustProxy: e.CONSENTGATE_TRUST_PROXY,
    widgetOrigins: parseOrigins(e.CONSENTGATE_WIDGET_ORIGINS),
    metricsPort: e.CONSENTGATE_METRICS_PORT,
    authFailLimit: { max: e.CONSENTGATE_AUTH_FAIL_LIMIT, timeWindowMs: 60_000 },
    connectionLimits: {
      requestTimeoutMs: e.CONSENTGATE_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: Math.min(e.CONSENTGATE_HEADERS_TIMEOUT_MS, e.CONSENTGATE_REQUEST_TIMEOUT_MS),
      // Behind a load balancer every connection comes from it: the cap belongs there, not here.
      maxConnectionsPerAddress: e.CONSENTGATE_MAX_CONNECTIONS_PER_ADDRESS ?? (e.CONSENTGATE_TRUST_PROXY ? 0 : DEFAULT_CONNECTION_LIMITS.maxConnectionsPerAddress),
    },
    dataDir: e.DATABASE_URL ? undefined : e.CONSENTGATE_DATA_DIR,
    adminKey: e.CONSENTGATE_ADMIN_KEY,
    oidc:
      e.CONSENTGATE_OIDC_ISSUER && e.CONSENTGATE_OIDC_CLIENT_ID && e.CONSENTGATE_OIDC_REDIRECT_URI
        ? {
            issuer: e.CONSENTGATE_OIDC_ISSUER,
            clientId: e.CONSENTGATE_OIDC_CLIENT_ID,
            clientSecret: e.CONSENTGATE_OIDC_CLIENT_SECRET,
            redirectUri: e.CONSENTGATE_OIDC_REDIRECT_URI,
            linkByEmail: e.CONSENTGATE_OIDC_LINK_EMAIL,
            allowHttp: e.CONSENTGATE_OIDC_ALLOW_HTTP,
          }
        : undefined,
    logLevel: e.CONSENTGATE_LOG_LEVEL,
    bodyLimit: e.CONSENTGATE_BODY_LIMIT,
    rateLimit: { max: e.CONSENTGATE_RATE_LIMIT, timeWindowMs: 60_000 },
    demo: e.CONSENTGATE_DEMO,
    registryFile: e.CONSENTGATE_REGISTRY,
    keyCacheTtlMs: 5_000,
    ledger: {
      ...(e.CONSENTGATE_LEDGER_ORIGIN ? { origin: e.CONSENTGATE_LEDGER_ORIGIN } : {}),
      ...(e.CONSENTGATE_LEDGER_KEY ? { signerKey: e.CONSENTGATE_LEDGER_KEY } : {}),
      checkpointEvery: e.CONSENTGATE_CHECKPOINT_EVERY,
      checkpointIntervalMs: e.CONSENTGATE_CHECKPOINT_MS,
    },
    rights: {
      natsUrl: e.CONSENTGATE_NATS_URL,
      allowHttpWebhooks: e.CONSENTGATE_WEBHOOK_ALLOW_HTTP,
      webhookAllow: parseAllowList(e.CONSENTGATE_WEBHOOK_ALLOW),
      escalateAfterMs: addDuration(0, e.CONSENTGATE_DELETION_ESCALATE_AFTER),
      sweepMs: 5_000,
    },
  };
}

/** A configuration for tests and embedding: in-memory PGlite, silent logs, no demo data. */
export function testConfig(over: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    bodyLimit: 256 * 1024,
    rateLimit: { max: 100_000, timeWindowMs: 60_000 },
    // Tests send wrong keys on purpose from one address; the failed-authentication limit's own tests set it low.
    authFailLimit: { max: 100_000, timeWindowMs: 60_000 },
    demo: false,
    registryFile: 'examples/marketplace/registry.yaml',
    keyCacheTtlMs: 5_000,
    ...over,
  };
}
