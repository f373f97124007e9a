import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../../src/cli/io.ts';
import { casesCsv, fixture, tempDir, writeTemp } from '../audit/support.ts';

async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

async function summaryFile(dir: string): Promise<string> {
  const shares = writeTemp(dir, 's.csv', casesCsv());
  const out = join(dir, 'replay');
  const r = await cli('replay', '--registry', fixture('registry.yaml'), '--shares', shares, '--consents', fixture('consents.jsonl'), '--members', fixture('members.csv'), '--out', out);
  expect(r.code).toBe(1);
  return join(out, 'summary.json');
}

describe('consentgate report', () => {
  it('writes a self-contained HTML report with the replay charts', async () => {
    const dir = tempDir();
    const file = join(dir, 'report.html');
    const r = await cli('report', '--registry', fixture('registry.yaml'), '--replay', await summaryFile(dir), '--from', '2024-01-01', '--to', '2024-03-31', '--out', file);
    expect(r.code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('2024-01-01 .. 2024-03-31');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('prints Korean CSV to stdout', async () => {
    const r = await cli('report', '--registry', fixture('registry.yaml'), '--from', '2024-01-01', '--to', '2024-12-31', '--format', 'csv', '--lang', 'ko');
    expect(r.code).toBe(0);
    expect(r.out).toContain('privacy_policy,처리 위탁,클라우드,보관,"이름, 이메일"');
  });

  it('refuses a replay summary computed against another registry (exit 2, nothing written)', async () => {
    const dir = tempDir();
    const summary = await summaryFile(dir);
    const other = writeTemp(dir, 'r.yaml', readFileSync(fixture('registry.yaml'), 'utf8').replace('Test Market Ltd.', 'Other Market Ltd.'));
    const file = join(dir, 'report.html');
    const r = await cli('report', '--registry', other, '--replay', summary, '--from', '2024-01-01', '--to', '2024-12-31', '--out', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('REPLAY_REGISTRY_MISMATCH');
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a malformed summary, naming the field', async () => {
    const dir = tempDir();
    const summary = await summaryFile(dir);
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    delete s.by_declaration;
    writeFileSync(summary, JSON.stringify(s));
    const r = await cli('report', '--registry', fixture('registry.yaml'), '--replay', summary, '--from', '2024-01-01', '--to', '2024-12-31');
    expect(r.code).toBe(2);
    expect(r.err).toContain('INVALID_SUMMARY');
    expect(r.err).toContain('by_declaration');
  });

  it.each([
    [['--from', '2024-02-30', '--to', '2024-12-31'], 'INVALID_DATE'],
    [['--from', '2024-12-31', '--to', '2024-01-01'], 'INVALID_PERIOD'],
  ])('refuses bad dates %j', async (dates, code) => {
    const r = await cli('report', '--registry', fixture('registry.yaml'), ...dates);
    expect(r.code).toBe(2);
    expect(r.err).toContain(code);
  });
});
