import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { ADMIN_KEY, call, must, startServer, type ServerProcess } from '../hardening/server-process.ts';

/**
 * Issue 18 §3 with real processes (`node bin/server.mjs`): a second server on the same PGlite data
 * directory refuses to start and names the first one's PID; `report --data-dir` refuses the live
 * directory; after kill -9 of the holder a new server takes the stale lock over and every
 * acknowledged write is there.
 */
const root = mkdtempSync(join(tmpdir(), 'cg-one-writer-'));
const dataDir = join(root, 'data');
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

it('two servers on one data directory: the second refuses with the holder PID; kill -9 then restart takes over', async () => {
  const first = await startServer({ dataDir, timeoutMs: 180_000 });
  servers.push(first);
  const pid = first.child.pid!;
  await must(first.url, 'POST', '/v1/members', ADMIN_KEY, { id: 'seller-lock', class: 'cn_sellers', name: 'Lock Test', country: 'CN' });

  const second = await startServer({ dataDir, timeoutMs: 180_000 }).then(
    (s) => (servers.push(s), 'started'),
    (e: Error) => e.message,
  );
  expect(second).toMatch(/server exited \(2\) before listening/);
  expect(second).toContain(`in use by process ${pid}`);
  // The first one is untouched.
  expect((await call(first.url, 'GET', '/v1/members/seller-lock', ADMIN_KEY)).status).toBe(200);

  // A read-only command refuses the live directory too (exit 2, naming the PID).
  const report = await cli('report', '--data-dir', dataDir, '--from', '2026-01-01', '--to', '2026-12-31', '--format', 'json');
  expect(report.code).toBe(2);
  expect(report.err).toContain('DATA_DIR_LOCKED');
  expect(report.err).toContain(String(pid));

  // kill -9 leaves the lock file behind; the next start finds its holder dead and takes it over.
  await first.kill('SIGKILL');
  expect(existsSync(join(dataDir, 'consentgate.lock'))).toBe(true);
  const third = await startServer({ dataDir, timeoutMs: 180_000 });
  servers.push(third);
  expect((await call(third.url, 'GET', '/v1/members/seller-lock', ADMIN_KEY)).status).toBe(200);
  await third.kill('SIGTERM');
}, 600_000);

it('report --data-dir on a directory that does not exist: exit 2, nothing created', async () => {
  const typo = join(root, 'no-such-dir');
  const r = await cli('report', '--data-dir', typo, '--from', '2026-01-01', '--to', '2026-12-31', '--format', 'json');
  expect(r.code).toBe(2);
  expect(r.err).toContain('DATA_DIR_NOT_FOUND');
  expect(existsSync(typo)).toBe(false);
});
