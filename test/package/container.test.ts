import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * deploy/Dockerfile cannot be built here (no Docker engine), so its parts are checked one by one:
 * the base image is a Node LTS line that is still maintained and that `engines` admits, and its
 * `npm ci` step — run as written, on exactly the files copied before it — installs.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/**
 * End of life of the Node LTS lines, from the Node.js release schedule (github.com/nodejs/Release).
 * When the image moves to a newer line, add it here with its date. This test fails once the
 * image's line is past its end of life: that is the day to move the image on.
 */
const LTS_END_OF_LIFE: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

const from = /^FROM node:(\d+)(?:\.[\d.]+)?-([a-z]+)(-slim)?\s*$/m.exec(dockerfile);

describe('deploy/Dockerfile', () => {
  it('is based on a maintained Node LTS line that package.json engines admits', () => {
    expect(from, 'FROM node:<major>-<debian release>[-slim]').not.toBeNull();
    const major = Number(from![1]);
    const eol = LTS_END_OF_LIFE[major];
    expect(eol, `Node ${major} is not a known LTS line`).toBeDefined();
    expect(new Date(`${eol}T23:59:59Z`).getTime(), `Node ${major} reached end of life on ${eol}`).toBeGreaterThan(Date.now());
    expect(semver.intersects(`${major}.x`, root.engines.node), `engines ${root.engines.node} excludes Node ${major}`).toBe(true);
  });

  it('copies only what exists', () => {
    for (const m of dockerfile.matchAll(/^COPY (.+) \S+$/gm)) for (const src of m[1]!.split(/\s+/)) expect(existsSync(join(ROOT, src)), src).toBe(true);
  });

  it('its npm ci step installs from the files copied before it, without engine warnings', async () => {
    const lines = dockerfile.split('\n');
    const ci = lines.findIndex((l) => /^RUN npm ci\b/.test(l));
    expect(ci).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'cg-image-'));
    try {
      for (const l of lines.slice(0, ci)) {
        const m = /^COPY (.+) (\S+)$/.exec(l);
        if (!m) continue;
        for (const src of m[1]!.split(/\s+/)) {
          const target = m[2]!.endsWith('/') ? join(dir, m[2]!, src.split('/').pop()!) : join(dir, m[2]!);
          mkdirSync(dirname(target), { recursive: true });
          copyFileSync(join(ROOT, src), target);
        }
      }
      const args = lines[ci]!.replace(/^RUN npm /, '').trim().split(/\s+/);
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_(package|lifecycle|config_local_prefix)|INIT_CWD$)/i.test(k)));
      const { stderr } = await promisify(execFile)('npm', [...args, '--prefer-offline'], { cwd: dir, env, maxBuffer: 16 << 20 });
      expect(stderr).not.toContain('EBADENGINE');
      expect(existsSync(join(dir, 'node_modules', 'fastify', 'package.json'))).toBe(true);
      expect(existsSync(join(dir, 'node_modules', 'vitest')), 'dev dependencies are omitted').toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
