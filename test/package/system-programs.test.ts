import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { locate, needs, OPENSSL, type SystemProgram } from '../support/system.ts';

/**
 * `npm ci && npm test` on a fresh machine: a test that needs a program of the machine asks
 * test/support/system.ts first — skipped with a notice naming the install locally, failed under CI=true.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MISSING: SystemProgram = { name: 'Frobnicator', command: 'cg-no-such-program-7f3a', install: 'apt-get install -y frobnicator' };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('needs()', () => {
  it('finds programs on PATH and by absolute path', () => {
    expect(locate(process.execPath)).toBe(process.execPath);
    expect(locate('node', { PATH: `/nonexistent:${join(process.execPath, '..')}` })).toBe(process.execPath);
    expect(locate('node', { PATH: '/nonexistent' })).toBeUndefined();
    expect(needs('x', [{ name: 'Node', command: process.execPath, install: '-' }], {})).toBe(true);
  });

  it('a missing program: skipped locally with a notice naming what to install', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(needs('the frobnication tests', [MISSING], { PATH: '/nonexistent' })).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toBe('[skipped: the frobnication tests] Frobnicator not found (cg-no-such-program-7f3a): apt-get install -y frobnicator');
  });

  it('a missing program under CI=true fails, naming every missing program', () => {
    const env = { PATH: '/nonexistent', CI: 'true' };
    expect(() => needs('the frobnication tests', [MISSING, OPENSSL], env)).toThrow(
      'CI=true requires the frobnication tests: Frobnicator not found (cg-no-such-program-7f3a): apt-get install -y frobnicator; OpenSSL not found (openssl): apt-get install -y openssl',
    );
  });
});

/** Test files under test/, recursively. */
function testFiles(dir = join(ROOT, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('every test that runs a program of the machine asks for it', () => {
  // What makes a test depend on the machine: a child process that is not node, or Chromium.
  const SPAWN = /(?<![.\w])(?:execFileSync|execFile|spawnSync|spawn|execSync|exec)\(\s*(['"`])([^'"`]+)\1/g;
  const CHROMIUM = /htmlToPdf\(|htmlScreenshot\(|format=pdf|'--format', 'pdf'|chromium\.launch\(|\blaunch\(\)/;

  it.each(testFiles().map((f) => relative(ROOT, f)))('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const programs = [...text.matchAll(SPAWN)].map((m) => m[2]!).filter((p) => p !== 'npm');
    const usesChromium = CHROMIUM.test(text);
    if (programs.length === 0 && !usesChromium) return;
    const asks = /\bneeds\(|\bchromiumAvailable\(/.test(text) || file === 'test/support/system.ts' || file === 'test/browser/support.ts';
    expect(asks, `${file} runs ${[...programs, ...(usesChromium ? ['Chromium'] : [])].join(', ')}: check with needs() from test/support/system.ts`).toBe(true);
  });
});
