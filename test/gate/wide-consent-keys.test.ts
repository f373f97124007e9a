import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsentStatus } from '../../src/core/consent/lookup.ts';
import { consentAnswer, GateRecords, type ConsentSlot } from '../../src/core/gate/gate-records.ts';
import { choiceKey, idKey } from '../../src/core/gate/intern.ts';
import type { ConsentAnswer } from '../../src/core/gate/types.ts';

/**
 * A consent entry's key is one cell, `scope * 2^10 + choice` (src/core/gate/gate-records.ts,
 * `keyCell`), for choice keys below 2^10 (`choiceKey`) and scope keys below 2^20 (`idKey`); beyond either, the entry is "wide": its cell is a marker and its (choice, scope) pair is
 * kept in the record. Every lookup must answer the same for fitting and wide entries, mixed in
 * one region (a fitting unscoped entry beside a wide scoped one, and the reverse), as a model of
 * plain Maps answers (`consentAnswer`, shared with the consent projection).
 */
const slot = (eventId: string, grant: boolean, expiresAt: number | null, leafIndex: number): ConsentSlot => {
  const answer = (state: 'active' | 'withdrawn' | 'expired'): ConsentStatus => ({ state, noticeHash: `n-${eventId}`, items: ['name'], eventId, at: leafIndex, fingerprint: 'fp' });
  return { grant, expiresAt, leafIndex, pos: 0, eventId, noticeHash: `n-${eventId}`, items: ['name'], fingerprint: 'fp', live: answer(grant ? 'active' : 'withdrawn'), lapsed: answer('expired') };
};
const fields = (a: ConsentAnswer): ConsentAnswer => (a.state === 'none' ? { state: 'none' } : { state: a.state, eventId: a.eventId, noticeHash: a.noticeHash, items: a.items, fingerprint: a.fingerprint });

// Members keyed below 2^20 (fit) and, once a million more ids have keys, above it (wide).
const FIT_MEMBERS = ['wk-fm0', 'wk-fm1'];
for (const m of FIT_MEMBERS) idKey(m);
for (let i = 0; idKey(`wk-filler-${i}`) < 2 ** 20; i++);
const WIDE_MEMBERS = ['wk-wm0', 'wk-wm1'];
for (const m of WIDE_MEMBERS) expect(idKey(m)).toBeGreaterThanOrEqual(2 ** 20);
const SCOPES: Array<string | null> = [null, ...FIT_MEMBERS, ...WIDE_MEMBERS];
// Choices keyed first (fit), then, once 2^10 others have keys, wide ones.
const FIT_CHOICES = ['wk-f0', 'wk-f1'];
for (const c of FIT_CHOICES) expect(choiceKey(c)).toBeLessThan(2 ** 10);
for (let j = 0; choiceKey(`wk-filler-choice-${j}`) < 2 ** 10; j++);
const WIDE_CHOICES = ['wk-c0', 'wk-c1'];
for (const c of WIDE_CHOICES) expect(choiceKey(c)).toBeGreaterThanOrEqual(2 ** 10);
const CHOICES = [...FIT_CHOICES, ...WIDE_CHOICES];
const SUBJECTS = ['wk-s0', 'wk-s1', 'wk-s2'];


type Write = { s: number; choice: number; scope: number; grant: boolean; expires: number | null };
const writeArb: fc.Arbitrary<Write> = fc.record({ s: fc.nat(SUBJECTS.length - 1), choice: fc.nat(CHOICES.length - 1), scope: fc.nat(SCOPES.length - 1), grant: fc.boolean(), expires: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }) });

describe('consent entries with wide keys', () => {
  it('answer as fitting ones, mixed in one region and through moves (model: plain Maps)', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 1, maxLength: 60 }), (writes) => {
        const records = new GateRecords();
        const model = new Map<string, ConsentSlot>();
        writes.forEach((w, n) => {
          const sl = slot(`e${n}`, w.grant, w.expires, n);
          const scope = SCOPES[w.scope]!;
          model.set(`${SUBJECTS[w.s]}|${CHOICES[w.choice]}|${scope ?? ''}`, sl);
          records.consent(SUBJECTS[w.s]!, CHOICES[w.choice]!, scope, sl);
        });
        for (const s of SUBJECTS) {
          const r = records.get(s);
          for (const c of CHOICES) {
            for (const m of [...FIT_MEMBERS, ...WIDE_MEMBERS, 'wk-other']) {
              for (const at of [0, 50, 101]) {
                for (const scopedOnly of [false, true]) {
                  const want = consentAnswer(model.get(`${s}|${c}|`), model.get(`${s}|${c}|${m}`), at, scopedOnly);
                  if (r === undefined) {
                    expect(want.state).toBe('none');
                    continue;
                  }
                  expect(r.consent(choiceKey(c), idKey(m), at, scopedOnly)).toEqual(want);
                  const v = records.find(s)!;
                  const active = v.activeConsent(choiceKey(c), idKey(m), at, scopedOnly);
                  expect(active === undefined ? undefined : active.eventId).toBe(want.state === 'active' ? want.eventId : undefined);
                  expect(fields(v.consentState(choiceKey(c), idKey(m), at, scopedOnly))).toEqual(fields(want));
                }
              }
            }
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('keeps a fitting key from matching a wide pair and the reverse', () => {
    const records = new GateRecords();
    const [fit] = FIT_CHOICES;
    const [wide] = WIDE_CHOICES;
    records.consent('wk-one', fit!, 'wk-wm0', slot('fit-wide-scope', true, null, 1));
    records.consent('wk-one', wide!, 'wk-fm0', slot('wide-fit-scope', true, null, 2));
    records.consent('wk-one', fit!, null, slot('fit-unscoped', false, null, 3));
    const v = records.find('wk-one')!;
    expect(v.activeConsent(choiceKey(fit!), idKey('wk-wm0'), 0, true)?.eventId).toBe(undefined); // withdrawn unscoped is later
    expect(v.consentState(choiceKey(fit!), idKey('wk-wm0'), 0, true)).toMatchObject({ state: 'withdrawn', eventId: 'fit-unscoped' });
    expect(v.activeConsent(choiceKey(wide!), idKey('wk-fm0'), 0, true)?.eventId).toBe('wide-fit-scope');
    expect(v.activeConsent(choiceKey(wide!), idKey('wk-fm1'), 0, true)).toBeUndefined();
    expect(v.activeConsent(choiceKey(fit!), idKey('wk-fm0'), 0, false)).toBeUndefined();
    expect(v.consentState(choiceKey(WIDE_CHOICES[1]!), idKey('wk-fm0'), 0, false)).toEqual({ state: 'none' });
  });
});
