import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../../src/cli/io.ts';
import { casesCsv, fixture, tempDir, writeTemp } from './support.ts';

async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', 'replay', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const base = (shares: string, extra: string[] = []) => [
  '--registry', fixture('registry.yaml'), '--shares', shares, '--consents', fixture('consents.jsonl'), '--members', fixture('members.csv'), ...extra,
];

const HEADER = 'timestamp,subject_id,recipient_id,purpose,items\n';

describe('consentgate replay: output and exit codes', () => {
  it('prints one JSON summary object and exits 1 when violations are found', async () => {
    const dir = tempDir();
    const r = await cli(...base(writeTemp(dir, 's.csv', casesCsv()), ['--format', 'json']));
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    expect(Object.keys(s).slice(0, 7)).toEqual(['records', 'violating_records', 'subjects', 'affected_subjects', 'by_rule', 'by_recipient', 'by_country']);
    expect(s.by_rule.NO_TRANSFER_GROUND).toEqual({ records: 5, subjects: 4, article: 'PIPA 28-8(1)' });
    expect(r.err).toBe(''); // no progress bar when not on a terminal
  });

  it('exits 0 for a clean log and prints a CSV summary', async () => {
    const dir = tempDir();
    const r = await cli(...base(writeTemp(dir, 's.csv', HEADER + '2024-01-10T00:00:00Z,u1,courier,order_fulfilment,name;phone\n'), ['--format', 'csv']));
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('section,key,records,violating_records,subjects,affected_subjects,article');
    expect(lines[1]).toBe('total,,1,0,1,0,');
    expect(lines).toContain('rule,NO_CONSENT,0,0,0,0,PIPA 17(1)');
  });

  it('exits 1 when the only problem is a bad row', async () => {
    const dir = tempDir();
    const r = await cli(...base(writeTemp(dir, 's.csv', HEADER + '2024-01-10T00:00:00Z,u1,courier,order_fulfilment,name\nyesterday,u1,courier,order_fulfilment,name\n'), ['--format', 'json']));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).bad_rows).toEqual({ count: 1, lines: [{ line: 3, field: 'timestamp', message: expect.stringContaining('ISO 8601') }] });
  });
});

describe('consentgate replay: invalid input exits 2, names file, line and field, writes nothing', () => {
  async function expectInvalid(args: string[], ...fragments: string[]) {
    const dir = tempDir();
    const out = join(dir, 'out');
    const r = await cli(...args, '--out', out);
    expect(r.code).toBe(2);
    for (const f of fragments) expect(r.err).toContain(f);
    expect(r.out).toBe('');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }

  it('a share log missing a column', async () => {
    const dir = tempDir();
    const shares = writeTemp(dir, 'shares.csv', 'timestamp,subject_id,recipient_id,purpose\n2024-01-10T00:00:00Z,u1,courier,order_fulfilment\n');
    await expectInvalid(base(shares), 'MISSING_COLUMN', `${shares}:1`, '"items"');
  });

  it('a consent history naming an unknown declaration', async () => {
    const dir = tempDir();
    const consents = writeTemp(dir, 'c.jsonl', '{"at":"2024-01-01T00:00:00Z","subject":"u1","action":"grant","declaration":"ads"}\n{"at":"2024-01-02T00:00:00Z","subject":"u1","action":"grant","declaration":"nope"}\n');
    const shares = writeTemp(dir, 's.csv', casesCsv());
    await expectInvalid(['--registry', fixture('registry.yaml'), '--shares', shares, '--consents', consents], 'UNKNOWN_DECLARATION', `${consents}:2 declaration`, '"nope"');
  });

  it('a consent history with a wrong date', async () => {
    const dir = tempDir();
    const consents = writeTemp(dir, 'c.jsonl', '\n{"at":"2024-13-01T00:00:00Z","subject":"u1","action":"grant","declaration":"ads"}\n');
    await expectInvalid(['--registry', fixture('registry.yaml'), '--shares', writeTemp(dir, 's.csv', casesCsv()), '--consents', consents], 'INVALID_CONSENT', `${consents}:2 at`);
  });

  it('a members file with an unknown class', async () => {
    const dir = tempDir();
    const members = writeTemp(dir, 'm.csv', 'recipient_id,class,country\ns9,pirates,CN\n');
    await expectInvalid(['--registry', fixture('registry.yaml'), '--shares', writeTemp(dir, 's.csv', casesCsv()), '--consents', fixture('consents.jsonl'), '--members', members], 'UNKNOWN_CLASS', `${members}:2 class`);
  });

  it('a registry with schema or structural errors, with its line', async () => {
    const dir = tempDir();
    const text = readFileSync(fixture('registry.yaml'), 'utf8').replace('recipient: sellers\n', 'recipient: nobody\n');
    const registry = writeTemp(dir, 'r.yaml', text);
    const line = text.split('\n').findIndex((l) => l.includes('recipient: nobody')) + 1;
    await expectInvalid(['--registry', registry, '--shares', writeTemp(dir, 's.csv', casesCsv()), '--consents', fixture('consents.jsonl')], 'UNKNOWN_REFERENCE', `${registry}:${line}:`);
    const bad = writeTemp(dir, 'r2.yaml', text.replace('legal_basis: consent', 'legal_basis: vibes'));
    await expectInvalid(['--registry', bad, '--shares', writeTemp(dir, 's.csv', casesCsv()), '--consents', fixture('consents.jsonl')], 'SCHEMA_INVALID', 'legal_basis');
  });

  it('an unreadable file', async () => {
    await expectInvalid(base('/nonexistent/shares.csv'), 'UNREADABLE_FILE', '/nonexistent/shares.csv');
  });

  it('an operator serving two jurisdictions without --jurisdiction', async () => {
    const dir = tempDir();
    const registry = writeTemp(dir, 'r.yaml', readFileSync(fixture('registry.yaml'), 'utf8').replace('jurisdictions: [KR]', 'jurisdictions: [KR, EU]'));
    await expectInvalid(['--registry', registry, '--shares', writeTemp(dir, 's.csv', casesCsv()), '--consents', fixture('consents.jsonl')], 'JURISDICTION_REQUIRED');
  });
});

describe('consentgate replay: output directory', () => {
  it('an output directory that cannot be created exits 2', async () => {
    const dir = tempDir();
    const blocker = writeTemp(dir, 'file', 'x');
    const r = await cli(...base(writeTemp(dir, 's.csv', casesCsv())), '--out', join(blocker, 'out'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('UNWRITABLE_OUTPUT');
  });
});
