import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  answeredLate,
  applyAction,
  overdueRequests,
  receiveRequest,
  RIGHTS_STATES,
  type RightsAction,
  type RightsRequest,
} from '../../src/core/rights/request.ts';

const V: RightsAction = { kind: 'verify', evidence: { method: 'signed_in_account', reference: 'case-1' } };
const t0 = Date.parse('2027-01-31T12:00:00+01:00');
const day = 86_400_000;

function fresh(jurisdiction: 'KR' | 'EU' = 'EU', id = 'rr_1', receivedAt = t0): RightsRequest {
  return receiveRequest({ id, type: 'erasure', subject: 'cust-1', jurisdiction, receivedAt, actor: 'key_a' });
}

describe('rights request lifecycle', () => {
  it('walks received → verified → in_progress → completed with a history step each', () => {
    let r = fresh();
    expect(r.state).toBe('received');
    expect(r.article).toBe('GDPR 17');
    expect(r.deadline.dueDate).toBe('2027-02-28');
    r = applyAction(r, V, t0 + 1000, 'key_b');
    r = applyAction(r, { kind: 'start' }, t0 + 2000, 'key_b');
    r = applyAction(r, { kind: 'complete' }, t0 + 3000, 'key_c');
    expect(r.state).toBe('completed');
    expect(r.history.map((h) => [h.action, h.from, h.to, h.actor])).toEqual([
      ['receive', null, 'received', 'key_a'],
      ['verify', 'received', 'verified', 'key_b'],
      ['start', 'verified', 'in_progress', 'key_b'],
      ['complete', 'in_progress', 'completed', 'key_c'],
    ]);
    expect(answeredLate(r)).toBe(false);
  });

  it('cites the right per jurisdiction', () => {
    expect(receiveRequest({ id: 'a', type: 'access', subject: 's', jurisdiction: 'KR', receivedAt: t0, actor: 'k' }).article).toBe('PIPA 35');
    expect(receiveRequest({ id: 'a', type: 'portability', subject: 's', jurisdiction: 'EU', receivedAt: t0, actor: 'k' }).article).toBe('GDPR 20');
    expect(receiveRequest({ id: 'a', type: 'suspension', subject: 's', jurisdiction: 'KR', receivedAt: t0, actor: 'k' }).article).toBe('PIPA 37');
  });

  it('rejects from any open state only with a reason, and keeps it', () => {
    for (const path of [[], [V], [V, { kind: 'start' }]] as RightsAction[][]) {
      let r = fresh();
      for (const a of path) r = applyAction(r, a, t0, 'k');
      expect(() => applyAction(r, { kind: 'reject', reason: ' ', article: 'GDPR 12(5)(b)' }, t0, 'k')).toThrow(
        expect.objectContaining({ code: 'RIGHTS_REASON_REQUIRED', path: 'reason' }),
      );
      const rejected = applyAction(r, { kind: 'reject', reason: 'identity could not be verified', article: 'GDPR 12(2)' }, t0, 'k');
      expect(rejected.state).toBe('rejected');
      expect(rejected.rejectionReason).toBe('identity could not be verified');
      expect(rejected.rejectionArticle).toBe('GDPR 12(2)');
      expect(rejected.history.at(-1)).toMatchObject({ action: 'reject', from: r.state, to: 'rejected' });
    }
  });

  it('refuses skipped and post-terminal transitions with RIGHTS_INVALID_TRANSITION', () => {
    const r = fresh();
    expect(() => applyAction(r, { kind: 'complete' }, t0, 'k')).toThrow(
      expect.objectContaining({ code: 'RIGHTS_INVALID_TRANSITION', status: 409, extra: expect.objectContaining({ state: 'received', action: 'complete' }) }),
    );
    expect(() => applyAction(r, { kind: 'start' }, t0, 'k')).toThrow(expect.objectContaining({ code: 'RIGHTS_INVALID_TRANSITION' }));
    const done = applyAction(applyAction(applyAction(r, V, t0, 'k'), { kind: 'start' }, t0, 'k'), { kind: 'complete' }, t0, 'k');
    for (const a of [V, { kind: 'reject', reason: 'x', article: 'GDPR 12(2)' }, { kind: 'extend', reason: 'x' }] as RightsAction[]) {
      expect(() => applyAction(done, a, t0, 'k')).toThrow(expect.objectContaining({ code: 'RIGHTS_INVALID_TRANSITION' }));
    }
  });

  it('refuses a step dated before the previous one', () => {
    expect(() => applyAction(fresh(), V, t0 - 1, 'k')).toThrow(expect.objectContaining({ code: 'RIGHTS_TIME_ORDER' }));
  });

  it('only ever reaches states through allowed actions (property)', () => {
    const action = fc.oneof(
      fc.constantFrom<RightsAction>(V, { kind: 'start' }, { kind: 'complete' }),
      fc.constant<RightsAction>({ kind: 'reject', reason: 'no', article: 'GDPR 17(3)(b)' }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 8 }), (actions) => {
        let r = fresh();
        for (const a of actions) {
          const allowed = allowedActions(r.state).includes(a.kind);
          let next: RightsRequest | undefined;
          try {
            next = applyAction(r, a, t0, 'k');
          } catch (e) {
            expect((e as { code: string }).code).toBe('RIGHTS_INVALID_TRANSITION');
          }
          expect(next !== undefined).toBe(allowed);
          if (next) {
            expect(RIGHTS_STATES).toContain(next.state);
            expect(next.history.length).toBe(r.history.length + 1);
            r = next;
          }
        }
      }),
    );
  });

  it('extends an EU request with a recorded reason; not a KR one', () => {
    const r = applyAction(fresh(), { kind: 'extend', reason: 'hundreds of sellers to contact' }, t0 + day, 'k');
    expect(r.state).toBe('received');
    expect(r.deadline.dueDate).toBe('2027-04-30');
    expect(r.extensionReason).toBe('hundreds of sellers to contact');
    expect(r.history.at(-1)).toMatchObject({ action: 'extend', from: 'received', to: 'received', reason: 'hundreds of sellers to contact' });
    expect(() => applyAction(fresh('KR'), { kind: 'extend', reason: 'x' }, t0, 'k')).toThrow(
      expect.objectContaining({ code: 'RIGHTS_EXTENSION_NOT_AVAILABLE' }),
    );
  });

  it('lists open requests past their deadline, most overdue first, and flags late answers', () => {
    const kr = fresh('KR', 'kr', t0); // due 10 days later
    const eu = fresh('EU', 'eu', t0 - 5 * day); // due ~1 month later
    const euOld = fresh('EU', 'eu-old', t0 - 40 * day); // overdue already at t0 + 11 days
    const closed = applyAction(fresh('KR', 'closed', t0 - 40 * day), { kind: 'reject', reason: 'duplicate', article: 'PIPA 38(1)' }, t0, 'k');
    const now = t0 + 11 * day;
    expect(overdueRequests([kr, eu, euOld, closed], now).map((r) => r.id)).toEqual(['eu-old', 'kr']);
    expect(overdueRequests([kr, eu, euOld, closed], t0).map((r) => r.id)).toEqual(['eu-old']);
    expect(answeredLate(closed)).toBe(true);
  });
});
