import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SuspensionIndex } from '../../src/core/gate/suspension-index.ts';
import type { SuspensionInfo } from '../../src/core/gate/types.ts';

/**
 * PIPA 28-9 orders in force from `from` until lifted (`until`): the index answers exactly "some
 * order for one of the targets or the country covers this instant", whatever the order of adds
 * and however often a lifted order replaces the one in force.
 */
const orderArb = fc.record({
  target: fc.constantFrom('country:CN', 'country:HK', 'recipient:seller-a', 'recipient:cn_sellers'),
  from: fc.integer({ min: 0, max: 100 }),
  length: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
});

const info = (id: string, o: { target: string; from: number; length: number | undefined }): SuspensionInfo => {
  const [kind, key] = o.target.split(':') as ['country' | 'recipient', string];
  return { id, ...(kind === 'country' ? { country: key } : { recipient: key }), from: o.from, until: o.length === undefined ? undefined : o.from + o.length };
};

describe('SuspensionIndex', () => {
  it('finds an order exactly when one covers the instant for a target (from ≤ at < until)', () => {
    fc.assert(
      fc.property(fc.array(orderArb, { maxLength: 8 }), fc.integer({ min: -5, max: 210 }), fc.boolean(), (orders, at, liftLater) => {
        const index = new SuspensionIndex();
        const all = orders.map((o, i) => info(`sus-${i}`, o));
        // Added in force first, then lifted (as a server learns of a lift after the order).
        for (const s of all) index.add(liftLater ? { ...s, until: undefined } : s);
        if (liftLater) for (const s of all) index.add(s);
        const covers = (s: SuspensionInfo) =>
          (s.country === 'CN' || s.recipient === 'seller-a' || s.recipient === 'cn_sellers') && s.from <= at && (s.until === undefined || at < s.until);
        const hit = index.find('seller-a', 'cn_sellers', 'CN', at);
        expect(hit !== undefined).toBe(all.some(covers));
        if (hit) expect(covers(hit)).toBe(true);
        expect(index.size).toBe(all.length);
      }),
    );
  });

  it('a lifted order still refuses what was dated inside the suspension', () => {
    const index = new SuspensionIndex();
    index.add({ id: 's1', country: 'CN', from: 100 });
    expect(index.find('seller-b', undefined, 'CN', 500)?.id).toBe('s1');
    index.add({ id: 's1', country: 'CN', from: 100, until: 300 });
    expect(index.find('seller-b', undefined, 'CN', 200)?.id).toBe('s1');
    expect(index.find('seller-b', undefined, 'CN', 300)).toBeUndefined();
    expect(index.find('seller-b', undefined, 'CN', 99)).toBeUndefined();
  });
});
