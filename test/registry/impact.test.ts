import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { termsOf } from '../../src/core/gate/gate-index.ts';
import { impactDigest, registryImpact, staleImpact, type Grant } from '../../src/core/registry/impact.ts';
import type { RegistryModel } from '../../src/core/registry/model.ts';
import type { Registry } from '../../src/core/registry/schema.ts';
import { byId, decl, modelWith } from '../lint/fixtures.ts';

/**
 * The activation dry run (src/core/registry/impact.ts) on the demo registry: what changes per
 * declaration and per recipient, which consents go stale, and the confirmation digest.
 */
const base = modelWith();
const grantsOf = (model: RegistryModel, ids: string[]): Grant[] => ids.map((id) => ({ declarationId: id, fingerprint: termsOf(model, id)! }));

describe('registryImpact', () => {
  it('finds nothing between a registry and itself', () => {
    const i = registryImpact(base, modelWith());
    expect(i.identical).toBe(true);
    expect(i.declarations).toEqual({ added: [], removed: [], changed: [] });
    expect(i.parties).toEqual([]);
    expect(i.purposes).toEqual({ added: [], removed: [], changed: [] });
  });

  it('names a declaration whose items change, and the class that gains them', () => {
    const after = modelWith((r) => decl(r, 'sellers_fulfilment').items.push({ category: 'order_history', form: 'plain' }));
    const i = registryImpact(base, after);
    expect(i.declarations.changed).toEqual([
      expect.objectContaining({ id: 'sellers_fulfilment', recipient: 'cn_sellers', terms: ['items'], items_added: ['order_history'], items_removed: [], other_changed: false }),
    ]);
    expect(i.parties).toEqual([expect.objectContaining({ id: 'cn_sellers', kind: 'class', change: 'changed', items_gained: ['order_history'], items_lost: [] })]);
  });

  it('names new destination countries of a class as a change of consent terms', () => {
    const after = modelWith((r) => byId(r.recipient_classes, 'cn_sellers').countries.push('JP'));
    const i = registryImpact(base, after);
    expect(i.declarations.changed.find((c) => c.id === 'sellers_fulfilment')).toMatchObject({ terms: ['countries'], countries_added: ['JP'] });
    expect(i.parties.find((p) => p.id === 'cn_sellers')).toMatchObject({ countries_gained: ['JP'] });
  });

  it('lists removed declarations and what their recipient loses', () => {
    const after = modelWith((r: Registry) => {
      r.declarations = r.declarations.filter((d) => d.id !== 'courier_delivery');
    });
    const i = registryImpact(base, after);
    expect(i.declarations.removed).toEqual(['courier_delivery']);
    const courier = i.parties.find((p) => p.id === 'hanbit_express')!;
    expect(courier.declarations_lost).toEqual(['courier_delivery']);
    expect(courier.items_lost).toEqual(['address', 'name', 'phone']);
  });

  it('tells wording from terms: a label change is a changed purpose, not a changed declaration', () => {
    const after = modelWith((r) => (byId(r.purposes, 'order_fulfilment').labels.en = 'Shipping your order'));
    const i = registryImpact(base, after);
    expect(i.purposes.changed).toEqual(['order_fulfilment']);
    expect(i.declarations.changed).toEqual([]);
    const basis = registryImpact(base, modelWith((r) => (decl(r, 'sellers_fulfilment').recipient_purpose = { ko: '배송', en: 'Shipping' })));
    expect(basis.declarations.changed).toEqual([expect.objectContaining({ id: 'sellers_fulfilment', terms: [], other_changed: true })]);
  });

  it('with nothing active, everything is added', () => {
    const i = registryImpact(undefined, base);
    expect(i.from).toBeNull();
    expect(i.declarations.added).toEqual([...base.declarations.keys()].sort());
    expect(i.parties.every((p) => p.change === 'added')).toBe(true);
  });
});

describe('staleImpact', () => {
  const after = modelWith((r) => {
    decl(r, 'sellers_fulfilment').retention = { duration: 'P60D', from: 'contract_end' };
    r.declarations = r.declarations.filter((d) => d.id !== 'ad_partner');
  });
  const grants = grantsOf(base, ['sellers_fulfilment', 'sellers_fulfilment:transfer', 'ad_partner', 'courier_delivery']);

  it('counts grants whose declaration keeps existing with other terms; a removed declaration is not stale', () => {
    expect(staleImpact(base, after, grants)).toEqual({ stale_after: 2, newly_stale: 2, no_longer_stale: 0, by_declaration: { sellers_fulfilment: 2 } });
  });

  it('a rollback covers the stale grants again', () => {
    const given = grantsOf(after, ['sellers_fulfilment']);
    expect(staleImpact(after, base, given)).toMatchObject({ stale_after: 1, newly_stale: 1 });
    const old = grantsOf(base, ['sellers_fulfilment']);
    expect(staleImpact(after, base, old)).toMatchObject({ stale_after: 0, newly_stale: 0, no_longer_stale: 1 });
  });
});

describe('impactDigest', () => {
  it('is the same for the same change and differs for another', () => {
    const a = modelWith((r) => (decl(r, 'sellers_fulfilment').retention = { duration: 'P60D', from: 'contract_end' }));
    const b = modelWith((r) => (decl(r, 'sellers_fulfilment').retention = { duration: 'P30D', from: 'contract_end' }));
    expect(impactDigest(registryImpact(base, a))).toBe(impactDigest(registryImpact(base, modelWith((r) => (decl(r, 'sellers_fulfilment').retention = { duration: 'P60D', from: 'contract_end' })))));
    expect(impactDigest(registryImpact(base, a))).not.toBe(impactDigest(registryImpact(base, b)));
    // The same target from another active registry is another change.
    expect(impactDigest(registryImpact(b, a))).not.toBe(impactDigest(registryImpact(base, a)));
  });
});

/** Small edits a registry change is made of; any subset of them applies to the demo registry. */
const EDITS: ReadonlyArray<(r: Registry) => void> = [
  (r) => decl(r, 'sellers_fulfilment').items.push({ category: 'order_history', form: 'plain' }),
  (r) => (decl(r, 'courier_delivery').items = decl(r, 'courier_delivery').items.filter((i) => i.category !== 'phone')),
  (r) => byId(r.recipient_classes, 'cn_sellers').countries.push('JP'),
  (r) => (r.declarations = r.declarations.filter((d) => d.id !== 'ad_partner')),
  (r) => (decl(r, 'sellers_fulfilment').retention = { duration: 'P60D', from: 'contract_end' }),
  (r) => (byId(r.purposes, 'order_fulfilment').labels.en = 'Shipping your order'),
  (r) => (r.declarations = r.declarations.filter((d) => d.id !== 'courier_delivery')),
];
const edited = fc.subarray([...EDITS.keys()]).map((ks) => modelWith((r) => ks.forEach((k) => EDITS[k]!(r))));

describe('registryImpact properties', () => {
  it('is antisymmetric: what one direction adds or gains, the other removes or loses', () => {
    fc.assert(
      fc.property(edited, edited, (a, b) => {
        const ab = registryImpact(a, b);
        const ba = registryImpact(b, a);
        expect(ab.identical).toBe(a.hash === b.hash);
        expect(ab.declarations.added).toEqual(ba.declarations.removed);
        expect(ab.declarations.changed.map((c) => [c.id, c.terms])).toEqual(ba.declarations.changed.map((c) => [c.id, c.terms]));
        for (const p of ab.parties) {
          const q = ba.parties.find((x) => x.id === p.id)!;
          expect([q.items_lost, q.countries_lost, q.declarations_lost]).toEqual([p.items_gained, p.countries_gained, p.declarations_gained]);
        }
        // A declaration's terms change exactly when the gate's fingerprint does.
        for (const id of a.declarations.keys()) {
          if (!b.declarations.has(id)) continue;
          const changedTerms = (ab.declarations.changed.find((c) => c.id === id)?.terms.length ?? 0) > 0;
          expect(changedTerms).toBe(termsOf(a, id) !== termsOf(b, id));
        }
        // Grants given under `a` go stale under `b` exactly for declarations whose terms changed.
        const grants = grantsOf(a, [...a.declarations.keys()]);
        const s = staleImpact(a, b, grants);
        expect(s.newly_stale).toBe(ab.declarations.changed.filter((c) => c.terms.length > 0).length);
      }),
      { numRuns: 60 },
    );
  });
});
