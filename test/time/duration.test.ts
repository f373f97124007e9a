import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDuration, addDurationAt, parseDuration } from '../../src/core/time/duration.ts';
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

  it('gives exactly the answers of the Date arithmetic it replaced (clamping, leap years, time parts, out of range)', () => {
    // The former implementation, kept as the reference: a Date per call.
    const viaDate = (start: number, d: ReturnType<typeof parseDuration>): number => {
      const date = new Date(start);
      if (d.years !== 0 || d.months !== 0) {
        const day = date.getUTCDate();
        const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth() + d.years * 12 + d.months;
        const year = Math.floor(monthIndex / 12);
        const month = monthIndex - year * 12;
        // Date.UTC reads years 0-99 as 1900-1999, so the former code clamped February of year 0
        // (a leap year) to the 28th of 1900's; the month's last day is taken without that quirk.
        const last = new Date(0);
        last.setUTCFullYear(year, month + 1, 0);
        const lastDay = last.getUTCDate();
        date.setUTCFullYear(year, month, Math.min(day, lastDay));
      }
      const exact = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
      return date.getTime() + exact * 1000;
    };
    const start = fc.oneof(
      fc.integer({ min: Date.UTC(-3000, 0, 1), max: Date.UTC(3000, 0, 1) }),
      fc.integer({ min: -8.64e15 - 5, max: -8.64e15 + 5e10 }),
      fc.integer({ min: 8.64e15 - 5e10, max: 8.64e15 + 5 }),
      fc.double({ min: -1e13, max: 1e13, noNaN: true }),
    );
    const part = fc.nat({ max: 50 });
    fc.assert(
      fc.property(start, part, fc.nat({ max: 40 }), part, part, part, part, part, (t, y, m, w, d, h, mi, s) => {
        const dur = { years: y, months: m, weeks: w, days: d, hours: h, minutes: mi, seconds: s };
        expect(addDuration(t, dur)).toBe(viaDate(t, dur));
      }),
      { numRuns: 5000 },
    );
    // Year 0 is a leap year (proleptic Gregorian, as Date counts): the case fast-check found.
    expect(addDuration(Date.parse('-000008-01-31T23:59:59.999Z'), { years: 7, months: 13, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 })).toBe(Date.parse('0000-02-29T23:59:59.999Z'));
    for (const day of ['2023-01-29', '2023-01-30', '2023-01-31', '2024-02-29', '1900-01-31', '2000-01-31', '2100-01-31', '0000-01-31', '0000-03-01']) {
      const t = Date.parse(`${day}T23:59:59.999Z`);
      for (let m = 0; m < 50; m++) {
        const dur = { years: 0, months: m, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
        expect(addDuration(t, dur)).toBe(viaDate(t, dur));
      }
    }
  });

  it('adds to the time an object holds as to the time itself (`addDurationAt`, the gate allow path\'s form)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.constantFrom('P1M', 'P1Y', 'P30D', 'PT36H', 'P5Y2M3DT4H5M6S'), (at, d) => {
        const duration = parseDuration(d);
        expect(addDurationAt({ at }, duration)).toBe(addDuration(at, duration));
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
