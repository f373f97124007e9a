import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsentStatus } from '../../src/core/consent/lookup.ts';
import { consentAnswer, GateRecords, type ConsentSlot } from '../../src/core/gate/gate-records.ts';
import { choiceKey, idKey } from '../../src/core/gate/intern.ts';
import { addDuration, parseDuration } from '../../src/core/time/duration.ts';

/**
 * The records' own layout (src/core/gate/gate-records.ts): the open-addressing table by subject
 * id with the id packed into the record's cells, times as two small integers, and a consent's
 * fields copied beside its keys. The property test (gate-records.property.test.ts) checks the
 * answers against the projections on small histories; this one the edges of the layout.
 */
const slot = (eventId: string, grant: boolean, expiresAt: number | null, leafIndex: number): ConsentSlot => {
  const answer = (state: 'active' | 'withdrawn' | 'expired'): ConsentStatus => ({ state, noticeHash: `n-${eventId}`, items: ['name'], eventId, at: 0, fingerprint: 'fp' });
  return { grant, expiresAt, leafIndex, pos: 0, eventId, noticeHash: `n-${eventId}`, items: ['name'], fingerprint: 'fp', live: answer(grant ? 'active' : 'withdrawn'), lapsed: answer('expired') };
};

/** One write to the records, for the model test of the regions below. */
type Write =
  | { kind: 'subject'; s: number; eu: boolean; erased: boolean; end: number | undefined }
  | { kind: 'order'; s: number; ref: number; member: number; decls: string[]; end: number | undefined }
  | { kind: 'consent'; s: number; choice: number; scope: number | null; grant: boolean; expires: number | null }
  | { kind: 'vault'; s: number };
// Some ids look like array indices ('12'): V8 does not internalize those as property names.
const SUBJECT_IDS = Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? `subject-${i}-${'\u8000'.repeat(i % 3)}` : i % 5 === 0 ? `${i + 10}` : `s${i}`));
/** A copy of `s` that is its own string object (not internalized, not `s`): as a request's id arrives. */
const fresh = (s: string): string => (JSON.parse(JSON.stringify({ s: `${s}\u0000`.slice(0, -1) })) as { s: string }).s.split('').join('');
/**
 * Order refs of varied lengths, odd and even, some with code units beyond 0x7fff, and a
 * one-character ref per subject (queried with the empty ref below); unique across subjects.
 */
const orderRef = (s: string, ref: number): string =>
  ref === 9 ? String.fromCharCode(0x41 + SUBJECT_IDS.indexOf(s)) : ref % 4 === 3 ? `${s}/o${ref}\u9000` : `${s}/o${'r'.repeat(ref)}${ref}`;
const writeArb: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant('subject' as const), s: fc.nat(39), eu: fc.boolean(), erased: fc.boolean(), end: fc.option(fc.integer({ min: -1e6, max: 1e6 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('order' as const), s: fc.nat(39), ref: fc.nat(9), member: fc.nat(4), decls: fc.subarray(['d1', 'd2', 'd3']), end: fc.option(fc.integer({ min: -1e6, max: 1e6 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('consent' as const), s: fc.nat(39), choice: fc.nat(3), scope: fc.option(fc.nat(4), { nil: null }), grant: fc.boolean(), expires: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }) }),
  fc.record({ kind: fc.constant('vault' as const), s: fc.nat(39) }),
);

describe('gate records layout', () => {
  it("keeps every subject's cells apart while regions grow and move to the end, holes cleared (model: plain Maps)", () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 400 }), (writes) => {
        const records = new GateRecords();
        type Held = { info?: { eu: boolean; erased: boolean; end: number | undefined }; vault: boolean; orders: Map<string, { member: number; decls: string[]; end: number | undefined }>; slots: Map<string, ConsentSlot> };
        const model = new Map<string, Held>();
        const held = (s: string): Held => model.get(s) ?? (model.set(s, { vault: false, orders: new Map(), slots: new Map() }), model.get(s)!);
        writes.forEach((w, n) => {
          const s = SUBJECT_IDS[w.s]!;
          if (w.kind === 'subject') {
            held(s).info = { eu: w.eu, erased: w.erased, end: w.end };
            records.subject(s, { jurisdiction: w.eu ? 'EU' : 'KR', erased: w.erased, contractEndedAt: w.end });
          } else if (w.kind === 'order') {
            // An order ref names one order of one subject (refs are unique across subjects).
            const ref = orderRef(s, w.ref);
            held(s).orders.set(ref, { member: w.member, decls: w.decls, end: w.end });
            records.order(ref, { subject: s, recipient: `m${w.member}`, declarations: w.decls, contractEndedAt: w.end });
          } else if (w.kind === 'consent') {
            const sl = slot(`e${n}`, w.grant, w.expires, n);
            held(s).slots.set(`${w.choice}|${w.scope ?? ''}`, sl);
            records.consent(s, `c${w.choice}`, w.scope === null ? null : `m${w.scope}`, sl);
          } else {
            held(s).vault = true;
            records.vaultErased(s);
          }
        });
        expect(records.size).toBe(model.size);
        for (const s of SUBJECT_IDS) {
          const h = model.get(s);
          const r = records.get(s);
          if (h === undefined) {
            expect(r).toBeUndefined();
            expect(records.find(s)).toBeUndefined();
            expect(records.find(fresh(s))).toBeUndefined();
            continue;
          }
          expect(records.get(s)).toBe(r);
          expect(records.find(fresh(s))?.base).toBe(r!.base);
          for (const v of [r!, records.find(s)!]) {
            expect(v.known).toBe(h.info !== undefined);
            expect(v.releasable()).toBe(h.info !== undefined && !h.info.erased && !h.vault);
            expect(v.erased).toBe((h.info?.erased ?? false) || h.vault);
            if (h.info !== undefined) expect(v.jurisdiction).toBe(h.info.eu ? 'EU' : 'KR');
            expect(v.contractEndedAt).toBe(h.info?.end);
            for (let ref = 0; ref < 10; ref++) {
              const o = h.orders.get(orderRef(s, ref));
              // The ref itself, then refs one code unit longer, shorter or different.
              for (const asked of [orderRef(s, ref), `${orderRef(s, ref)}x`, orderRef(s, ref).slice(0, -1), `${orderRef(s, ref).slice(0, -1)}\u8001`]) {
                const hit = asked === orderRef(s, ref) ? o : undefined;
                expect(v.contractEnd(asked)).toBe(hit?.end ?? h.info?.end);
                for (let m = 0; m < 5; m++) expect(v.orderedDeclarations(idKey(`m${m}`), asked)).toEqual(hit !== undefined && hit.member === m ? hit.decls : undefined);
              }
            }
            for (let c = 0; c < 4; c++) {
              for (let m = 0; m < 5; m++) {
                for (const at of [0, 50, 101]) {
                  const want = consentAnswer(h.slots.get(`${c}|`), h.slots.get(`${c}|${m}`), at, false);
                  expect(v.consent(choiceKey(`c${c}`), idKey(`m${m}`), at, false)).toEqual(want);
                  const st = v.consentState(choiceKey(`c${c}`), idKey(`m${m}`), at, false);
                  expect(st.state === 'none' ? st : { state: st.state, eventId: st.eventId, noticeHash: st.noticeHash, items: st.items, fingerprint: st.fingerprint }).toEqual(
                    want.state === 'none' ? want : { state: want.state, eventId: want.eventId, noticeHash: want.noticeHash, items: want.items, fingerprint: want.fingerprint },
                  );
                  const active = v.activeConsent(choiceKey(`c${c}`), idKey(`m${m}`), at, false);
                  expect(active === undefined ? undefined : active.eventId).toBe(want.state === 'active' ? want.eventId : undefined);
                }
              }
            }
          }
        }
        // Regions do not overlap, the holes moved regions left hold nothing (no stale reference
        // kept alive), and they are less than half the cells (each move at least doubles a region).
        const owner: Array<string | undefined> = new Array<string | undefined>(records.cells.length).fill(undefined);
        let live = 0;
        for (const s of model.keys()) {
          const r = records.get(s)!;
          expect(r.n).toBeLessThanOrEqual(r.cap);
          for (let k = r.base; k < r.base + r.cap; k++) {
            expect(owner[k]).toBeUndefined();
            owner[k] = s;
          }
          live += r.cap;
        }
        records.cells.forEach((cell, k) => {
          if (owner[k] === undefined) expect(cell).toBeUndefined();
        });
        expect(records.cells.length).toBeLessThanOrEqual(2 * live);
      }),
      { numRuns: 60 },
    );
  });


  it('finds every subject by id through growth, whatever the id: empty, odd length, beyond the packed range, prefixes of each other', () => {
    const records = new GateRecords();
    const ids = ['', 'a', 'ab', 'abc', '홍길동', 'sp_😀', 'x'.repeat(301), '\u7fff\u8000', '\u7fff'];
    for (let i = 0; i < 5000; i++) ids.push(`sp_${i.toString(36).padStart(6, '0')}`, `customer-${i}-${'z'.repeat(i % 40)}`);
    ids.forEach((id, i) => records.subject(id, { jurisdiction: i % 2 === 0 ? 'KR' : 'EU', erased: false }));
    expect(records.size).toBe(ids.length);
    ids.forEach((id, i) => {
      const r = records.get(id);
      expect(r?.known, id).toBe(true);
      expect(r?.jurisdiction).toBe(i % 2 === 0 ? 'KR' : 'EU');
      // A string equal to the id but built apart (not the same object) finds it too.
      expect(records.get([...id].join(''))).toBe(r);
    });
    for (const absent of ['sp_', 'sp_0000000', 'sp_00000', 'abcd', 'b', '홍길', '\u8000\u7fff', '\u7ffe', 'x'.repeat(300), 'customer-1-zz', 'customer-0-z']) expect(records.get(absent), absent).toBeUndefined();
    // An id that differs from a stored one in one code unit only, at the end, in the middle, in the high half.
    expect(records.get('sp_00000a')).toBeDefined();
    expect(records.get('sp_00000!')).toBeUndefined();
    expect(records.get('sp_0!0000')).toBeUndefined();
    expect(records.get('\u7fff\u8001')).toBeUndefined();
  });

  it('keeps epoch-ms times exactly, before 1970 and far ahead, and undefined as undefined', () => {
    const records = new GateRecords();
    const times = [0, 1, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 1, Date.UTC(2026, 10, 23, 3, 4, 5, 678), -1, -(2 ** 30), -2_208_988_800_000, 8.64e15, -8.64e15];
    // `0 - t`, not `-t`: the contract end is kept as two small integers, so -0 comes back as 0 (the same instant).
    times.forEach((t, i) => records.subject(`s${i}`, { jurisdiction: 'KR', erased: false, collectedAt: t, contractEndedAt: 0 - t }));
    times.forEach((t, i) => {
      expect(records.get(`s${i}`)?.collectedAt).toBe(t);
      expect(records.get(`s${i}`)?.contractEndedAt).toBe(0 - t);
      expect(records.get(`s${i}`)?.contractWindowEnd(undefined, parseDuration('P1M'))).toBe(addDuration(0 - t, 'P1M'));
    });
    records.subject('none', { jurisdiction: 'EU', erased: false });
    expect(records.get('none')?.collectedAt).toBeUndefined();
    expect(records.get('none')?.contractEndedAt).toBeUndefined();
    expect(records.get('none')?.contractEnd('o1')).toBeUndefined();
    expect(records.get('none')?.contractWindowEnd('o1', parseDuration('P1M'))).toBeNaN();
  });

  it('answers consents from the copied fields as from the slots, across expiry and with orders added after the consents', () => {
    const records = new GateRecords();
    const at = Date.UTC(2026, 10, 23);
    const choice = 'd1';
    const member = 'seller_9';
    records.subject('s', { jurisdiction: 'KR', erased: false });
    records.consent('s', choice, null, slot('e1', true, at + 1, 1));
    records.consent('s', 'd2', member, slot('e2', true, null, 2));
    // Orders arrive after the consents: the consents' keys and data move up.
    records.order('o1', { subject: 's', recipient: member, declarations: ['d2'], contractEndedAt: at - 5 });
    records.order('o2', { subject: 's', recipient: 'seller_8', declarations: ['d1'] });
    const r = records.get('s')!;
    const c = choiceKey(choice);
    const m = idKey(member);
    expect(r.activeConsent(c, m, at, false)).toMatchObject({ eventId: 'e1', noticeHash: 'n-e1', items: ['name'], fingerprint: 'fp' });
    expect(r.activeConsent(c, m, at + 1, false)).toBeUndefined();
    expect(r.consent(c, m, at + 1, false).state).toBe('expired');
    expect(r.activeConsent(c, m, at, true)).toBeUndefined();
    expect(r.activeConsent(choiceKey('d2'), m, at + 10 ** 12, true)).toMatchObject({ eventId: 'e2' });
    expect(r.activeConsent(choiceKey('d2'), idKey('seller_8'), at, true)).toBeUndefined();
    expect(r.orderedDeclarations(m, 'o1')).toEqual(['d2']);
    expect(r.orderedDeclarations(m, 'o2')).toBeUndefined();
    expect(r.orderedDeclarations(idKey('seller_8'), 'o2')).toEqual(['d1']);
    expect(r.contractEnd('o1')).toBe(at - 5);
    // A later withdrawal replaces the entry in place; a scoped grant beside it decides by order.
    records.consent('s', choice, null, slot('e3', false, null, 3));
    expect(r.activeConsent(c, m, at, false)).toBeUndefined();
    expect(r.consent(c, m, at, false)).toMatchObject({ state: 'withdrawn', eventId: 'e3' });
    records.consent('s', choice, member, slot('e4', true, null, 4));
    expect(r.activeConsent(c, m, at, false)).toMatchObject({ eventId: 'e4' });
    expect(r.activeConsent(c, idKey('seller_8'), at, false)).toBeUndefined();
    expect(r.orderedDeclarations(m, 'o1')).toEqual(['d2']);
  });
});
