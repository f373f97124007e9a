import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idHash } from '../../src/core/gate/gate-records.ts';
import { MemberTable } from '../../src/core/gate/member-table.ts';
import type { MemberInfo } from '../../src/core/gate/types.ts';

/**
 * The gate's member table (src/core/gate/member-table.ts) against a plain Map as the model:
 * random adds, replacements and removals (disabled members) over ids chosen so that many share
 * a home slot, through growth; after every write each id answers `get`, `find` (the shared
 * view's fields), `has` and `size` as the model does. A removal that closed its run wrongly
 * (backward shift) would hide a later member of the run, or find a removed one.
 */
type Op = { kind: 'set'; id: number; cls: number; country: number; agreement: number | null } | { kind: 'delete'; id: number };

/** 48 ids; those below 24 are picked so that their hashes agree in the low 6 bits (the first table's 64 slots). */
const IDS: string[] = (() => {
  const out: string[] = [];
  for (let i = 0; out.length < 24; i++) if ((idHash(`m${i}`) & 63) === (idHash('m0') & 63)) out.push(`m${i}`);
  for (let i = 0; out.length < 48; i++) out.push(`member-${i}-${'x'.repeat(i % 5)}`);
  return out;
})();

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), id: fc.nat(IDS.length - 1), cls: fc.nat(2), country: fc.nat(3), agreement: fc.option(fc.nat(2)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.nat(IDS.length - 1) }) },
);

describe('member table', () => {
  it('answers as a Map of the members set and not removed, through collisions, growth and removals', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const table = new MemberTable();
        const model = new Map<string, MemberInfo>();
        for (const op of ops) {
          const id = IDS[op.id]!;
          if (op.kind === 'set') {
            const info: MemberInfo = { key: 1000 + op.id, classId: `class${op.cls}`, country: ['CN', 'HK', 'JP', 'KR'][op.country]!, agreementVersion: op.agreement === null ? null : `v${op.agreement}` };
            table.set(id, info);
            model.set(id, info);
          } else {
            expect(table.delete(id)).toBe(model.delete(id));
          }
          expect(table.size).toBe(model.size);
          for (const asked of IDS) {
            const want = model.get(asked);
            expect(table.get(asked)).toBe(want);
            expect(table.has(asked)).toBe(want !== undefined);
            const v = table.find(asked);
            if (want === undefined) expect(v).toBeUndefined();
            else expect({ key: v!.key, classId: v!.classId, country: v!.country, agreementVersion: v!.agreementVersion }).toEqual({ ...want, agreementVersion: want.agreementVersion ?? null });
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('compares ids by value: an equal string that is another object finds the member', () => {
    const table = new MemberTable();
    table.set('seller_with_a_long_id_1', { key: 7, classId: 'c', country: 'CN', agreementVersion: null });
    const copy = JSON.parse(JSON.stringify({ id: 'seller_with_a_long_id_1' })).id as string;
    expect(table.find(copy)?.key).toBe(7);
    expect(table.find('seller_with_a_long_id_2')).toBeUndefined();
  });
});
