import { describe, expect, it } from 'vitest';
import { addDuration, parseDuration } from '../../src/core/time/duration.ts';
import { parseTimestamp } from '../../src/core/time/timestamp.ts';

const ms = (s: string) => Date.parse(s);

describe('ISO 8601 durations', () => {
  it.each([
    ['2024-01-01T00:00:00Z', 'P60D', '2024-03-01T00:00:00Z'],
    ['2023-01-01T00:00:00Z', 'P60D', '2023-03-02T00:00:00Z'],
    ['2024-01-31T10:00:00Z', 'P1M', '2024-02-29T10:00:00Z'],
    ['2023-01-31T10:00:00Z', 'P1M', '2023-02-28T10:00:00Z'],
    ['2024-02-29T00:00:00Z', 'P1Y', '2025-02-28T00:00:00Z'],
    ['2024-11-15T00:00:00Z', 'P1Y6M', '2026-05-15T00:00:00Z'],
    ['2024-01-01T00:00:00Z', 'P2W', '2024-01-15T00:00:00Z'],
    ['2024-01-01T23:00:00Z', 'PT1H30M5S', '2024-01-02T00:30:05Z'],
    ['2024-12-31T00:00:00Z', 'P1M1D', '2025-02-01T00:00:00Z'],
  ])('%s + %s = %s', (start, d, end) => {
    expect(new Date(addDuration(ms(start), d)).toISOString()).toBe(new Date(end).toISOString());
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['P', 'PT', '90D', 'P1.5Y', 'P-1D', 'p1d']) expect(() => parseDuration(bad)).toThrow(/ISO 8601 duration/);
  });
});

describe('strict timestamps', () => {
  it.each([
    ['2024-01-06T09:00:00+09:00', '2024-01-06T00:00:00.000Z'],
    ['2024-01-06T09:00+0900', '2024-01-06T00:00:00.000Z'],
    ['2024-01-06 00:00:00.123456Z', '2024-01-06T00:00:00.123Z'],
    ['2024-02-29T23:59:59-05:00', '2024-03-01T04:59:59.000Z'],
    ['0999-06-01T00:00:00Z', '0999-06-01T00:00:00.000Z'],
  ])('%s', (text, iso) => expect(new Date(parseTimestamp(text)!).toISOString()).toBe(iso));

  it.each(['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-10T00:00:00', '2024-01-10', '2024-01-10T24:00:00Z', '2024-13-01T00:00:00Z', '2024-01-10T00:60:00Z', 'yesterday', '2024-01-10T00:00:00+25:00', ''])(
    'refuses %s',
    (text) => expect(parseTimestamp(text)).toBeUndefined(),
  );
});
