import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASH, needs, type SystemProgram } from '../support/system.ts';
import { announcedCodes, runnerScript, tourSteps, type Step } from './tour-steps.ts';

/**
 * The README tour, executed: its ```sh blocks run in one bash session against a fresh demo server
 * (`node bin/server.mjs`, own data directory, random port; CG and CG_ADMIN from its banner, as a
 * reader would paste them), and every step is checked. So the README and the product cannot drift
 * apart: a step that fails names itself by its README comment.
 *
 * What is checked, per step:
 * - every step: no shell or Node error (command not found, missing file, JSON that did not parse),
 *   no problem a correct tour never meets (UNAUTHENTICATED, VALIDATION_FAILED, INTERNAL, …), and
 *   exit status 0 unless the table below says otherwise;
 * - a problem the step's comment announces ("403 NO_CONSENT") is in its output;
 * - sample output the README shows (`#   ✓ …`) is matched line for line by ✓ lines;
 * - the table below, keyed by the step's commands (not its wording). Entries marked `required` are
 *   steps the tour must keep; the others are checked where the tour still has them.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const steps = tourSteps(readme);

interface Expectation {
  readonly name: string;
  readonly match: RegExp;
  readonly exit?: number;
  readonly out?: readonly (string | RegExp)[];
  readonly required?: boolean;
}

const EXPECTED: readonly Expectation[] = [
  { name: 'active registry', match: /\$CG\/v1\/registry -H/, out: ['"version":', '"hash":'], required: true },
  { name: 'registry lint', match: /\/v1\/registry\/validate/, out: ['"findings":', '"articles":'] },
  { name: 'the loophole registry is refused (exit 1)', match: /consentgate\.mjs check .*registry-loophole\.yaml/, exit: 1, out: ['PIPA 17(1)', 'PIPA 28-8(1)'], required: true },
  { name: 'activation refused', match: /\/activate/, out: ['REGISTRY_HAS_ERRORS'] },
  { name: 'class members', match: /\/v1\/members\?class=cn_sellers/, out: ['seller-sz-gadgets'] },
  { name: 'recipient key', match: /\/v1\/recipients\/[^/ ]+\/keys/, out: ['cg_recipient_'] },
  { name: 'receipt verifies', match: /consentgate\.mjs receipt verify/, exit: 0, out: ['valid: receipt'] },
  { name: 'release with a ledger index', match: /"order_ref"/, out: ['"ledger_index":'] },
  { name: 'inclusion verified', match: /consentgate\.mjs ledger verify .*--proof/, exit: 0, out: [/✓ checkpoint \S+ size \d+/, /✓ entry \d+ is in the log at size \d+/], required: true },
  { name: 'consistency verified', match: /consentgate\.mjs ledger verify .*--consistency/, exit: 0, out: [/✓ size \d+ is an append-only extension of size \d+/], required: true },
  { name: 'monitor', match: /consentgate\.mjs ledger monitor/, exit: 0, out: [/✓ \S+: first checkpoint pinned at size \d+/], required: true },
];

/** A correct tour never meets these; each one means a command of the README is wrong. */
const NEVER = ['UNAUTHENTICATED', 'FORBIDDEN_SCOPE', 'VALIDATION_FAILED', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL', 'NOT_FOUND', 'RATE_LIMITED'];
const SHELL_ERRORS = /command not found|No such file or directory|SyntaxError|Cannot find module|ENOENT|Unexpected end of JSON|ERR_[A-Z_]+|Usage: |error: (unknown|missing)/;

const CURL: SystemProgram = { name: 'curl', command: 'curl', install: 'apt-get install -y curl' };
const canRun = needs('the README tour test', [BASH, CURL]);

const work = mkdtempSync(join(tmpdir(), 'cg-tour-'));
const dataDir = join(work, 'data');
const cwd = join(work, 'reader');
const outDir = join(work, 'steps');
let server: ChildProcess | undefined;
const results = new Map<number, { rc: number | undefined; out: string; err: string }>();

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
});

/** `npm start`'s entry point on a fresh data directory; resolves with the URL and admin key of its banner. */
function startDemo(): Promise<{ url: string; admin: string }> {
  server = spawn(process.execPath, ['bin/server.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', CONSENTGATE_DATA_DIR: dataDir, CONSENTGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout!.on('data', (d) => (out += String(d)));
  server.stderr!.on('data', (d) => (out += String(d)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server printed no banner within 180 s:\n${out}`)), 180_000);
    server!.on('exit', (code) => reject(new Error(`the demo server exited with ${code}:\n${out}`)));
    server!.stdout!.on('data', () => {
      const url = /ConsentGate listening on (http:\/\/\S+)\n[\s\S]*\n\n/.exec(out)?.[1];
      const admin = /Admin key: (cg_admin_\S+)/.exec(out)?.[1];
      if (url && admin) {
        clearTimeout(timer);
        resolve({ url, admin });
      }
    });
  });
}

/** Runs every step in one bash; resolves when bash ends (or kills it after `ms`: a step that never returns). */
function runTour(env: Record<string, string>, ms: number): Promise<void> {
  const script = join(work, 'tour.sh');
  writeFileSync(script, runnerScript(steps, outDir));
  return new Promise((resolve) => {
    const bash = spawn('bash', [script], { cwd, env, stdio: 'ignore' });
    const timer = setTimeout(() => bash.kill('SIGKILL'), ms);
    bash.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const label = (s: Step) => `README tour step ${s.n} (${s.section.replace(/^## /, '')}): "${s.title.slice(0, 110)}"`;

describe.skipIf(!canRun)('README tour, run against a fresh demo', () => {
  beforeAll(async () => {
    mkdirSync(cwd);
    mkdirSync(outDir);
    // The reader's working directory is a clone: the tour calls bin/consentgate.mjs and reads examples/.
    for (const d of ['bin', 'examples']) symlinkSync(join(ROOT, d), join(cwd, d));
    const { url, admin } = await startDemo();
    await runTour({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CG: url, CG_ADMIN: admin, CONSENTGATE_DATA_DIR: dataDir }, 300_000);
    for (const s of steps) {
      const read = (ext: string) => (existsSync(join(outDir, `${s.n}.${ext}`)) ? readFileSync(join(outDir, `${s.n}.${ext}`), 'utf8') : undefined);
      const rc = read('rc');
      results.set(s.n, { rc: rc === undefined ? undefined : Number(rc.trim()), out: read('out') ?? '', err: read('err') ?? '' });
    }
  }, 600_000);

  it('the tour has its steps', () => {
    expect(steps.length).toBeGreaterThanOrEqual(10);
    for (const e of EXPECTED.filter((x) => x.required)) {
      expect(steps.some((s) => e.match.test(s.code)), `the README tour has no step "${e.name}" (commands matching ${e.match})`).toBe(true);
    }
  });

  it.each(steps.map((s) => [label(s), s] as const))('%s', (_name, s) => {
    const r = results.get(s.n)!;
    const shown = `\n--- commands ---\n${s.code}--- stdout ---\n${r.out.slice(0, 3000)}\n--- stderr ---\n${r.err.slice(0, 3000)}`;
    expect(r.rc, `${label(s)} did not finish (a command waited for ever, or an earlier step killed the shell)${shown}`).toBeDefined();
    const all = r.out + r.err;
    expect(SHELL_ERRORS.exec(r.err)?.[0], `${label(s)}: shell or Node error${shown}`).toBeUndefined();
    for (const code of NEVER) expect(all, `${label(s)}: the server answered ${code}${shown}`).not.toContain(`"code":"${code}"`);

    const rules = EXPECTED.filter((e) => e.match.test(s.code));
    const exit = rules.find((e) => e.exit !== undefined)?.exit ?? 0;
    expect(r.rc, `${label(s)}: exit status${shown}`).toBe(exit);
    for (const code of announcedCodes(s.comments)) expect(all, `${label(s)}: its comment announces ${code}${shown}`).toContain(code);
    for (const rule of rules) {
      for (const want of rule.out ?? []) {
        if (typeof want === 'string') expect(all, `${label(s)}: "${rule.name}" expects ${want}${shown}`).toContain(want);
        else expect(all, `${label(s)}: "${rule.name}" expects ${want}${shown}`).toMatch(want);
      }
    }
    const ticks = s.samples.filter((l) => l.startsWith('✓')).length;
    expect(r.out.split('\n').filter((l) => l.startsWith('✓')).length, `${label(s)}: the README shows ${ticks} ✓ lines${shown}`).toBeGreaterThanOrEqual(ticks);
  });
});
