import type { FastifyInstance } from 'fastify';
import type { Writable } from 'node:stream';
import type { AppConfig } from '../config.ts';
import { buildServer } from '../http/server.ts';
import { createMetricsRegistry } from '../http/metrics.ts';
import { Journal } from '../store/journal.ts';
import { sqlLedgerAppender } from '../store/ledger-appender.ts';
import { openDatabase } from '../store/open.ts';
import { AdminActions } from './admin-actions.ts';
import { ApiKeys } from './api-keys.ts';
import type { AppContext } from './context.ts';
import { MembersService } from './members-service.ts';
import { RegistryService } from './registry-service.ts';
import { ConsentService } from './consent-service.ts';
import { loadConsentSecrets } from './signing-keys.ts';
import { SubjectsService } from './subjects-service.ts';
import { LedgerService } from './ledger-service.ts';
import { createReleaseServices } from './release-wiring.ts';
import { OutboxService } from '../outbox/service.ts';
import { WebhookAddressPolicy } from '../outbox/address-policy.ts';
import { RightsService } from './rights-service.ts';
import { OrdersService } from './orders-service.ts';
import { SuspensionsService } from './suspensions-service.ts';
import { RightsStopIndex } from '../core/rights/stops.ts';
import { GateRecords } from '../core/gate/gate-records.ts';
import { ClientCertBindings } from './client-certs.ts';
import { UsageNoticeService } from './usage-notice-service.ts';
import { ReportService } from './report-service.ts';
import { AccountsService } from './accounts-service.ts';
import { redisRateLimit } from '../http/rate-limit-store.ts';
import type { FailureCounter } from '../http/auth-failures.ts';
import { httpsOptions } from '../http/tls.ts';
import { buildMetricsServer } from '../http/metrics-server.ts';
import { installDomainMetrics } from '../metrics/install.ts';
import { outboxAttemptMetrics } from '../metrics/outbox-metrics.ts';

export interface App {
  readonly ctx: AppContext;
  readonly server: FastifyInstance;
  /** The key-less /metrics listener when `config.metricsPort` is set (not listening yet: `main.ts` does that). */
  readonly metricsServer?: FastifyInstance | undefined;
  /** Stops accepting requests, drains the journal, stops listeners, closes the database. */
  close(): Promise<void>;
}

/** A service with background work (LISTEN, timers, caches to warm): started in order, stopped in reverse. */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CreateOptions {
  /** Log destination (tests capture it). */
  logStream?: Writable;
  /** Shared rate-limit store for several servers (e.g. Redis); in-memory when omitted. */
  rateLimitStore?: unknown;
  /** Where failed authentications are counted (src/http/auth-failures.ts); Redis with `redisUrl`, else memory. */
  authFailCounter?: FailureCounter;
}

/**
 * Builds the whole application from a configuration: database, journal, services, HTTP server.
 * Nothing listens on a port here — `main.ts` does that; tests use `server.inject`.
 */
export async function createApp(config: AppConfig, opts: CreateOptions = {}): Promise<App> {
  const db = await openDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.dataDir && !config.databaseUrl ? { dataDir: config.dataDir } : {}),
    ...(config.schema ? { schema: config.schema } : {}),
  });
  const lifecycle: Lifecycle[] = [];
  try {
    const journal = new Journal(db, sqlLedgerAppender);
    const metrics = createMetricsRegistry();
    const admin = new AdminActions(journal);
    const keys = new ApiKeys(db, admin, { cacheTtlMs: config.keyCacheTtlMs });
    const registry = new RegistryService(db, admin);
    const members = new MembersService(db, admin, registry, keys);
    lifecycle.push(keys, registry, members);

    const base = { config, db, journal, metrics, admin, keys, registry, members };
    installDomainMetrics(base);
    // ═══ FEATURE SERVICES: construct yours from `base` (or earlier features) and add it to ctx.
    //     If it has background work, also `lifecycle.push(yourService)` (start/stop). ═══
    const ledger = new LedgerService(db, journal, config.ledger ?? {});
    lifecycle.push(ledger);
    const secrets = loadConsentSecrets({ dataDir: config.dataDir, env: process.env });
    // What the release gate reads per subject, one record each: every projection below writes its
    // part (subject state, consents and objections, orders, rights stops, the vault's erasures).
    const records = new GateRecords();
    const subjects = new SubjectsService(db, admin, secrets.pseudonymKey, keys, Date.now, records);
    const consents = new ConsentService({ db, journal, admin, registry, subjects, members, receiptKeys: secrets.receiptKeys, pollMs: 5_000, records });
    lifecycle.push(subjects, consents);
    const orders = new OrdersService({ db, admin, registry, members, subjects, records });
    const suspensions = new SuspensionsService(db, admin, registry, members);
    const rightsStops = new RightsStopIndex(records);
    lifecycle.push(orders, suspensions);
    const release = createReleaseServices({
      db, journal, admin, registry, members, subjects, records, order: consents, suspensions,
      env: process.env, dataDir: config.dataDir, ephemeralKey: !config.dataDir && !config.databaseUrl,
      policyDir: process.env.CONSENTGATE_POLICY_DIR ?? 'policies',
    });
    lifecycle.push(...release.lifecycle);
    // Which addresses webhooks may reach: public ones, plus the operator's internal receivers.
    const webhookPolicy = new WebhookAddressPolicy({ allow: config.rights?.webhookAllow ?? [] });
    const outbox = new OutboxService(db, { natsUrl: config.rights?.natsUrl, journal, webhookPolicy, onAttempt: outboxAttemptMetrics(metrics) });
    const rights = new RightsService({
      db, journal, registry, members, subjects, consents,
      vault: release.vault, issuers: release.issuers, events: outbox.events, admin, stops: rightsStops,
      ...(config.rights?.escalateAfterMs ? { escalateAfterMs: config.rights.escalateAfterMs } : {}),
      sweepMs: config.rights?.sweepMs ?? 0,
      allowHttpWebhooks: config.rights?.allowHttpWebhooks ?? false,
      webhookPolicy,
    });
    lifecycle.push(outbox, rights);
    const clientCerts = new ClientCertBindings(db, admin);
    lifecycle.push(clientCerts);
    // Several servers share one rate-limit budget per key through Redis (docs/deploy.md).
    let rateLimitStore = opts.rateLimitStore;
    let authFailCounter = opts.authFailCounter;
    if (config.redisUrl && (!rateLimitStore || !authFailCounter)) {
      const redis = redisRateLimit(config.redisUrl);
      lifecycle.push({ start: () => redis.ready(), stop: () => redis.close() });
      rateLimitStore ??= redis.store;
      // Failed authentications too: an address guessing across servers meets one budget.
      authFailCounter ??= redis.failures;
    }
    const ctx: AppContext = {
      ...base,
      ledger,
      subjects,
      consents,
      vault: release.vault,
      issuers: release.issuers,
      releases: release.releases,
      outbox,
      rights,
      clientCerts,
      orders,
      suspensions,
      reports: new ReportService({ db, registry, ledger }),
      usageNotices: new UsageNoticeService({ db, registry }),
      accounts: new AccountsService(db, admin),
    };

    for (const s of lifecycle) await s.start();
    if (config.adminKey) {
      await keys.ensure(config.adminKey, { principal: 'operator', scopes: ['*'], label: 'CONSENTGATE_ADMIN_KEY', actor: 'system' });
    }
    const server = await buildServer(ctx, {
      logLevel: config.logLevel,
      bodyLimit: config.bodyLimit,
      rateLimit: config.rateLimit,
      ...(opts.logStream ? { logStream: opts.logStream } : {}),
      ...(rateLimitStore ? { rateLimitStore } : {}),
      ...(authFailCounter ? { authFailCounter } : {}),
      ...(config.authFailLimit ? { authFailLimit: config.authFailLimit } : {}),
      ...(config.connectionLimits ? { connectionLimits: config.connectionLimits } : {}),
      ...(config.tls ? { https: httpsOptions(config.tls) } : {}),
      ...(config.trustProxy ? { trustProxy: true } : {}),
      ...(config.widgetOrigins ? { widgetOrigins: config.widgetOrigins } : {}),
    });
    await server.ready();
    const metricsServer = config.metricsPort !== undefined ? await buildMetricsServer(metrics, server.log.child({ listener: 'metrics' })) : undefined;

    let closed: Promise<void> | undefined;
    const close = () =>
      (closed ??= (async () => {
        await server.close();
        await metricsServer?.close();
        await journal.drain().catch(() => {});
        for (const s of [...lifecycle].reverse()) await s.stop().catch(() => {});
        await journal.close().catch(() => {});
        await db.close();
      })());
    return { ctx, server, metricsServer, close };
  } catch (e) {
    for (const s of [...lifecycle].reverse()) await s.stop().catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}
