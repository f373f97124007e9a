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

  it('sorts keys by UTF-16 code units and writes numbers as ECMAScript does', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4, a: -0, b: 1e21, c: 0.1 + 0.2 })).toBe(
      '{"\\r":2,"1":4,"a":0,"b":1e+21,"c":0.30000000000000004,"\u20ac":1,"\ud83d\ude00":3}',
    );
  });
});
