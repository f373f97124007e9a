import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/store/decision-json.ts';

const MAX = 8.64e15;
// Whole milliseconds across the Date range, bunched near each other (so seconds repeat and the
// remembered second is both hit and missed), near the year-10000 edge, and fractional ones.
const ms = fc.oneof(
  fc.integer({ min: -MAX, max: MAX }),
  fc.integer({ min: 0, max: 253402300800000 + 5000 }),
  fc.integer({ min: 253402300800000 - 3000, max: 253402300800000 + 3000 }),
  fc.integer({ min: -3000, max: 3000 }),
  fc.constant(Date.now()).chain((now) => fc.integer({ min: now - 2500, max: now + 2500 })),
  fc.double({ min: -MAX, max: MAX, noNaN: true }),
);

describe('isoTime', () => {
  it('is new Date(ms).toISOString() for every time, in any order of calls', () => {
    fc.assert(
      fc.property(fc.array(ms, { minLength: 1, maxLength: 40 }), (times) => {
        for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it('fails like toISOString where there is no time', () => {
    for (const bad of [Number.NaN, MAX + 1, -MAX - 1, Number.POSITIVE_INFINITY]) {
      expect(() => new Date(bad).toISOString()).toThrow(RangeError);
      expect(() => isoTime(bad)).toThrow(RangeError);
    }
  });

  it('gives each millisecond of one second its own text', () => {
    const second = Date.UTC(2026, 11, 7, 1, 2, 3);
    const seen = new Set<string>();
    for (let k = 999; k >= 0; k--) {
      const t = isoTime(second + k);
      expect(t).toBe(new Date(second + k).toISOString());
      seen.add(t);
    }
    expect(seen.size).toBe(1000);
    expect(isoTime(second + 1000)).toBe('2026-12-07T01:02:04.000Z');
    expect(isoTime(-1)).toBe('1969-12-31T23:59:59.999Z');
  });
  it('is exact when calls alternate between two or three seconds, as a release formats its time and its retention end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253402300800000 - 10 * 86_400_000 }),
        fc.array(fc.tuple(fc.nat(2), fc.nat(999)), { minLength: 1, maxLength: 60 }),
        (base, calls) => {
          const seconds = [base - (base % 1000), base - (base % 1000) + 30 * 86_400_000, base - (base % 1000) + 1000];
          for (const [which, ms] of calls) {
            const t = seconds[which]! + ms;
            expect(isoTime(t)).toBe(new Date(t).toISOString());
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
