import { describe, expect, it } from 'vitest';
import { perFrozen } from '../../src/core/per-frozen.ts';

describe('perFrozen (derived once per frozen argument)', () => {
  it('derives once for a frozen argument and afresh for one that may still change', () => {
    let calls = 0;
    const lengthOf = perFrozen((xs: readonly number[]) => {
      calls++;
      return { n: xs.length };
    });
    const frozen = Object.freeze([1, 2, 3]);
    expect(lengthOf(frozen)).toBe(lengthOf(frozen));
    expect(calls).toBe(1);
    const open = [1];
    expect(lengthOf(open).n).toBe(1);
    open.push(2);
    expect(lengthOf(open).n).toBe(2);
    expect(calls).toBe(3);
    // Another frozen list with equal contents is its own key.
    expect(lengthOf(Object.freeze([1, 2, 3]))).not.toBe(lengthOf(frozen));
    expect(calls).toBe(4);
  });
});
