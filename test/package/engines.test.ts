import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `engines.node` in package.json is a promise: every installed package must run on the lowest
 * version of each Node line it admits (npm ci warns EBADENGINE on the running one; this checks them
 * all). content-disposition@3 and cookie@2 need Node 22: package.json `overrides` pins their Node 20
 * lines (2.x and 1.1.x), and the last block checks that their dependents still work with them.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
const root = readJson(join(ROOT, 'package.json'));
const declared: string = root.engines.node;
const minimum = semver.minVersion(declared)!.version;
/** The lowest version of each alternative of the range: `^20.19.0 || >=22.12.0` → 20.19.0, 22.12.0. */
const floors = new semver.Range(declared).set.map((comparators) => semver.minVersion(comparators.map((c) => c.value).join(' '))!.version);

/** Every package in node_modules, as the lock file lists them (one entry per installed copy). */
function installed(): Array<{ path: string; name: string; version: string; engines?: string }> {
  const lock = readJson(join(ROOT, 'package-lock.json'));
  return Object.keys(lock.packages)
    .filter((p) => p.startsWith('node_modules/') || p.startsWith('packages/'))
    .map((p) => join(ROOT, p, 'package.json'))
    .filter((f) => existsSync(f)) // optional packages for other platforms are listed but not installed
    .map((f) => {
      const pkg = readJson(f);
      return { path: f.slice(ROOT.length), name: pkg.name, version: pkg.version, engines: pkg.engines?.node };
    });
}

describe('engines', () => {
  it('the declared range starts on Node LTS lines and admits the running Node', () => {
    expect(semver.validRange(declared)).not.toBeNull();
    expect(floors[0]).toBe(minimum);
    for (const v of floors) expect(semver.major(v) % 2, v).toBe(0);
    expect(semver.satisfies(process.versions.node, declared), `running ${process.version}`).toBe(true);
  });

  it.each(floors)('every installed package runs on Node %s', (floor) => {
    const all = installed();
    expect(all.length).toBeGreaterThan(100);
    const excluding = all.filter((p) => p.engines !== undefined && !semver.satisfies(floor, p.engines, { includePrerelease: true }));
    expect(
      excluding.map((p) => `${p.name}@${p.version} needs node ${p.engines} (${p.path})`),
      `raise engines.node in package.json, or pick versions of these that run on ${floor}`,
    ).toEqual([]);
  });

  it('the workspace packages promise the same engines', () => {
    for (const ws of root.workspaces as string[]) expect(readJson(join(ROOT, ws, 'package.json')).engines?.node, ws).toBe(declared);
  });

  it('the check catches a package that needs a newer Node', () => {
    // content-disposition@3 and cookie@2, before the overrides
    expect(semver.satisfies(minimum, '>=22', { includePrerelease: true })).toBe(false);
    expect(semver.satisfies(minimum, '^18 || ^20.11 || >=22')).toBe(true);
  });
});

describe('the pinned Node 20 lines work in their dependents', () => {
  it('light-my-request sends cookies with cookie@1 (fastify inject)', async () => {
    const app = Fastify();
    app.get('/echo', async (req) => ({ cookie: req.headers.cookie }));
    try {
      const r = await app.inject({ method: 'GET', url: '/echo', cookies: { session: 'a b;c', other: '1' } });
      expect(r.json()).toEqual({ cookie: 'session=a%20b%3Bc; other=1' });
    } finally {
      await app.close();
    }
  });

  it('@fastify/static names downloads with content-disposition@2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-static-'));
    writeFileSync(join(dir, 'report.csv'), 'a,b\n');
    const app = Fastify();
    await app.register(fastifyStatic, { root: dir, serve: false });
    app.get('/dl', (_req, reply) => reply.download('report.csv', 'Bericht März.csv'));
    try {
      const r = await app.inject({ method: 'GET', url: '/dl' });
      expect(r.statusCode).toBe(200);
      expect(r.body).toBe('a,b\n');
      expect(r.headers['content-disposition']).toBe(`attachment; filename="Bericht M?rz.csv"; filename*=UTF-8''Bericht%20M%C3%A4rz.csv`);
    } finally {
      await app.close();
    }
  });
});
