import { describe, expect, it } from 'vitest';
import { planGrant, planWithdraw, type GrantPlanInput } from '../../src/core/consent/plan.ts';
import { ConsentProjection } from '../../src/core/consent/projection.ts';
import { grantRequestSchema, withdrawRequestSchema } from '../../src/core/consent/request.ts';
import { ageAt, needsGuardian, type SubjectRecord } from '../../src/core/consent/subject.ts';
import { buildNotices, nameMember, noticeVersion } from '../../src/core/notice/build.ts';
import { termsFingerprint } from '../../src/core/notice/terms.ts';
import { termsOf } from '../../src/core/gate/gate-index.ts';
import { demoModel } from '../notice/support.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const model = demoModel();
const notices = new Map(buildNotices(model).map((n) => [n.collectionPoint, n]));
const adult: SubjectRecord = { id: 'u1', pseudonym: 'sp_1', jurisdiction: 'KR', birthDate: '1990-01-01', isChild: null, guardian: null, createdAt: 0, erasedAt: null };
let n = 0;
/** The checkout notice naming one seller (GET /v1/notices/checkout?recipient=…). */
const naming = (id: string) => noticeVersion(nameMember(notices.get('checkout')!.notice, 'cn_sellers', { id, name: `Seller ${id}`, country: 'CN', contact: { email: `${id}@s.example` } }));
const s1 = naming('seller-1');

function input(cp: string, body: unknown, over: Partial<GrantPlanInput> = {}): GrantPlanInput {
  return {
    subject: adult,
    notice: cp === 'checkout:seller-1' ? s1 : notices.get(cp)!,
    registry: model,
    request: grantRequestSchema.parse(body),
    gpc: false,
    caller: 'subject',
    now: NOW,
    newEventId: () => `gen-${++n}`,
    hasObjected: () => false,
    ...over,
  };
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return { code: (e as any).code, status: (e as any).status, paths: (e as any).details.map((d: any) => d.path) };
  }
  return undefined;
};

describe('planning a grant', () => {
  it('turns decisions into events carrying what that notice showed', () => {
    const hash = s1.hash;
    const { events } = planGrant(
      input('checkout:seller-1', {
        noticeHash: hash,
        channel: 'web',
        decisions: [
          { declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1', eventId: 'order-1-consent' },
          { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: 'seller-1', eventId: 'order-1-transfer' },
        ],
      }),
    );
    expect(events).toHaveLength(2);
    // Two choices, two events: the provision and the separate overseas transfer (PIPA 22(1), 28-8(1)1).
    expect(events[1]).toMatchObject({ eventId: 'order-1-transfer', declarationId: 'sellers_fulfilment:transfer', purposeId: 'order_fulfilment', recipientId: 'seller-1' });
    // Each records the terms its notice showed: the gate's fingerprint for the same registry.
    expect(events.map((e) => e.fingerprint)).toEqual([termsOf(model, 'sellers_fulfilment'), termsOf(model, 'sellers_fulfilment')]);
    expect(termsFingerprint(notices.get('checkout')!.notice.required.declarations.find((d) => d.id === 'sellers_fulfilment')!)).toBe(events[0]!.fingerprint);
    expect(events[0]).toMatchObject({
      eventId: 'order-1-consent',
      action: 'grant',
      declarationId: 'sellers_fulfilment',
      purposeId: 'order_fulfilment',
      recipientId: 'seller-1',
      noticeHash: hash,
      collectionPoint: 'checkout',
      items: ['name', 'phone', 'address', 'customs_code'],
      actor: 'subject',
      channel: 'web',
      at: NOW,
    });
  });

  it('refuses a whole request when any decision is bad, listing every bad field', () => {
    const r = codeOf(() =>
      planGrant(
        input('checkout', {
          noticeHash: notices.get('checkout')!.hash,
          decisions: [
            { declarationId: 'ad_partner', grant: true },
            { declarationId: 'no_such', grant: true },
            { declarationId: 'courier_delivery', grant: true },
            { declarationId: 'sellers_fulfilment', grant: true, expiresAt: '2020-01-01T00:00:00Z' },
          ],
        }),
      ),
    );
    expect(r).toEqual({
      code: 'DECLARATION_NOT_IN_NOTICE',
      status: 422,
      paths: ['decisions[0].declarationId', 'decisions[1].declarationId', 'decisions[2].declarationId', 'decisions[3].recipientId', 'decisions[3].expiresAt'],
    });
  });

  it('RECIPIENT_REQUIRED: a grant to a class names its member, on the notice naming that member (PIPA 17(2)1)', () => {
    const generic = notices.get('checkout')!.hash;
    expect(codeOf(() => planGrant(input('checkout', { noticeHash: generic, decisions: [{ declarationId: 'sellers_fulfilment', grant: true }] })))).toEqual({
      code: 'RECIPIENT_REQUIRED',
      status: 422,
      paths: ['decisions[0].recipientId'],
    });
    expect(codeOf(() => planGrant(input('checkout:seller-1', { noticeHash: s1.hash, decisions: [{ declarationId: 'sellers_fulfilment:transfer', grant: true }] })))?.code).toBe('RECIPIENT_REQUIRED');
    // The class-wide notice names no seller; the notice naming seller-1 does not cover seller-2.
    expect(codeOf(() => planGrant(input('checkout', { noticeHash: generic, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }] })))).toEqual({
      code: 'INVALID_RECIPIENT_SCOPE',
      status: 422,
      paths: ['decisions[0].recipientId'],
    });
    expect(codeOf(() => planGrant(input('checkout:seller-1', { noticeHash: s1.hash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-2' }] })))?.code).toBe('INVALID_RECIPIENT_SCOPE');
    // Refusing needs no member: it refuses every seller.
    expect(planGrant(input('checkout', { noticeHash: generic, decisions: [{ declarationId: 'sellers_fulfilment', grant: false }] })).events[0]).toMatchObject({ action: 'withdraw', recipientId: null });
    // A transfer choice exists only where the notice offers one.
    expect(codeOf(() => planGrant(input('checkout', { noticeHash: generic, decisions: [{ declarationId: 'courier_delivery:transfer', grant: true }] })))?.code).toBe('CONSENT_NOT_APPLICABLE');
  });

  it('refuses duplicate decisions and duplicate event ids in one request', () => {
    const r = codeOf(() =>
      planGrant(
        input('checkout', {
          noticeHash: notices.get('checkout')!.hash,
          decisions: [
            { declarationId: 'sellers_fulfilment', grant: false, eventId: 'same-id-123' },
            { declarationId: 'sellers_fulfilment', grant: false, eventId: 'same-id-123' },
          ],
        }),
      ),
    );
    expect(r?.code).toBe('DUPLICATE_DECISION');
    expect(r?.paths).toEqual(['decisions[1]', 'decisions[1].eventId']);
  });

  it('requires a verified guardian for a Korean subject under 14 and an EU subject under the GDPR age', () => {
    const kid: SubjectRecord = { ...adult, birthDate: '2014-01-01' }; // 12
    const body = { noticeHash: notices.get('marketing')!.hash, decisions: [{ declarationId: 'ad_partner', grant: true }] };
    expect(codeOf(() => planGrant(input('marketing', body, { subject: kid })))).toEqual({ code: 'GUARDIAN_REQUIRED', status: 422, paths: ['guardian'] });
    // Refusing needs no guardian.
    expect(planGrant(input('marketing', { ...body, decisions: [{ declarationId: 'ad_partner', grant: false }] }, { subject: kid })).events[0]!.action).toBe('withdraw');
    const withGuardian = planGrant(input('marketing', { ...body, guardian: { verified: true, method: 'phone identity check', reference: 'tx-991', relationship: 'mother' } }, { subject: kid }));
    expect(withGuardian.events[0]).toMatchObject({ actor: 'guardian', evidence: { guardianMethod: 'phone identity check', guardianReference: 'tx-991', guardianRelationship: 'mother' } });
    // A guardian consent that is not verified is not accepted by the schema at all.
    expect(grantRequestSchema.safeParse({ ...body, guardian: { verified: false, method: 'x', reference: 'y' } }).success).toBe(false);

    const eu15: SubjectRecord = { ...adult, jurisdiction: 'EU', birthDate: '2011-06-01' };
    const kr15: SubjectRecord = { ...adult, jurisdiction: 'KR', birthDate: '2011-06-01' };
    expect(codeOf(() => planGrant(input('marketing', body, { subject: eu15 })))?.code).toBe('GUARDIAN_REQUIRED');
    expect(planGrant(input('marketing', body, { subject: kr15 })).events).toHaveLength(1);
    expect(codeOf(() => planGrant(input('marketing', body, { subject: { ...adult, birthDate: null, isChild: true } })))?.code).toBe('GUARDIAN_REQUIRED');
  });

  it('computes ages on birthdays exactly', () => {
    expect(ageAt('2012-11-23', NOW)).toBe(14);
    expect(ageAt('2012-11-24', NOW)).toBe(13);
    expect(needsGuardian({ ...adult, birthDate: '2012-11-24' }, model.operator, NOW)).toBe(true);
    expect(needsGuardian({ ...adult, birthDate: '2012-11-23' }, model.operator, NOW)).toBe(false);
  });

  it('records Sec-GPC: 1 as an objection to every ad-targeting purpose, and refuses granting ad targeting with it', () => {
    const hash = s1.hash;
    const { events } = planGrant(input('checkout:seller-1', { noticeHash: hash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }] }, { gpc: true }));
    expect(events.map((e) => [e.action, e.purposeId])).toEqual([
      ['grant', 'order_fulfilment'],
      ['object', 'ad_targeting'],
    ]);
    expect(events[0]!.evidence).toEqual({ gpc: 'Sec-GPC: 1' });
    const again = planGrant(input('checkout:seller-1', { noticeHash: hash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }] }, { gpc: true, hasObjected: () => true }));
    expect(again.events).toHaveLength(1);
    const conflict = codeOf(() => planGrant(input('marketing', { noticeHash: notices.get('marketing')!.hash, decisions: [{ declarationId: 'ad_partner', grant: true }] }, { gpc: true })));
    expect(conflict).toEqual({ code: 'GPC_CONFLICT', status: 422, paths: ['decisions[0].grant'] });
  });

  it('refuses an erased subject', () => {
    const body = { noticeHash: notices.get('marketing')!.hash, decisions: [{ declarationId: 'ad_partner', grant: true }] };
    expect(codeOf(() => planGrant(input('marketing', body, { subject: { ...adult, erasedAt: 1 } })))?.code).toBe('SUBJECT_ERASED');
  });
});

describe('planning a withdrawal', () => {
  const grant = (declarationId: string, recipientId: string | null, leafIndex: number) => ({
    eventId: `g${leafIndex}`, subjectId: 'u1', action: 'grant' as const, declarationId, purposeId: model.declarations.get(declarationId)!.purpose,
    recipientId, noticeHash: 'h', collectionPoint: 'checkout', items: ['name'], expiresAt: null, at: 1, channel: 'api', actor: 'subject' as const,
    evidence: {}, receiptId: 'r', leafIndex, pos: 0,
  });
  const p = ConsentProjection.fold([grant('sellers_fulfilment', 'seller-1', 1), grant('ad_partner', null, 2)]);

  it('withdraws everything granted in one call when nothing is named', () => {
    const { events } = planWithdraw({ subject: adult, registry: model, request: withdrawRequestSchema.parse({ eventId: 'withdraw-all-1' }), entries: p.entriesOf('u1'), caller: 'subject', now: NOW, newEventId: () => 'x' });
    expect(events.map((e) => [e.eventId, e.declarationId, e.recipientId, e.noticeHash])).toEqual([
      ['withdraw-all-1', 'ad_partner', null, 'h'],
      ['withdraw-all-1.1', 'sellers_fulfilment', null, 'h'],
    ]);
    const after = ConsentProjection.fold([grant('sellers_fulfilment', 'seller-1', 1), grant('ad_partner', null, 2), ...events.map((e, pos) => ({ ...e, receiptId: 'w', leafIndex: 3, pos }))]);
    expect(after.status('u1', 'sellers_fulfilment', 'seller-1', NOW).state).toBe('withdrawn');
    expect(after.status('u1', 'ad_partner', 'adreach', NOW).state).toBe('withdrawn');
  });

  it('says so when there is nothing to withdraw, and names unknown declarations', () => {
    expect(codeOf(() => planWithdraw({ subject: adult, registry: model, request: withdrawRequestSchema.parse({}), entries: [], caller: 'subject', now: NOW, newEventId: () => 'x' }))).toEqual({
      code: 'NO_CONSENT_TO_WITHDRAW', status: 409, paths: ['declarationIds'],
    });
    expect(codeOf(() => planWithdraw({ subject: adult, registry: model, request: withdrawRequestSchema.parse({ declarationIds: ['ad_partner', 'nope'] }), entries: [], caller: 'subject', now: NOW, newEventId: () => 'x' }))).toEqual({
      code: 'UNKNOWN_DECLARATION', status: 422, paths: ['declarationIds[1]'],
    });
  });
});
