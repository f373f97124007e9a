import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

it('--version and -V print the package version, exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await cli(flag);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  }
});

it('no help text mentions an issue number (help is for users, not the tracker)', async () => {
  const top = await cli('--help');
  const names = [...top.out.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  expect(names).toEqual(expect.arrayContaining(['check', 'replay', 'report', 'ledger', 'receipt']));
  const pages = [top.out];
  for (const name of names) pages.push((await cli(name, '--help')).out);
  for (const sub of [['ledger', 'verify'], ['ledger', 'monitor'], ['ledger', 'keygen'], ['receipt', 'verify']]) pages.push((await cli(...sub, '--help')).out);
  for (const page of pages) expect(page).not.toMatch(/\b(issue|#)\s*\d+/i);
});
