import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/core/lru.ts';

/** The idiom Lru replaces: a Map whose hits are deleted and set again, oldest key evicted. */
class MapLru<K, V> {
  readonly m = new Map<K, V>();
  constructor(readonly capacity: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.capacity) this.m.delete(this.m.keys().next().value!);
  }
}

const op = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('peek' as const), key: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), value: fc.integer() }),
  fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('clear' as const) }),
);

describe('Lru', () => {
  it('answers, orders and evicts as a Map whose hits are deleted and set again', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const lru = new Lru<number, number>(capacity);
        const ref = new MapLru<number, number>(capacity);
        for (const o of ops) {
          if (o.op === 'get') expect(lru.get(o.key)).toBe(ref.get(o.key));
          else if (o.op === 'peek') expect(lru.peek(o.key)).toBe(ref.m.get(o.key));
          else if (o.op === 'set') {
            lru.set(o.key, o.value);
            ref.set(o.key, o.value);
          } else if (o.op === 'delete') expect(lru.delete(o.key)).toBe(ref.m.delete(o.key));
          else {
            lru.clear();
            ref.m.clear();
          }
          expect([...lru.keys()]).toEqual([...ref.m.keys()]);
          expect([...lru.values()]).toEqual([...ref.m.values()]);
          expect(lru.size).toBe(ref.m.size);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('evicts the least recently read, not the least recently set', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect([...lru.keys()]).toEqual(['a', 'c']);
    expect(lru.has('b')).toBe(false);
    // peek leaves the order alone: 'a' is still the oldest.
    expect(lru.peek('a')).toBe(1);
    lru.set('d', 4);
    expect([...lru.keys()]).toEqual(['c', 'd']);
  });

  it('refuses a negative capacity', () => {
    expect(() => new Lru(-1)).toThrow();
    expect(() => new Lru(Number.NaN)).toThrow();
  });
});
