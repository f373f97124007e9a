import { describe, expect, it } from 'vitest';
import { itemsPlan } from '../../src/app/release-service.ts';
import { releasedItem } from '../../src/store/decision-json.ts';

describe('itemsPlan (what a release reads and records, per item list)', () => {
  const items = Object.freeze([
    Object.freeze({ category: 'name', form: 'plain' as const }),
    Object.freeze({ category: 'phone', form: 'safe_number' as const }),
    Object.freeze({ category: 'address', form: 'masked' as const }),
  ]);

  it('reads every category, decrypts only what leaves as itself, records the interned items', () => {
    const p = itemsPlan(items);
    expect(p.categories).toEqual(['name', 'phone', 'address']);
    expect(['name', 'phone', 'address'].map((c) => p.decrypt!(c))).toEqual([true, false, true]);
    expect(p.released).toEqual([releasedItem('name', 'plain'), releasedItem('phone', 'safe_number'), releasedItem('address', 'masked')]);
    expect(p.released[0]).toBe(releasedItem('name', 'plain'));
    expect(Object.isFrozen(p.released) && Object.isFrozen(p.categories)).toBe(true);
  });

  it('is made once for a frozen list the gate shares, afresh for a list that may change', () => {
    expect(itemsPlan(items)).toBe(itemsPlan(items));
    const fresh = [{ category: 'name', form: 'plain' as const }];
    const a = itemsPlan(fresh);
    fresh.push({ category: 'email', form: 'token' as never });
    const b = itemsPlan(fresh);
    expect(a).not.toBe(b);
    expect(a.decrypt).toBeUndefined();
    expect(b.categories).toEqual(['name', 'email']);
    expect(b.decrypt!('email')).toBe(false);
  });
});
