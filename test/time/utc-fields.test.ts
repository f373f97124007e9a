import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcHour, utcWeekday } from '../../src/core/time/utc-fields.ts';

describe('the hour and weekday a policy sees', () => {
  it('are what a Date of the release time answers, before and after 1970, to the millisecond (property)', () => {
    const ms = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), fc.constantFrom(0, -1, -0.5, 0.5, 3_599_999, 3_600_000, -86_400_000, -86_400_001));
    fc.assert(
      fc.property(ms, (t) => {
        const d = new Date(t);
        expect(utcHour(t)).toBe(d.getUTCHours());
        expect(utcWeekday(t)).toBe(d.getUTCDay());
      }),
      { numRuns: 2000 },
    );
  });
});
