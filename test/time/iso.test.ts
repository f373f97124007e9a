import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoString } from '../../src/core/time/iso.ts';

describe('isoString', () => {
  it('equals Date.toISOString for every millisecond of the four-digit years', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoString(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals it at the edges: epoch, before it, leap days, year and century boundaries, the limits of Date', () => {
    const edges = [
      0, -1, 1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_399_999, 4_107_542_400_000, -2_208_988_800_001, -62_167_219_200_000,
      -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 2, 1),
    ];
    for (const ms of edges) expect(isoString(ms)).toBe(new Date(ms).toISOString());
  });

  it('refuses what Date refuses (invalid times)', () => {
    for (const bad of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY]) expect(() => isoString(bad)).toThrow(RangeError);
  });

  it('keeps Date’s answer for fractional milliseconds', () => {
    for (const ms of [0.5, 1.7e12 + 0.25, -0.5]) expect(isoString(ms)).toBe(new Date(ms).toISOString());
  });
});
