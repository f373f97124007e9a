import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsentProjection } from '../../src/core/consent/projection.ts';
import { GateRecords } from '../../src/core/gate/gate-records.ts';
import { choiceKey, idKey } from '../../src/core/gate/intern.ts';
import type { ConsentAnswer, OrderInfo, SubjectInfo } from '../../src/core/gate/types.ts';
import type { RightsRequest } from '../../src/core/rights/request.ts';
import { RightsStopIndex } from '../../src/core/rights/stops.ts';
import { addDuration, parseDuration } from '../../src/core/time/duration.ts';
import { DECLS, history, MEMBERS, PURPOSES, SUBJECTS } from '../consent/arbitraries.ts';

/**
 * The gate's per-subject records (src/core/gate/gate-records.ts) are written by the projections
 * as they apply events, and must answer exactly as those projections do: consent status (and the
 * allow path's active slot), objections, rights stops, orders, and the subject's state with
 * erasure from either the subject directory or the vault — whatever order the events arrive in
 * (another server's NOTIFY, a catch-up re-reading events already applied).
 */

/** Windows for the contract-end anchor: exact days, and calendar months (which `addDurationToParts` must add alike). */
const P30D = parseDuration('P30D');
const P1Y = parseDuration('P1Y');
const CHOICES = [...DECLS, ...DECLS.map((d) => `${d}:transfer`)];

const orderArb = fc.record({
  ref: fc.constantFrom('o1', 'o2', 'o3', 'o4'),
  subject: fc.constantFrom(...SUBJECTS),
  recipient: fc.constantFrom(...MEMBERS),
  declarations: fc.subarray(DECLS),
  // Small times, and epoch-ms ones of either sign (the record keeps the end as two small integers).
  ended: fc.option(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.maxSafeInteger().map((x) => (x % 8.64e15) + 0)), { nil: undefined }),
});
const stopArb = fc.record({
  id: fc.constantFrom('r1', 'r2', 'r3'),
  subject: fc.constantFrom(...SUBJECTS),
  type: fc.constantFrom('objection', 'suspension', 'erasure' as const),
  state: fc.constantFrom('completed', 'received' as const),
  declarations: fc.subarray(DECLS),
  purposes: fc.subarray(PURPOSES),
});
const subjectArb = fc.record({
  id: fc.constantFrom(...SUBJECTS),
  jurisdiction: fc.constantFrom('KR', 'EU' as const),
  erased: fc.boolean(),
  collectedAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  // Small times, and epoch-ms ones of either sign (the record keeps the end as two small integers).
  ended: fc.option(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.maxSafeInteger().map((x) => (x % 8.64e15) + 0)), { nil: undefined }),
});

type Value<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Other =
  | { kind: 'order'; o: Value<typeof orderArb> }
  | { kind: 'stop'; s: Value<typeof stopArb> }
  | { kind: 'subject'; s: Value<typeof subjectArb> }
  | { kind: 'vault'; subject: string };

const otherArb: fc.Arbitrary<Other> = fc.oneof(
  orderArb.map((o) => ({ kind: 'order' as const, o })),
  stopArb.map((s) => ({ kind: 'stop' as const, s })),
  subjectArb.map((s) => ({ kind: 'subject' as const, s })),
  fc.constantFrom(...SUBJECTS).map((subject) => ({ kind: 'vault' as const, subject })),
);

const rightsRequest = (s: Value<typeof stopArb>) =>
  ({ id: s.id, subject: s.subject, type: s.type, state: s.state, scope: { declarations: s.declarations, purposes: s.purposes } }) as unknown as RightsRequest;

describe('gate records answer as the projections they mirror', () => {
  it('under random event sequences, applied in any order and re-applied', () => {
    fc.assert(
      fc.property(
        history().chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length, maxLength: evs.length }))),
        fc.array(otherArb, { maxLength: 20 }),
        fc.integer({ min: 0, max: 110 }),
        fc.integer({ min: 0, max: 1000 }),
        ([events, shuffled], others, at, seed) => {
          // The reference: the projections alone, consents folded in log order.
          const reference = ConsentProjection.fold(events);
          const refStops = new RightsStopIndex();
          const refOrders = new Map<string, OrderInfo>();
          const refSubjects = new Map<string, SubjectInfo>();
          const refVault = new Set<string>();

          // The records, written by projections that see the events in another order.
          const records = new GateRecords();
          const consents = new ConsentProjection(records);
          const stops = new RightsStopIndex(records);
          // Interleave the two streams deterministically from the seed.
          let i = 0;
          let j = 0;
          let k = seed;
          while (i < shuffled.length || j < others.length) {
            k = (k * 1103515245 + 12345) % 2147483648;
            if (j >= others.length || (i < shuffled.length && k % 2 === 0)) {
              consents.apply(shuffled[i++]!);
              continue;
            }
            const o = others[j++]!;
            if (o.kind === 'order') {
              // An order id names one order: the first registration of a ref stands (OrdersService).
              if (refOrders.has(o.o.ref)) continue;
              const info: OrderInfo = { subject: o.o.subject, recipient: o.o.recipient, declarations: o.o.declarations, contractEndedAt: o.o.ended };
              refOrders.set(o.o.ref, info);
              records.order(o.o.ref, info);
            } else if (o.kind === 'stop') {
              refStops.note(rightsRequest(o.s));
              stops.note(rightsRequest(o.s));
            } else if (o.kind === 'subject') {
              const info: SubjectInfo = { jurisdiction: o.s.jurisdiction, erased: o.s.erased, collectedAt: o.s.collectedAt, contractEndedAt: o.s.ended };
              refSubjects.set(o.s.id, info);
              records.subject(o.s.id, info);
            } else {
              refVault.add(o.subject);
              records.vaultErased(o.subject);
            }
          }
          // A catch-up re-reads events already applied: nothing changes.
          for (const e of events) consents.apply(e);

          // Each subject through its record and through the allow path's shared view (`find`).
          for (const [s, view] of SUBJECTS.flatMap((x) => [[x, false] as const, [x, true] as const])) {
            const r = view ? records.find(s) : records.get(s);
            const held = refSubjects.get(s);
            if (r === undefined) {
              // Nothing about the subject: no subject, no consent, order, stop or erasure either.
              expect(held).toBeUndefined();
              expect(refVault.has(s)).toBe(false);
              for (const c of CHOICES) for (const m of MEMBERS) expect(reference.status(s, c, m, at).state).toBe('none');
              continue;
            }
            expect(r.known).toBe(held !== undefined);
            if (held !== undefined) {
              expect(r.jurisdiction).toBe(held.jurisdiction);
              expect(r.collectedAt).toBe(held.collectedAt);
            }
            expect(r.erased).toBe((held?.erased ?? false) || refVault.has(s));
            expect(r.releasable()).toBe(held !== undefined && !r.erased);
            for (const c of CHOICES) {
              for (const m of [...MEMBERS, 'other']) {
                for (const scopedOnly of [false, true]) {
                  const want = reference.status(s, c, m, at, scopedOnly);
                  const got = r.consent(choiceKey(c), idKey(m), at, scopedOnly);
                  expect(got).toEqual(want);
                  // The consent denies' view (read from the cells): the same answer but the event's time.
                  expect(answerFields(r.consentState(choiceKey(c), idKey(m), at, scopedOnly))).toEqual(answerFields(want));
                  // The allow path's view: the active answer's own slot, or nothing.
                  const slot = r.activeConsent(choiceKey(c), idKey(m), at, scopedOnly);
                  if (want.state === 'active') {
                    expect(slot).toBeDefined();
                    expect({ eventId: slot!.eventId, noticeHash: slot!.noticeHash, items: slot!.items, fingerprint: slot!.fingerprint }).toEqual({
                      eventId: want.eventId, noticeHash: want.noticeHash, items: want.items, fingerprint: want.fingerprint,
                    });
                  } else {
                    expect(slot).toBeUndefined();
                  }
                }
              }
            }
            for (const p of PURPOSES) {
              expect(r.objected(p)).toBe(reference.hasObjected(s, p));
              for (const d of DECLS) {
                const want = refStops.find(s, d, p);
                const got = r.stop(d, p);
                expect(got === undefined ? undefined : { requestId: got.requestId, type: got.type }).toEqual(want);
              }
            }
            // The contract-end anchor: the named order's own end, else the subject's.
            expect(r.contractEnd(undefined)).toBe(held?.contractEndedAt);
            expect(r.contractWindowEnd(undefined, P30D)).toBe(held?.contractEndedAt === undefined ? Number.NaN : addDuration(held.contractEndedAt, P30D));
            for (const ref of ['o1', 'o2', 'o3', 'o4', 'o5']) {
              const o = refOrders.get(ref);
              const ownEnd = o !== undefined && o.subject === s ? o.contractEndedAt : undefined;
              expect(r.contractEnd(ref)).toBe(ownEnd ?? held?.contractEndedAt);
              const anchor = ownEnd ?? held?.contractEndedAt;
              expect(r.contractWindowEnd(ref, P1Y)).toBe(anchor === undefined ? Number.NaN : addDuration(anchor, P1Y));
              for (const m of [...MEMBERS, 'other']) {
                const want = o !== undefined && o.subject === s && o.recipient === m ? o.declarations : undefined;
                expect(r.orderedDeclarations(idKey(m), ref)).toEqual(want);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A consent answer's state and fields, without the event's time (`consentState` has none). */
function answerFields(a: ConsentAnswer): ConsentAnswer {
  return a.state === 'none' ? { state: 'none' } : { state: a.state, eventId: a.eventId, noticeHash: a.noticeHash, items: a.items, fingerprint: a.fingerprint };
}
