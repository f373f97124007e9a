import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateRecords } from '../../src/core/gate/gate-records.ts';
import { MemberTable } from '../../src/core/gate/member-table.ts';
import { EMPTY, idHash } from '../../src/core/gate/open-addressing.ts';

/**
 * The early slot reads of a seller's decision (docs/gate-history.md, twelfth round): `GateRecords.first`
 * reads the home slot of a hash so that the decision can give up on an empty one, and `find` /
 * `MemberTable.find` take the hash the decision computed. An empty home slot must mean an
 * unknown subject (else a known subject would be sent to the traced evaluation for nothing, or
 * worse, the hash passed along would find another's region), and a passed hash must answer as
 * the hash computed inside.
 */
const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 300 });

describe('early slot reads', () => {
  it('an empty home slot means the subject is not held; find with the hash answers as without', () => {
    fc.assert(
      fc.property(ids, fc.array(fc.string({ maxLength: 12 }), { maxLength: 50 }), (held, asked) => {
        const records = new GateRecords();
        for (const s of held) records.subject(s, { jurisdiction: 'KR', erased: false, collectedAt: undefined, contractEndedAt: undefined });
        for (const s of [...held, ...asked]) {
          const h = idHash(s);
          const known = records.get(s) !== undefined;
          if (records.first(h) === EMPTY) expect(known).toBe(false);
          expect(records.find(s, h)?.base).toBe(records.get(s)?.base);
          expect(records.find(s)?.base).toBe(records.get(s)?.base);
        }
      }),
    );
  });

  it('MemberTable.find with the hash answers as without', () => {
    fc.assert(
      fc.property(ids, fc.array(fc.string({ maxLength: 12 }), { maxLength: 50 }), (held, asked) => {
        const members = new MemberTable();
        held.forEach((id, k) => members.set(id, { key: k, classId: 'sellers', country: 'KR', agreementVersion: null }));
        for (const id of [...held, ...asked]) {
          expect(members.find(id, idHash(id))?.key).toBe(members.get(id)?.key);
        }
      }),
    );
  });
});
