import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDuration, parseDuration } from '../../src/core/time/duration.ts';
import { isCgError } from '../../src/core/errors.ts';

describe('ISO 8601 durations for retention', () => {
  it('adds calendar months with end-of-month clamping and exact days/times', () => {
    const at = (s: string) => Date.parse(s);
    expect(addDuration(at('2026-01-31T10:00:00Z'), parseDuration('P1M'))).toBe(at('2026-02-28T10:00:00Z'));
    expect(addDuration(at('2024-01-31T10:00:00Z'), parseDuration('P1M'))).toBe(at('2024-02-29T10:00:00Z'));
    expect(addDuration(at('2024-02-29T00:00:00Z'), parseDuration('P1Y'))).toBe(at('2025-02-28T00:00:00Z'));
    expect(addDuration(at('2026-11-23T12:00:00Z'), parseDuration('P5Y'))).toBe(at('2031-11-23T12:00:00Z'));
    expect(addDuration(at('2026-11-30T00:00:00Z'), parseDuration('P1Y6M'))).toBe(at('2028-05-30T00:00:00Z'));
    expect(addDuration(at('2026-01-01T00:00:00Z'), parseDuration('P90D'))).toBe(at('2026-04-01T00:00:00Z'));
    expect(addDuration(at('2026-01-01T00:00:00Z'), parseDuration('P1WT12H30M5S'))).toBe(at('2026-01-08T12:30:05Z'));
  });

  it('agrees with Date’s own month arithmetic whenever no clamping is involved', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 11 }), (t, y, m) => {
        const d = new Date(t);
        if (d.getUTCDate() > 28) return;
        const expected = new Date(t);
        expected.setUTCFullYear(d.getUTCFullYear() + y, d.getUTCMonth() + m);
        expect(addDuration(t, parseDuration(`P${y}Y${m}M`))).toBe(expected.getTime());
      }),
    );
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['P', '90D', 'PT', 'P1.5Y', '']) {
      let err: unknown;
      try {
        parseDuration(bad);
      } catch (e) {
        err = e;
      }
      expect(isCgError(err) && err.code).toBe('INVALID_DURATION');
    }
  });
});
