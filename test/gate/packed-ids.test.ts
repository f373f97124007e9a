import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateRecords } from '../../src/core/gate/gate-records.ts';
import { idKey } from '../../src/core/gate/intern.ts';

/**
 * The packed compare of subject ids and order refs (src/core/gate/gate-records.ts,
 * `packedEquals`): a stored id or ref whose code units are all below 0x8000 is kept two to a
 * cell and compared one cell at a time against the asked string, which may hold any code unit.
 * A lookup must match exactly the strings that are equal — including asked strings built to
 * collide with a cell: a first code unit with bit 15 set and the second one less (`a | b << 15`
 * would then equal a stored pair's cell).
 */
const unit = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.constantFrom(0, 1, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0xd800, 0xdc00),
  fc.integer({ min: 0, max: 0xffff }),
);
const str = fc.array(unit, { minLength: 1, maxLength: 12 }).map((us) => String.fromCharCode(...us));

/** Strings near `s`: one unit changed, one more or fewer, and the crafted cell collisions. */
function near(s: string): string[] {
  const out = [s, `${s}a`, s.slice(0, -1), `${s.slice(0, -1)}${String.fromCharCode((s.charCodeAt(s.length - 1) + 1) & 0xffff)}`];
  for (let p = 0; p + 1 < s.length; p += 2) {
    const a = s.charCodeAt(p);
    const b = s.charCodeAt(p + 1);
    if (a < 0x8000 && b > 0 && b % 2 === 1) out.push(s.slice(0, p) + String.fromCharCode(a + 0x8000, b - 1) + s.slice(p + 2));
    if (a < 0x8000) out.push(s.slice(0, p) + String.fromCharCode(a + 0x8000, b) + s.slice(p + 2));
  }
  return out;
}

describe('packed ids and order refs', () => {
  it('find a subject and an order exactly by an equal string, whatever the code units', () => {
    fc.assert(
      fc.property(fc.uniqueArray(str, { minLength: 1, maxLength: 6 }), fc.uniqueArray(str, { minLength: 1, maxLength: 6 }), (subjects, refs) => {
        const records = new GateRecords();
        const member = 'packed-test-member';
        for (const s of subjects) records.subject(s, { jurisdiction: 'KR', erased: false, collectedAt: undefined, contractEndedAt: undefined });
        // Each ref names an order of the first subject (an order ref names one order).
        refs.forEach((ref, i) => records.order(ref, { subject: subjects[0]!, recipient: member, declarations: [`d${i}`] }));
        for (const s of subjects) {
          for (const asked of near(s)) {
            const known = subjects.includes(asked);
            expect(records.get(asked) !== undefined).toBe(known);
            expect(records.find(asked) !== undefined).toBe(known);
          }
        }
        const view = records.find(subjects[0]!)!;
        for (const ref of refs) {
          for (const asked of near(ref)) {
            const i = refs.indexOf(asked);
            expect(view.orderedDeclarations(idKey(member), asked)).toEqual(i < 0 ? undefined : [`d${i}`]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a code unit with bit 15 set stand in for a stored pair', () => {
    const records = new GateRecords();
    // 'ac' is packed as 0x61 | 0x63 << 15; '\u8061\u0062' gives the same 32-bit OR (0x8000 is 1 << 15).
    expect(0x8061 | (0x62 << 15)).toBe(0x61 | (0x63 << 15));
    records.subject('s', { jurisdiction: 'KR', erased: false, collectedAt: undefined, contractEndedAt: undefined });
    records.order('xac', { subject: 's', recipient: 'm', declarations: ['d'] });
    records.order('ac', { subject: 's', recipient: 'm', declarations: ['e'] });
    const v = records.find('s')!;
    expect(v.orderedDeclarations(idKey('m'), 'ac')).toEqual(['e']);
    expect(v.orderedDeclarations(idKey('m'), '\u8061\u0062')).toBeUndefined();
    expect(v.orderedDeclarations(idKey('m'), 'xac')).toEqual(['d']);
    // Odd lengths: the last cell holds one code unit.
    expect(v.orderedDeclarations(idKey('m'), 'x\u8061\u0062')).toBeUndefined();
  });
});
