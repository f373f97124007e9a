import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { parseSignerKey } from '../../src/ledger/index.ts';
import { needs, POSIX_SH } from '../support/system.ts';

/**
 * deploy/compose.yaml must describe a configuration the server accepts: every ConsentGate
 * service's environment, filled with secrets from deploy/gen-secrets.sh, passes loadConfig, and
 * the load balancer names exactly those services.
 */
const root = new URL('../../', import.meta.url).pathname;

it.skipIf(!needs('the deployment script test', [POSIX_SH]))('the compose file starts servers the configuration accepts, behind a balancer naming them all', () => {
  const secrets = Object.fromEntries(
    execFileSync('sh', ['deploy/gen-secrets.sh', 'privacy.example.com'], { cwd: root, encoding: 'utf8' })
      .trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  expect(parseSignerKey(secrets.CONSENTGATE_LEDGER_KEY!).name).toBe('privacy.example.com/ledger');
  const compose = parse(readFileSync(`${root}deploy/compose.yaml`, 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
  const servers = Object.keys(compose.services).filter((s) => /^cg\d+$/.test(s));
  expect(servers.length).toBeGreaterThanOrEqual(2);
  for (const name of ['postgres', 'redis', 'nats', 'caddy']) expect(compose.services[name], name).toBeDefined();
  const fill = (v: string) => v.replace(/\$\{(\w+)(?::[-?][^}]*)?\}/g, (_, k: string) => secrets[k] ?? (/:-([^}]*)\}/.exec(v)?.[1] ?? ''));
  for (const s of servers) {
    const env = Object.fromEntries(Object.entries(compose.services[s]!.environment ?? {}).map(([k, v]) => [k, fill(String(v))]));
    const config = loadConfig(env);
    expect(config).toMatchObject({ schema: 'consentgate', trustProxy: true, demo: false });
    expect(config.databaseUrl).toMatch(/^postgres:\/\/consentgate:[0-9a-f]{48}@postgres:5432\/consentgate$/);
    expect(config.redisUrl).toMatch(/^redis:\/\/:[0-9a-f]{48}@redis:6379\/0$/);
    expect(config.ledger?.signerKey).toBe(secrets.CONSENTGATE_LEDGER_KEY);
    for (const k of ['CONSENTGATE_MASTER_KEY', 'CONSENTGATE_PSEUDONYM_KEY', 'CONSENTGATE_RECEIPT_KEYS', 'CONSENTGATE_ADMIN_KEY']) expect(env[k], k).toBe(secrets[k]);
  }
  const caddy = readFileSync(`${root}deploy/Caddyfile`, 'utf8');
  const upstreams = /reverse_proxy ([^{]+)\{/.exec(caddy)![1]!.trim().split(/\s+/).map((u) => u.split(':')[0]);
  expect(upstreams.sort()).toEqual(servers.sort());
});
