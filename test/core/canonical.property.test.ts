import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical.ts';

/** Our JCS fast path must be byte-identical to the reference library, or defer to it. */
const reference = (v: unknown): { ok: string } | { err: string } => {
  try {
    const out = canonicalize(v);
    return out === undefined ? { err: 'no JSON representation' } : { ok: out };
  } catch (e) {
    return { err: (e as Error).name };
  }
};
const ours = (v: unknown): { ok: string } | { err: string } => {
  try {
    return { ok: canonicalJson(v) };
  } catch (e) {
    return { err: (e as Error).message === 'value has no JSON representation' ? 'no JSON representation' : (e as Error).name };
  }
};

describe('canonicalJson (RFC 8785)', () => {
  it('equals the reference implementation on JSON values, including unicode keys and numbers', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect(ours(v)).toEqual(reference(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('equals the reference on arbitrary values (undefined, symbols, dates, sparse arrays, lone surrogates)', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, withObjectString: true }), fc.string({ unit: 'binary' }), (v, s) => {
        expect(ours(v)).toEqual(reference(v));
        expect(ours({ [s]: s, k: [s] })).toEqual(reference({ [s]: s, k: [s] }));
      }),
      { numRuns: 3000 },
    );
  });

  // Values whose keys were inserted in sorted order take the JSON.stringify path: it must agree
  // with the reference too, including integer-like keys (which objects list first, not sorted).
  const sortedCopy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortedCopy);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortedCopy((v as Record<string, unknown>)[k]);
    return out;
  };

  it('equals the reference on values built with their keys already in order (the native path)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const sorted = sortedCopy(v);
        expect(ours(sorted)).toEqual(reference(sorted));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.anything({ withDate: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }), (v) => {
        const sorted = sortedCopy(v);
        expect(ours(sorted)).toEqual(reference(sorted));
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts keys by UTF-16 code units and writes numbers as ECMAScript does', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4, a: -0, b: 1e21, c: 0.1 + 0.2 })).toBe(
      '{"\\r":2,"1":4,"a":0,"b":1e+21,"c":0.30000000000000004,"\u20ac":1,"\ud83d\ude00":3}',
    );
    // In insertion order already, with integer-like keys that objects list first: still sorted.
    expect(canonicalJson({ '10': 1, '9': 2, a: { y: undefined, z: [1, 'x'] } })).toBe('{"10":1,"9":2,"a":{"z":[1,"x"]}}');
  });
});
