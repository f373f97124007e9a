import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestId, timeOrderedId } from '../../src/app/ids.ts';

describe('time-ordered ids', () => {
  it('sort by their time, whatever their random part (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 46 }), fc.integer({ min: 0, max: 2 ** 46 }), (a, b) => {
        const [x, y] = [timeOrderedId('dec_', a), timeOrderedId('dec_', b)];
        if (a < b) expect(x < y).toBe(true);
        if (a > b) expect(x > y).toBe(true);
      }),
    );
  });

  it('carry 96 random bits: no repeats over many ids in the same millisecond, pool refills included', () => {
    const ids = Array.from({ length: 5000 }, () => timeOrderedId('dec_', 1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^dec_[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
  });

  it('request ids: 128 random bits as 32 hex digits, no repeats, pool refills and time-ordered ids in between', () => {
    const ids: string[] = [];
    for (let i = 0; i < 3000; i++) {
      ids.push(requestId());
      if (i % 7 === 0) timeOrderedId('dec_', 1_700_000_000_000);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
