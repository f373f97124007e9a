import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical.ts';
import { canonicalWithShared, shareReceiptPart } from '../../src/core/consent/receipt.ts';

/** Shares (freezes and caches) the objects of `v` that `pick` selects, bottom-up or top-down. */
function shareSome(v: unknown, pick: () => boolean): unknown {
  if (typeof v !== 'object' || v === null) return v;
  for (const x of Object.values(v)) shareSome(x, pick);
  return pick() ? shareReceiptPart(v) : v;
}

const withShared = fc.tuple(fc.jsonValue(), fc.infiniteStream(fc.boolean())).map(([v, picks]) => {
  const it = picks[Symbol.iterator]();
  return shareSome(v, () => it.next().value as boolean);
});

describe('receipt signing text with shared parts', () => {
  it('is RFC 8785 JCS whatever parts are shared', () => {
    fc.assert(
      fc.property(withShared, (v) => {
        expect(canonicalWithShared(v)).toBe(canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });

  it('hands anything that is not plain JSON data to canonicalJson, result or error alike', () => {
    const outcome = (f: () => string) => {
      try {
        return { text: f() };
      } catch (e) {
        return { error: (e as Error).constructor.name };
      }
    };
    const odd: unknown[] = [
      { a: 1, b: undefined, c: [1, undefined, () => 0] },
      { toJSON: () => ({ z: 1 }) },
      { d: new Date(0) },
      [1, , 3], // eslint-disable-line no-sparse-arrays
      { f: () => 1 },
      { '\uD800': 1 },
      { n: NaN },
    ];
    for (const v of odd) expect(outcome(() => canonicalWithShared(v))).toEqual(outcome(() => canonicalJson(v)));
    fc.assert(
      fc.property(fc.anything({ withDate: true, withMap: true, withNullPrototype: true, withObjectString: true, withSparseArray: true }), (v) => {
        expect(outcome(() => canonicalWithShared(v))).toEqual(outcome(() => canonicalJson(v)));
      }),
    );
  });

  it('freezes a shared part all the way down, so its cached text cannot go stale', () => {
    const part = shareReceiptPart({ name: 'c', contact: { email: 'e@x.example' }, countries: ['CN'] });
    expect(() => {
      (part.contact as { email: string }).email = 'other@x.example';
    }).toThrow(TypeError);
    expect(() => (part.countries as string[]).push('HK')).toThrow(TypeError);
    expect(canonicalWithShared({ part })).toBe(canonicalize({ part }));
  });
});
