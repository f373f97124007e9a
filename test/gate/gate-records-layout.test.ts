import { describe, expect, it } from 'vitest';
import type { ConsentStatus } from '../../src/core/consent/lookup.ts';
import { GateRecords, type ConsentSlot } from '../../src/core/gate/gate-records.ts';
import { idKey } from '../../src/core/gate/intern.ts';
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

describe('gate records layout', () => {
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
    const c = idKey(choice);
    const m = idKey(member);
    expect(r.activeConsent(c, m, at, false)).toMatchObject({ eventId: 'e1', noticeHash: 'n-e1', items: ['name'], fingerprint: 'fp' });
    expect(r.activeConsent(c, m, at + 1, false)).toBeUndefined();
    expect(r.consent(c, m, at + 1, false).state).toBe('expired');
    expect(r.activeConsent(c, m, at, true)).toBeUndefined();
    expect(r.activeConsent(idKey('d2'), m, at + 10 ** 12, true)).toMatchObject({ eventId: 'e2' });
    expect(r.activeConsent(idKey('d2'), idKey('seller_8'), at, true)).toBeUndefined();
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
