import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refusalGrounds, VERIFY_METHODS } from '../../src/core/rights/grounds.ts';
import { addDays, addMonths, formatCivil, parseCivil } from '../../src/core/time/civil-date.ts';
import {
  applyAction,
  receiveRequest,
  RIGHTS_TYPES,
  TERMINAL_STATES,
  type RightsAction,
  type RightsRequest,
  type RightsState,
} from '../../src/core/rights/request.ts';

/**
 * Random action sequences against the rights-request core: whatever an officer (or a script)
 * sends, in any order and at any time, no request reaches a state the statute does not allow —
 * no skipped step, no verification without evidence, no refusal without a valid ground, nothing
 * after closing — and no deadline ever lies beyond the legal maximum (KR: 10 days, never
 * extended; EU: one month, extended once to three months, only within the first month).
 */
const DAY = 86_400_000;
const EDGES: ReadonlyArray<[RightsState, string, RightsState]> = [
  ['received', 'verify', 'verified'],
  ['verified', 'start', 'in_progress'],
  ['in_progress', 'complete', 'completed'],
  ['received', 'reject', 'rejected'],
  ['verified', 'reject', 'rejected'],
  ['in_progress', 'reject', 'rejected'],
];
const ARTICLES = [...new Set(RIGHTS_TYPES.flatMap((t) => [...refusalGrounds('KR', t), ...refusalGrounds('EU', t)].map((g) => g.article))), 'PIPA 99', ''];

const action: fc.Arbitrary<RightsAction> = fc.oneof(
  fc.record({
    kind: fc.constant('verify' as const),
    evidence: fc.record({
      method: fc.oneof(fc.constantFrom(...VERIFY_METHODS), fc.constantFrom('selfie', '')) as fc.Arbitrary<(typeof VERIFY_METHODS)[number]>,
      reference: fc.oneof(fc.constantFrom('case-1', 'T#2026/17', '4711'), fc.string({ maxLength: 12 })),
    }),
  }),
  fc.constant({ kind: 'start' as const }),
  fc.constant({ kind: 'complete' as const }),
  fc.record({ kind: fc.constant('extend' as const), reason: fc.oneof(fc.constant('many sellers'), fc.constant(' '), fc.string({ maxLength: 5 })) }),
  fc.record({ kind: fc.constant('reject' as const), reason: fc.oneof(fc.constant('legal hold'), fc.constant('')), article: fc.constantFrom(...ARTICLES) }),
);

/** Each step comes after the previous one by 0–40 days: late enough, sometimes, to miss the first month. */
const steps = fc.array(fc.tuple(action, fc.integer({ min: 0, max: 40 * DAY })), { maxLength: 12 });

function legalMaximum(r: RightsRequest): string {
  const received = parseCivil(r.deadline.receivedOn)!;
  return formatCivil(r.jurisdiction === 'KR' ? addDays(received, 10) : addMonths(received, 3));
}

describe('rights request lifecycle under random action sequences (property)', () => {
  it('never reaches an illegal state and never extends past the legal maximum', () => {
    fc.assert(
      fc.property(fc.constantFrom('KR' as const, 'EU' as const), fc.constantFrom(...RIGHTS_TYPES), fc.integer({ min: 0, max: 3 * 365 }), steps, (j, type, offset, seq) => {
        const t0 = Date.parse('2026-01-01T00:00:00Z') + offset * DAY;
        let r = receiveRequest({ id: 'rr_p', type, subject: 's', jurisdiction: j, receivedAt: t0, actor: 'k' });
        const firstDue = r.deadline.dueBefore;
        let at = t0;
        for (const [a, gap] of seq) {
          at += gap;
          const before = r;
          let next: RightsRequest | undefined;
          try {
            next = applyAction(r, a, at, 'k');
          } catch (e) {
            expect((e as { code?: string }).code, String(e)).toMatch(/^RIGHTS_/);
          }
          if (!next) continue;
          r = next;
          const step = r.history.at(-1)!;
          expect(r.history.length).toBe(before.history.length + 1);
          expect(TERMINAL_STATES.has(before.state)).toBe(false);
          if (a.kind === 'extend') {
            expect(r.state).toBe(before.state);
            expect(j).toBe('EU');
            expect(before.deadline.extended).toBe(false);
            expect(at).toBeLessThan(firstDue);
            expect(a.reason.trim()).not.toBe('');
          } else {
            expect(EDGES).toContainEqual([before.state, a.kind, r.state]);
          }
          if (a.kind === 'verify') expect(VERIFY_METHODS).toContain(step.evidence!.method);
          if (a.kind === 'reject') {
            expect(refusalGrounds(j, type).map((g) => g.article)).toContain(r.rejectionArticle);
            expect(r.rejectionReason!.trim()).not.toBe('');
          }
        }
        // Whatever happened: the deadline is within the law, and every later state went through verification with evidence.
        expect(r.deadline.dueDate <= legalMaximum(r)).toBe(true);
        if (j === 'KR') expect(r.deadline.extended).toBe(false);
        if (['verified', 'in_progress', 'completed'].includes(r.state)) {
          expect(r.history.find((h) => h.action === 'verify')?.evidence?.reference).toMatch(/^[A-Za-z0-9]/);
        }
        expect(r.history.filter((h) => h.action === 'extend').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});
