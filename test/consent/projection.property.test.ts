import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsentEvent } from '../../src/core/consent/events.ts';
import { ConsentProjection } from '../../src/core/consent/projection.ts';
import { DECLS, MEMBERS, PURPOSES, SUBJECTS, history } from './arbitraries.ts';

/** The oracle: answers straight from the raw event list, no indexes. */
function referenceStatus(events: readonly ConsentEvent[], subject: string, decl: string, recipient: string, at: number) {
  const last = (scope: string | null) =>
    events.filter((e) => e.subjectId === subject && e.declarationId === decl && e.action !== 'object' && e.recipientId === scope).at(-1);
  const scoped = last(recipient);
  const all = last(null);
  const cands = [scoped, all].filter((e): e is ConsentEvent => e !== undefined);
  if (cands.length === 0) return 'none';
  const state = (e: ConsentEvent) => (e.action === 'withdraw' ? 'withdrawn' : e.expiresAt !== null && e.expiresAt <= at ? 'expired' : 'active');
  const order = (e: ConsentEvent) => events.indexOf(e);
  cands.sort((a, b) => order(b) - order(a));
  const s = state(cands[0]!);
  if (s === 'expired' && cands[1] && state(cands[1]) === 'active') return 'active';
  return s;
}

function referenceObjected(events: readonly ConsentEvent[], subject: string, purpose: string) {
  return events.filter((e) => e.subjectId === subject && e.purposeId === purpose && e.action !== 'withdraw').at(-1)?.action === 'object';
}

describe('consent projection', () => {
  it('applying events in any order gives fold(events)', () => {
    fc.assert(
      fc.property(
        history().chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length, maxLength: evs.length }))),
        ([events, shuffled]) => {
          const folded = ConsentProjection.fold(events);
          const incremental = new ConsentProjection();
          for (const e of shuffled) incremental.apply(e);
          // Re-applying (a catch-up re-reading our own events) changes nothing.
          for (const e of events) incremental.apply(e);
          expect(incremental.snapshot()).toEqual(folded.snapshot());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers status and objections exactly like the raw event list', () => {
    fc.assert(
      fc.property(history(), fc.integer({ min: 0, max: 110 }), (events, at) => {
        const p = ConsentProjection.fold(events);
        for (const s of SUBJECTS) {
          for (const d of DECLS) {
            for (const m of [...MEMBERS, 'other']) {
              const got = p.status(s, d, m, at);
              expect(got.state).toBe(referenceStatus(events, s, d, m, at));
            }
          }
          for (const pu of PURPOSES) expect(p.hasObjected(s, pu)).toBe(referenceObjected(events, s, pu));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports the notice, items and event the state rests on', () => {
    const base = { subjectId: 's', purposeId: 'p', collectionPoint: null, channel: 'api', actor: 'subject' as const, evidence: {}, receiptId: 'r' };
    const p = ConsentProjection.fold([
      { ...base, eventId: 'g1', action: 'grant', declarationId: 'd', recipientId: null, noticeHash: 'h1', items: ['name'], expiresAt: null, at: 10, leafIndex: 1, pos: 0 },
      { ...base, eventId: 'g2', action: 'grant', declarationId: 'd', recipientId: 'm1', noticeHash: 'h2', items: ['name', 'phone'], expiresAt: 50, at: 20, leafIndex: 2, pos: 0 },
      { ...base, eventId: 'w1', action: 'withdraw', declarationId: 'd', recipientId: 'm2', noticeHash: null, items: [], expiresAt: null, at: 30, leafIndex: 3, pos: 0 },
    ]);
    expect(p.status('s', 'd', 'm1', 40)).toEqual({ state: 'active', noticeHash: 'h2', items: ['name', 'phone'], eventId: 'g2', at: 20, fingerprint: null });
    // The member grant lapsed: the older grant for every recipient still holds.
    expect(p.status('s', 'd', 'm1', 60)).toMatchObject({ state: 'active', eventId: 'g1', items: ['name'] });
    expect(p.status('s', 'd', 'm2', 40)).toMatchObject({ state: 'withdrawn', eventId: 'w1' });
    expect(p.status('s', 'd', 'm3', 40)).toMatchObject({ state: 'active', eventId: 'g1' });
    expect(p.status('s', 'other', 'm1', 40)).toEqual({ state: 'none' });
    expect(p.status('nobody', 'd', 'm1', 40)).toEqual({ state: 'none' });
  });
});
