import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/audit/replay.ts';
import { generate } from '../../examples/aliexpress-case/generate.ts';
import { captureIO } from '../../src/cli/io.ts';
import type { ReplaySummary } from '../../src/core/audit/summary.ts';
import { main } from '../../src/cli/main.ts';

const dir = new URL('../../examples/aliexpress-case/', import.meta.url).pathname;
const committed = (name: string) => readFileSync(dir + name, 'utf8');

describe('examples/aliexpress-case', () => {
  const files = generate();

  it('the committed data set is exactly what the seeded generator produces', () => {
    for (const [name, text] of Object.entries(files)) expect(committed(name), name).toBe(text);
  });

  it('replaying it reproduces the expected summary', async () => {
    const summary = await runReplay({
      registry: dir + 'registry.yaml',
      shares: dir + 'shares.csv',
      consents: dir + 'consents.jsonl',
      members: dir + 'members.csv',
    });
    const expected = JSON.parse(committed('expected-summary.json'));
    const { bad_rows, ...rest } = summary;
    const { bad_rows: expectedBad, ...expectedRest } = expected;
    expect(rest).toEqual(expectedRest);
    // Messages are the reader's wording; the generator fixes which lines and fields are bad.
    expect(bad_rows.lines.map(({ message: _m, ...r }) => r)).toEqual(expectedBad.lines);
    expect(bad_rows.count).toBe(expectedBad.count);
    // The case's shape: most records are transfers to sellers abroad without a ground.
    expect(summary.by_rule.NO_TRANSFER_GROUND.records).toBeGreaterThan(summary.records / 2);
    expect(summary.by_country.CN!.violating_records).toBe(summary.by_country.CN!.records);
    // One record can carry several codes: the per-code counts add up to more than the violating records.
    expect(summary.code_occurrences).toBe(Object.values(summary.by_rule).reduce((n, r) => n + r.records, 0));
    expect(summary.code_occurrences).toBeGreaterThan(summary.violating_records);
    // Each record judged by the PIPA in force on its date in Korea; both versions add up to the whole.
    expect(Object.keys(summary.by_law)).toEqual(['PIPA-2020', 'PIPA-2023']);
    expect(summary.by_law['PIPA-2020']!.records + summary.by_law['PIPA-2023']!.records).toBe(summary.records);
  });
});

describe('examples/aliexpress-case without --members (issue 18 §10)', () => {
  const dir = new URL('../../examples/aliexpress-case/', import.meta.url).pathname;
  const sellerRecords = readFileSync(dir + 'shares.csv', 'utf8').split('\n').filter((l) => /,seller-\d{4},/.test(l)).length;

  it('refuses with exit 2, naming how many shares name recipients the registry cannot resolve, and writes nothing', async () => {
    const io = captureIO();
    const out = join(mkdtempSync(join(tmpdir(), 'cg-ali-')), 'out');
    const code = await main(['node', 'consentgate', 'replay', '--registry', dir + 'registry.yaml', '--shares', dir + 'shares.csv', '--consents', dir + 'consents.jsonl', '--out', out], io);
    expect(code).toBe(2);
    expect(io.stderr()).toContain('MEMBERS_REQUIRED');
    // The sellers (class members) and the two recipients no registry mentions.
    expect(io.stderr()).toContain(`${sellerRecords + 582} share records name 152 recipients the registry cannot resolve`);
    expect(io.stderr()).toContain('--members');
    expect(io.stdout()).toBe('');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('with --accept-unresolved, every class member is judged an undeclared recipient', async () => {
    const io = captureIO();
    const code = await main(['node', 'consentgate', 'replay', '--registry', dir + 'registry.yaml', '--shares', dir + 'shares.csv', '--consents', dir + 'consents.jsonl', '--accept-unresolved', '--format', 'json'], io);
    expect(code).toBe(1);
    const s = JSON.parse(io.stdout()) as ReplaySummary;
    expect(s.by_rule.UNDECLARED_RECIPIENT.records).toBe(sellerRecords + 582);
    expect(s.code_occurrences).toBeGreaterThan(s.violating_records);
  });
});
