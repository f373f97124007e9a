import type { FastifyInstance } from 'fastify';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { createApp } from './app/create.ts';
import { seedDemo } from './app/demo-seed.ts';
import { firstStart } from './app/first-start.ts';
import { loadConfig } from './config.ts';
import { CgError } from './core/errors.ts';

/**
 * `npm start`: the whole product on an embedded PGlite database under ./.consentgate/ (or
 * DATABASE_URL), with the demo marketplace registry active and demo sellers and customers.
 * Prints the URL and — on the first start only — the admin key.
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  const dataDir = loaded.dataDir ? resolve(loaded.dataDir) : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const config = { ...loaded, dataDir };
  const app = await createApp(config);
  const log = app.server.log;

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: { name: (e as Error)?.name } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const first = await firstStart(app.ctx);
  let demoFile: string | undefined;
  let demoCustomer: [string, string] | undefined;
  if (config.demo) {
    try {
      const demo = await seedDemo(app.ctx);
      demoCustomer = demo ? Object.entries(demo.customerKeys)[0] : undefined;
      if (demo && dataDir) {
        demoFile = join(dataDir, 'demo-keys.json');
        await writeFile(demoFile, JSON.stringify({ sellers: demo.sellerKeys, customers: demo.customerKeys }, null, 2) + '\n', { mode: 0o600 });
      }
    } catch (e) {
      log.warn({ err: { name: (e as Error).name, code: (e as { code?: string }).code } }, 'demo data not seeded (does the registry declare cn_sellers?)');
    }
  }

  await app.server.listen({ port: config.port, host: config.host });
  const url = listeningAt(app.server, config.tls ? 'https' : 'http', config.port);
  // The key-less metrics listener, on the same host (docs/deploy.md "Metrics").
  if (app.metricsServer) await app.metricsServer.listen({ port: config.metricsPort ?? 0, host: config.host });
  const lines = [
    '',
    `ConsentGate listening on ${url}`,
    `  API docs:  ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    `  Database:  ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`}`,
    `  Registry:  version ${app.ctx.registry.active?.version ?? '(none)'}${first.activatedVersion ? ` activated from ${config.registryFile}` : ''}`,
    first.adminKey
      ? `  Admin key: ${first.adminKey}\n             (shown once — store it now; export CG_ADMIN=<key> for the README tour)`
      : config.adminKey
        ? '  Admin key: from CONSENTGATE_ADMIN_KEY'
        : '  Admin key: issued on the first start and not shown again. Lost it? Stop the server, set CONSENTGATE_ADMIN_KEY=cg_admin_<16 hex>_<43+ chars>, and start again.',
    ...(demoFile ? [`  Demo keys: ${demoFile} (sellers' recipient keys, customers' subject keys)`] : []),
    ...(app.metricsServer
      ? [`  Metrics:   ${listeningAt(app.metricsServer, 'http', config.metricsPort ?? 0)}/metrics (no key: keep this port internal; ${url}/metrics needs a metrics:read key)`]
      : [`  Metrics:   ${url}/metrics (an admin key with the metrics:read scope; CONSENTGATE_METRICS_PORT serves them key-less on a port of their own)`]),
    `  Console:   ${url}/console/   Privacy centre: ${url}/privacy/   Widget demo: ${url}/demo/checkout.html`,
    ...(demoCustomer ? [`  Demo customer ${demoCustomer[0]} — subject token (privacy centre sign-in): ${demoCustomer[1]}`] : []),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** The URL a listening server answers on, as a person would type it. */
function listeningAt(server: FastifyInstance, scheme: 'http' | 'https', port: number): string {
  const first = server.addresses()[0];
  const addr = typeof first === 'object' ? first : undefined;
  const host = !addr || addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `${scheme}://${host}:${addr?.port ?? port}`;
}

main().catch((e: unknown) => {
  process.stderr.write(`ConsentGate failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  // Another server holds the data directory: the operator's mistake, exit 2 as the CLI does.
  process.exit(e instanceof CgError && e.code === 'DATA_DIR_LOCKED' ? 2 : 1);
});
