import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
let dataDir: string | undefined;
const children: ChildProcess[] = [];

/** Runs `npm start`'s entry point and resolves with everything printed up to the URL banner. */
function start(dir: string): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, ['bin/server.mjs'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONSENTGATE_DATA_DIR: dir, CONSENTGATE_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 180 s:\n${out}`)), 180_000);
    const check = () => {
      // The banner is written in one piece; wait for its closing blank line.
      const m = /ConsentGate listening on (http:\/\/\S+)\n[\s\S]*\n\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, out: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('npm start: serves the demo on PGlite, prints the admin key once, and shuts down cleanly', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cg-main-'));
  const first = await start(dataDir);
  const key = /Admin key: (cg_admin_\S+)/.exec(first.out())?.[1];
  expect(key).toBeDefined();
  expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  const registry = await fetch(`${first.url}/v1/registry`, { headers: { authorization: `Bearer ${key}` } });
  expect(registry.status).toBe(200);
  expect(((await registry.json()) as { version: number }).version).toBe(1);
  const members = (await (await fetch(`${first.url}/v1/members?class=cn_sellers`, { headers: { authorization: `Bearer ${key}` } })).json()) as { members: unknown[] };
  expect(members.members.length).toBeGreaterThanOrEqual(3);
  const demo = JSON.parse(await readFile(join(dataDir, 'demo-keys.json'), 'utf8')) as { sellers: Record<string, string> };
  expect(Object.values(demo.sellers)[0]).toMatch(/^cg_recipient_/);
  expect(await stop(first.child)).toBe(0);

  // Second start on the same data: same registry, no new key printed, the first key still works.
  const second = await start(dataDir);
  expect(second.out()).not.toMatch(/Admin key: cg_admin_/);
  expect(second.out()).toMatch(/not shown again/);
  const again = await fetch(`${second.url}/v1/registry`, { headers: { authorization: `Bearer ${key}` } });
  expect(((await again.json()) as { version: number }).version).toBe(1);
  expect(await stop(second.child)).toBe(0);
}, 420_000);
