import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/audit/replay.ts';
import { generate } from '../../examples/aliexpress-case/generate.ts';

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
  });
});
