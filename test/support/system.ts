import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Programs of the machine (not npm packages) that some tests need. A test asks `needs(...)` before
 * it runs: where the program is missing, a plain `npm test` skips that test with a notice naming
 * what to install; under CI=true the same check fails the run instead (.ci/run installs every
 * program listed here), so a green CI never hides a skipped test.
 */
export interface SystemProgram {
  /** What the notice calls it. */
  readonly name: string;
  /** A command looked up on PATH, or an absolute path. */
  readonly command: string;
  /** How to get it, for the notice. */
  readonly install: string;
}

/**
 * Debian's Chromium at `path`, driven by playwright-core: browser tests (CHROMIUM_PATH), PDF
 * reports and report screenshots (CONSENTGATE_CHROMIUM, src/report/pdf.ts).
 */
export function chromium(path: string): SystemProgram {
  return { name: 'Chromium', command: path, install: 'apt-get install -y chromium, or set CONSENTGATE_CHROMIUM (reports) / CHROMIUM_PATH (browser tests)' };
}

/** OpenSSL's command line: issues the CA and client certificates of the mutual-TLS tests. */
export const OPENSSL: SystemProgram = { name: 'OpenSSL', command: 'openssl', install: 'apt-get install -y openssl' };

/** A POSIX shell: runs the deployment scripts under deploy/. */
export const BASH: SystemProgram = { name: 'bash', command: 'bash', install: 'apt-get install -y bash' };
export const POSIX_SH: SystemProgram = { name: 'a POSIX shell', command: 'sh', install: 'a POSIX system (sh on PATH)' };

/** Where the program is, or undefined. */
export function locate(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = isAbsolute(command) ? [command] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const noticed = new Set<string>();

/**
 * True when every program is there. Otherwise: under CI=true throws (naming each missing program
 * and its install hint); elsewhere prints one notice per program and returns false, for
 * `describe.skipIf(!needs(...))` / `it.skipIf(...)`.
 */
export function needs(what: string, programs: readonly SystemProgram[], env: NodeJS.ProcessEnv = process.env): boolean {
  const missing = programs.filter((p) => locate(p.command, env) === undefined);
  if (missing.length === 0) return true;
  const why = missing.map((p) => `${p.name} not found (${p.command}): ${p.install}`).join('; ');
  if (env.CI === 'true') throw new Error(`CI=true requires ${what}: ${why}`);
  const key = `${what}|${why}`;
  if (!noticed.has(key)) {
    noticed.add(key);
    console.warn(`[skipped: ${what}] ${why}`);
  }
  return false;
}

/** The Redis the shared-limit tests use: CONSENTGATE_REDIS_URL, else the local default. */
export const REDIS_URL = process.env.CONSENTGATE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether a Redis answers at REDIS_URL. Required under CI=true (throws); elsewhere a missing
 * Redis skips the suite with a notice naming `what` and how to install it.
 */
export async function redisReachable(what: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const c = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`CI=true requires Redis at ${REDIS_URL}: ${(e as Error).message}`);
    console.warn(`[skipped: ${what}] Redis at ${REDIS_URL} unreachable: apt-get install -y redis-server and start it, or set CONSENTGATE_REDIS_URL`);
    return false;
  } finally {
    c.disconnect();
  }
}
