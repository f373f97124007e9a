import { beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/core/gate/decide.ts';
import { DENY_CODES, type Decision, type GateContext, type ReleaseRequest, type SubjectInfo } from '../../src/core/gate/types.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { SuspensionIndex } from '../../src/core/gate/suspension-index.ts';
import { RightsStopIndex } from '../../src/core/rights/stops.ts';
import type { RightsRequest } from '../../src/core/rights/request.ts';
import { termsOf } from '../../src/core/gate/gate-index.ts';
import { active, context, DAY, demoRegistry, FakeConsents, orderRef, ordersFor, withOrders } from './fakes.ts';

const NOW = Date.UTC(2026, 10, 23, 12);
const registry = demoRegistry();
const SELLER_ITEMS = ['name', 'phone', 'address', 'customs_code'];

let consents: FakeConsents;
let ctx: GateContext;
let subjects: Record<string, SubjectInfo>;
let suspensions: SuspensionIndex;
let stops: RightsStopIndex;
const AGREEMENT = registry.parties.get('cn_sellers')!.agreement!.version;
const MEMBERS = ['seller-cn', 'seller-hk', 'seller-jp', 'ghost-member'];

beforeEach(() => {
  consents = new FakeConsents();
  subjects = {
    kim: { jurisdiction: 'KR', erased: false, collectedAt: NOW - 100 * DAY },
    anna: { jurisdiction: 'EU', erased: false, collectedAt: NOW - 10 * DAY },
    gone: { jurisdiction: 'KR', erased: true },
    ended: { jurisdiction: 'KR', erased: false },
  };
  suspensions = new SuspensionIndex();
  stops = new RightsStopIndex();
  // Every subject (known or not) has an order with every member for the sellers' declaration:
  // tests about other checks name it by default (`req`); the NO_ORDER tests below do not.
  const orders = ordersFor([...Object.keys(subjects), 'nobody'], MEMBERS, ['sellers_fulfilment']);
  orders.set('o-2', { subject: 'kim', recipient: 'seller-cn', declarations: ['sellers_fulfilment'] });
  // Two orders of `ended` whose contracts have ended (a release naming one is bounded from its end).
  orders.set('o-old', { subject: 'ended', recipient: 'seller-cn', declarations: ['sellers_fulfilment'], contractEndedAt: NOW - 31 * DAY });
  orders.set('o-recent', { subject: 'ended', recipient: 'seller-cn', declarations: ['sellers_fulfilment'], contractEndedAt: NOW - 5 * DAY });
  ctx = context(
    registry,
    consents,
    {
      'seller-cn': { classId: 'cn_sellers', country: 'CN', agreementVersion: AGREEMENT },
      'seller-hk': { classId: 'cn_sellers', country: 'HK', agreementVersion: AGREEMENT },
      'seller-jp': { classId: 'cn_sellers', country: 'JP', agreementVersion: AGREEMENT },
      'seller-old-contract': { classId: 'cn_sellers', country: 'CN', agreementVersion: '2024-01' },
      'seller-no-contract': { classId: 'cn_sellers', country: 'CN' },
      'ghost-member': { classId: 'gone_class', country: 'CN' },
    },
    subjects,
    { orders, suspensions, rightsStops: stops },
  );
});

/** Both choices (provision and transfer) of the sellers' declaration, scoped to every member. */
const grantAll = (subject: string) => {
  for (const m of MEMBERS) consents.consent(subject, 'sellers_fulfilment', active(SELLER_ITEMS), m);
};

/** A member context for a modified registry: the current agreement, an order of every subject. */
const memberCtx = (reg: RegistryModel, c: FakeConsents, id: string, country: string) =>
  context(reg, c, { [id]: { classId: 'cn_sellers', country, agreementVersion: AGREEMENT } }, subjects, {
    orders: ordersFor(Object.keys(subjects), [id], ['sellers_fulfilment']),
  });

const req = (over: Partial<ReleaseRequest>): ReleaseRequest => {
  const r = { recipientId: 'seller-cn', subject: 'kim', purpose: 'order_fulfilment', at: NOW, ...over };
  return 'orderRef' in over ? r : { ...r, orderRef: orderRef(r.subject, r.recipientId) };
};

function expectDeny(d: Decision, code: string, article?: string) {
  expect(d.allow).toBe(false);
  if (d.allow) return;
  expect(d.code).toBe(code);
  if (article) expect(d.article).toBe(article);
  // The failing check is the last trace step and carries the same article.
  const last = d.trace[d.trace.length - 1]!;
  expect(last.ok).toBe(false);
  expect(last.article).toBe(d.article);
  expect(d.trace.slice(0, -1).every((s) => s.ok)).toBe(true);
}

describe('decide: allow', () => {
  it('releases the seller fulfilment items in their declared forms on an active consent', () => {
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS, 'ev-42', 'f'.repeat(64)), 'seller-cn');
    const d = decide(req({}), ctx);
    expect(d.allow).toBe(true);
    if (!d.allow) return;
    expect(d.declarationId).toBe('sellers_fulfilment');
    expect(d.basis).toBe('consent');
    expect(d.consentEventId).toBe('ev-42');
    expect(d.noticeHash).toBe('f'.repeat(64));
    expect(d.items.map((i) => [i.category, i.form, i.format])).toEqual([
      ['name', 'plain', 'name'],
      ['phone', 'safe_number', 'phone'],
      ['address', 'plain', 'address'],
      ['customs_code', 'plain', 'identifier'],
    ]);
    // A member: what does not depend on the subject, then the order, then the subject (no status oracle).
    expect(d.trace.map((s) => s.check)).toEqual(['recipient', 'agreement', 'suspension', 'order', 'subject', 'purpose', 'items', 'objection', 'basis', 'transfer', 'consent', 'transfer_consent', 'retention']);
    expect(d.trace.find((s) => s.check === 'basis')?.article).toBe('PIPA 17(1)1');
    expect(d.trace.every((s) => s.ok)).toBe(true);
    expect(d.trace.find((s) => s.check === 'transfer')?.article).toBe('PIPA 28-8(1)1');
    // contract not ended yet → no retention end known.
    expect(d.retentionEndsAt).toBeUndefined();
    // Passing steps are shared frozen constants, not built per decision: the record path
    // serialises each once (src/store/decision-json.ts).
    const again = decide(req({ at: NOW + 1, orderRef: 'o-2' }), ctx);
    expect(again.trace.length).toBe(d.trace.length);
    expect(again.trace.every((s, i) => Object.isFrozen(s) && s === d.trace[i])).toBe(true);
  });

  it('releases only the requested subset, in declaration order', () => {
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-cn');
    const d = decide(req({ items: ['address', 'name', 'name'] }), ctx);
    expect(d.allow && d.items.map((i) => i.category)).toEqual(['name', 'address']);
  });

  it('narrows an open request to the items the consented notice showed', () => {
    consents.consent('kim', 'sellers_fulfilment', active(['name', 'address']), 'seller-cn');
    const d = decide(req({}), ctx);
    expect(d.allow && d.items.map((i) => i.category)).toEqual(['name', 'address']);
  });

  it('needs no consent under contract necessity (domestic courier) and masks as declared', () => {
    const d = decide(req({ recipientId: 'hanbit_express' }), ctx);
    expect(d.allow).toBe(true);
    if (!d.allow) return;
    expect(d.basis).toBe('contract_necessity');
    expect(d.consentEventId).toBeUndefined();
    expect(d.items.map((i) => `${i.category}:${i.form}`)).toEqual(['name:masked', 'phone:safe_number', 'address:plain']);
  });

  it('bounds retention from release and from the end of the contract', () => {
    const customs = decide(req({ recipientId: 'kr_customs_broker', purpose: 'customs_clearance' }), ctx);
    expect(customs.allow && customs.retentionEndsAt).toBe(Date.UTC(2031, 10, 23, 12));
    const courier = decide(req({ recipientId: 'hanbit_express', subject: 'ended', orderRef: 'o-recent' }), ctx);
    expect(courier.allow && courier.retentionEndsAt).toBe(NOW - 5 * DAY + 30 * DAY);
  });

  it('lets an EU subject’s data go to a US processor under its signed SCCs (GDPR 46(2)(c)) before any derogation', () => {
    const d = decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), ctx);
    expect(d.allow).toBe(true);
    expect(d.trace.find((s) => s.check === 'transfer')?.article).toBe('GDPR 46(2)(c)');
    // Without the SCCs, contract necessity is an Art. 49(1)(b) derogation: never for routine hosting
    // (every customer, continuously), only for an occasional transfer.
    const doc = structuredClone(registry.doc);
    delete doc.recipients.find((r) => r.id === 'nimbus_cloud')!.agreement!.scc;
    const noScc = decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), { ...ctx, registry: new RegistryModel(doc) });
    expectDeny(noScc, 'NO_TRANSFER_GROUND', 'GDPR 49(1)(b)');
    doc.declarations.find((d) => d.id === 'cloud_hosting')!.transfer!.occasional = true;
    const occasional = decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), { ...ctx, registry: new RegistryModel(doc) });
    expect(occasional.allow).toBe(true);
    expect(occasional.trace.find((s) => s.check === 'transfer')?.article).toBe('GDPR 49(1)(b)');
  });
});

describe('decide: each deny code fires', () => {
  it('UNKNOWN_SUBJECT', () => expectDeny(decide(req({ subject: 'nobody' }), ctx), 'UNKNOWN_SUBJECT'));

  it('SUBJECT_ERASED, before anything else for a registry recipient; after the order for a member', () => {
    const d = decide(req({ subject: 'gone', recipientId: 'hanbit_express' }), ctx);
    expectDeny(d, 'SUBJECT_ERASED', 'PIPA 36');
    expect(d.trace.map((s) => s.check)).toEqual(['subject']);
    const m = decide(req({ subject: 'gone' }), ctx);
    expectDeny(m, 'SUBJECT_ERASED', 'PIPA 36');
    expect(m.trace.map((s) => s.check)).toEqual(['recipient', 'agreement', 'suspension', 'order', 'subject']);
  });

  it('UNDECLARED_RECIPIENT for unknown callers, class ids and members of a class not in the registry', () => {
    // Not a registry recipient: judged before the subject, so the subject's jurisdiction is not told.
    expectDeny(decide(req({ recipientId: 'stranger' }), ctx), 'UNDECLARED_RECIPIENT', 'PIPA 17(1)/GDPR 6(1)');
    expectDeny(decide(req({ recipientId: 'cn_sellers' }), ctx), 'UNDECLARED_RECIPIENT');
    expectDeny(decide(req({ recipientId: 'ghost-member' }), ctx), 'UNDECLARED_RECIPIENT');
    expectDeny(decide(req({ recipientId: 'stranger', subject: 'anna' }), ctx), 'UNDECLARED_RECIPIENT', 'PIPA 17(1)/GDPR 6(1)');
    expectDeny(decide(req({ recipientId: 'stranger', subject: 'gone' }), ctx), 'UNDECLARED_RECIPIENT', 'PIPA 17(1)/GDPR 6(1)');
  });

  it('NO_ORDER without an order of this subject with this member for the declaration — the same answer whatever the subject', () => {
    grantAll('kim');
    const orders = new Map([
      ['A-1', { subject: 'kim', recipient: 'seller-cn', declarations: ['sellers_fulfilment'] }],
      ['B-1', { subject: 'kim', recipient: 'seller-hk', declarations: ['sellers_fulfilment'] }],
      ['C-1', { subject: 'kim', recipient: 'seller-cn', declarations: ['other_declaration'] }],
    ]);
    const c2 = withOrders(ctx, orders);
    expect(decide(req({ orderRef: 'A-1' }), c2).allow).toBe(true);
    const answers = [
      decide(req({ orderRef: undefined }), c2), // no order_ref
      decide(req({ orderRef: 'Z-404' }), c2), // an unknown order
      decide(req({ orderRef: 'B-1' }), c2), // another seller's order
      decide(req({ orderRef: 'C-1' }), c2), // an order for another declaration
      decide(req({ orderRef: 'A-1', subject: 'anna' }), c2), // another customer (EU, fine)
      decide(req({ orderRef: 'A-1', subject: 'nobody' }), c2), // unknown
      decide(req({ orderRef: 'A-1', subject: 'gone' }), c2), // erased
      decide(req({ orderRef: 'A-1', subject: 'anna' }), c2, { explain: true }), // explained
    ];
    for (const d of answers) expectDeny(d, 'NO_ORDER', 'PIPA 18(1)/GDPR 5(1)(b)');
    // Byte for byte the same decision, whoever the customer is and whatever their state.
    const text = (d: Decision) => JSON.stringify(d);
    expect(new Set(answers.map(text)).size).toBe(1);
    // A registry recipient (the courier) needs no order.
    expect(decide(req({ recipientId: 'hanbit_express', orderRef: undefined }), c2).allow).toBe(true);
  });

  it('NO_RECIPIENT_CONTRACT for a member without the class’s current agreement version', () => {
    grantAll('kim');
    expectDeny(decide(req({ recipientId: 'seller-old-contract' }), ctx), 'NO_RECIPIENT_CONTRACT', 'PIPA 28-8(4)/GDPR 46');
    const d = decide(req({ recipientId: 'seller-no-contract' }), ctx);
    expectDeny(d, 'NO_RECIPIENT_CONTRACT');
    expect(d.allow ? '' : d.message).toContain(`seller-data-agreement v${AGREEMENT}`);
    // A new agreement version in the registry: members on the old one are refused until they accept it.
    const doc = structuredClone(registry.doc);
    doc.recipient_classes.find((c) => c.id === 'cn_sellers')!.agreement!.version = '2027-01';
    expectDeny(decide(req({}), { ...ctx, registry: new RegistryModel(doc) }), 'NO_RECIPIENT_CONTRACT');
  });

  it('TRANSFER_SUSPENDED from the date of a recorded suspension order, by country or recipient', () => {
    grantAll('kim');
    suspensions.add({ id: 'sus-cn', country: 'CN', from: NOW + DAY });
    expect(decide(req({}), ctx).allow).toBe(true); // not yet in force
    expectDeny(decide(req({ at: NOW + DAY }), ctx), 'TRANSFER_SUSPENDED', 'PIPA 28-9/GDPR 58(2)(j)');
    expect(decide(req({ recipientId: 'seller-hk', at: NOW + DAY }), ctx).allow).toBe(true); // HK is not suspended
    suspensions.add({ id: 'sus-class', recipient: 'cn_sellers', from: NOW - DAY });
    expectDeny(decide(req({ recipientId: 'seller-hk' }), ctx), 'TRANSFER_SUSPENDED');
    // A registry recipient, with the subject's own article.
    consents.set('anna', 'cloud_hosting', active(['name']));
    const doc = structuredClone(registry.doc);
    const c2 = { ...ctx, registry: new RegistryModel(doc) };
    const before = decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), c2);
    suspensions.add({ id: 'sus-nimbus', recipient: 'nimbus_cloud', from: NOW - DAY });
    const after = decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), c2);
    expect(before.allow || (!before.allow && before.code !== 'TRANSFER_SUSPENDED')).toBe(true);
    expectDeny(after, 'TRANSFER_SUSPENDED', 'GDPR 58(2)(j)');
  });

  it('SUBJECT_OBJECTED for a completed objection or suspension request in its scope, even for a required purpose', () => {
    grantAll('kim');
    const request = (over: Partial<RightsRequest>): RightsRequest =>
      ({ id: 'rr-1', type: 'objection', subject: 'kim', jurisdiction: 'KR', article: 'PIPA 37', scope: { declarations: [], purposes: [] }, state: 'completed', receivedAt: NOW, deadline: {} as never, history: [], ...over }) as RightsRequest;
    stops.note(request({ state: 'in_progress' })); // not completed: no effect
    stops.note(request({ type: 'access' })); // not a stopping request
    expect(decide(req({}), ctx).allow).toBe(true);
    stops.note(request({ id: 'rr-2', type: 'suspension', scope: { declarations: ['courier_delivery'], purposes: [] } }));
    expect(decide(req({}), ctx).allow).toBe(true); // another declaration
    const courier = decide(req({ recipientId: 'hanbit_express' }), ctx);
    expectDeny(courier, 'SUBJECT_OBJECTED', 'PIPA 37'); // required purpose, contract necessity: still stopped
    expect(courier.allow ? '' : courier.message).toContain('suspension request rr-2');
    stops.note(request({ id: 'rr-3', scope: { declarations: [], purposes: ['order_fulfilment'] } }));
    expectDeny(decide(req({}), ctx), 'SUBJECT_OBJECTED');
    expect(decide(req({ subject: 'anna', recipientId: 'hanbit_express' }), ctx).allow).toBe(true); // another subject
  });

  it('UNDECLARED_PURPOSE for a purpose not declared for the party, or not existing', () => {
    expectDeny(decide(req({ recipientId: 'hanbit_express', purpose: 'ad_targeting' }), ctx), 'UNDECLARED_PURPOSE', 'PIPA 18(1)');
    const d = decide(req({ purpose: 'no_such_purpose' }), ctx);
    expectDeny(d, 'UNDECLARED_PURPOSE');
    expect(d.allow ? '' : d.message).toContain('not in the registry');
  });

  it('UNDECLARED_ITEMS refuses the whole request and names the items', () => {
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-cn');
    const d = decide(req({ items: ['name', 'email', 'payment_token'] }), ctx);
    expectDeny(d, 'UNDECLARED_ITEMS', 'PIPA 3');
    expect(d.allow ? '' : d.message).toMatch(/email, payment_token/);
  });

  it('SUBJECT_OBJECTED for ad targeting, but not for a required purpose', () => {
    consents.consent('kim', 'ad_partner', active(['email', 'order_history', 'browsing_history'])).object('kim', 'ad_targeting');
    expectDeny(decide(req({ recipientId: 'adreach', purpose: 'ad_targeting' }), ctx), 'SUBJECT_OBJECTED', 'PIPA 37');
    consents.consent('anna', 'ad_partner', active(['email'])).object('anna', 'ad_targeting');
    expectDeny(decide(req({ recipientId: 'adreach', subject: 'anna', purpose: 'ad_targeting' }), ctx), 'SUBJECT_OBJECTED', 'GDPR 21');
    consents.object('kim', 'order_fulfilment');
    expect(decide(req({ recipientId: 'hanbit_express' }), ctx).allow).toBe(true);
  });

  it('NO_TRANSFER_GROUND for a member outside the class’s countries', () => {
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-hk');
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-jp');
    expect(decide(req({ recipientId: 'seller-hk' }), ctx).allow).toBe(true);
    expectDeny(decide(req({ recipientId: 'seller-jp' }), ctx), 'NO_TRANSFER_GROUND', 'PIPA 28-8(1)');
  });

  it('NO_TRANSFER_GROUND when the declared ground does not hold for the jurisdiction', () => {
    const doc = structuredClone(registry.doc);
    const hosting = doc.declarations.find((d) => d.id === 'cloud_hosting')!;
    hosting.transfer = { ground: 'scc' }; // valid under GDPR 46 (Nimbus's agreement names SCCs), not a PIPA 28-8 ground
    const c2 = { ...ctx, registry: new RegistryModel(doc) };
    expect(decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), c2).allow).toBe(true);
    expectDeny(decide(req({ recipientId: 'nimbus_cloud', purpose: 'hosting' }), c2), 'NO_TRANSFER_GROUND', 'PIPA 28-8(1)');
    delete hosting.transfer;
    // Signed SCCs alone would carry an EU transfer (GDPR 46); without them nothing does.
    delete doc.recipients.find((r) => r.id === 'nimbus_cloud')!.agreement!.scc;
    const c3 = { ...ctx, registry: new RegistryModel(doc) };
    expectDeny(decide(req({ recipientId: 'nimbus_cloud', subject: 'anna', purpose: 'hosting' }), c3), 'NO_TRANSFER_GROUND', 'GDPR 44');
  });

  it('NO_CONSENT without a grant, and for explicit items the notice did not show', () => {
    expectDeny(decide(req({}), ctx), 'NO_CONSENT', 'PIPA 17(1)');
    consents.consent('kim', 'sellers_fulfilment', active(['name', 'address']), 'seller-cn');
    const d = decide(req({ items: ['name', 'customs_code'] }), ctx);
    expectDeny(d, 'NO_CONSENT');
    expect(d.allow ? '' : d.message).toContain('customs_code');
  });

  it('NO_LEGAL_BASIS for a third party on contract necessity (PIPA 17(1)), not for an EU subject (GDPR 6(1)(b))', () => {
    const doc = structuredClone(registry.doc);
    doc.declarations.find((d) => d.id === 'sellers_fulfilment')!.legal_basis = 'contract_necessity';
    const c2 = { ...ctx, registry: new RegistryModel(doc) };
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-cn');
    consents.consent('anna', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-cn');
    // Even with every consent the customer could give, the provision has no ground.
    expectDeny(decide(req({}), c2), 'NO_LEGAL_BASIS', 'PIPA 17(1)');
    const eu = decide(req({ subject: 'anna' }), c2);
    expect(eu.allow).toBe(true);
    expect(eu.trace.find((s) => s.check === 'basis')?.article).toBe('GDPR 6(1)(b)');
    // The basis check comes before the transfer check: a seller outside the class countries still fails on the basis first.
    expectDeny(decide(req({ recipientId: 'seller-jp' }), c2), 'NO_LEGAL_BASIS');
  });

  it('NO_TRANSFER_CONSENT (PIPA 28-8(1)1) when consent is only the transfer ground and the transfer choice is missing', () => {
    const doc = structuredClone(registry.doc);
    const sellers = doc.declarations.find((d) => d.id === 'sellers_fulfilment')!;
    sellers.legal_basis = 'legal_obligation'; // a PIPA 17(1)2 ground; the transfer still rests on consent
    const c2 = { ...ctx, registry: new RegistryModel(doc) };
    expectDeny(decide(req({}), c2), 'NO_TRANSFER_CONSENT', 'PIPA 28-8(1)1');
    expectDeny(decide(req({ subject: 'anna' }), c2), 'NO_TRANSFER_CONSENT', 'GDPR 49(1)(a)');
    // A provision consent is not a transfer consent.
    consents.set('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-cn');
    expectDeny(decide(req({}), c2), 'NO_TRANSFER_CONSENT', 'PIPA 28-8(1)1');
    consents.set('kim', 'sellers_fulfilment:transfer', active(SELLER_ITEMS, 'ev-t'), 'seller-cn');
    const d = decide(req({}), c2);
    expect(d.allow && d.consentEventId).toBe('ev-t');
  });

  it('NO_TRANSFER_CONSENT: the provision consent alone does not carry an overseas transfer (PIPA 22(1), 28-8(1)1)', () => {
    consents.set('kim', 'sellers_fulfilment', active(SELLER_ITEMS, 'ev-p'), 'seller-cn');
    const d = decide(req({}), ctx);
    expectDeny(d, 'NO_TRANSFER_CONSENT', 'PIPA 28-8(1)1');
    expect(d.allow ? '' : d.message).toContain('sellers_fulfilment:transfer');
    consents.set('anna', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-cn');
    expectDeny(decide(req({ subject: 'anna' }), ctx), 'NO_TRANSFER_CONSENT', 'GDPR 49(1)(a)');
    // The transfer consent alone is not the provision consent either.
    consents.set('anna', 'sellers_fulfilment', { state: 'none' }, 'seller-cn').set('anna', 'sellers_fulfilment:transfer', active(SELLER_ITEMS), 'seller-cn');
    expectDeny(decide(req({ subject: 'anna' }), ctx), 'NO_CONSENT', 'GDPR 6(1)(a)');
    // Both: allowed, and the decision names both events.
    consents.set('kim', 'sellers_fulfilment:transfer', active(SELLER_ITEMS, 'ev-t'), 'seller-cn');
    const ok = decide(req({}), ctx);
    expect(ok.allow).toBe(true);
    if (!ok.allow) return;
    expect([ok.consentEventId, ok.transferConsentEventId]).toEqual(['ev-p', 'ev-t']);
    // Withdrawing only the transfer stops the release, the provision consent stays.
    consents.set('kim', 'sellers_fulfilment:transfer', { state: 'withdrawn', items: SELLER_ITEMS, eventId: 'ev-w', noticeHash: 'b'.repeat(64), at: NOW, fingerprint: null }, 'seller-cn');
    const w = decide(req({}), ctx);
    expectDeny(w, 'CONSENT_WITHDRAWN', 'PIPA 37');
    expect(w.allow ? '' : w.message).toContain('overseas transfer');
    // A domestic destination needs no transfer consent: the same registry with the class in KR.
    const doc = structuredClone(registry.doc);
    doc.recipient_classes.find((c) => c.id === 'cn_sellers')!.countries = ['KR'];
    const kr = memberCtx(new RegistryModel(doc), consents, 'seller-kr', 'KR');
    consents.set('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-kr');
    expect(decide(req({ recipientId: 'seller-kr' }), kr).allow).toBe(true);
  });

  it('a consent scoped to another seller does not apply, and an unscoped grant covers no seller (PIPA 17(2)1)', () => {
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS), 'seller-hk');
    expectDeny(decide(req({}), ctx), 'NO_CONSENT');
    expect(decide(req({ recipientId: 'seller-hk' }), ctx).allow).toBe(true);
    consents.consent('anna', 'sellers_fulfilment', active(SELLER_ITEMS));
    expectDeny(decide(req({ subject: 'anna' }), ctx), 'NO_CONSENT', 'GDPR 6(1)(a)');
    // A single recipient is still covered by an unscoped grant.
    consents.consent('kim', 'ad_partner', active(['email', 'order_history', 'browsing_history']));
    expect(decide(req({ recipientId: 'adreach', purpose: 'ad_targeting' }), ctx).allow).toBe(true);
  });

  it('CONSENT_STALE once the registry changed the declaration’s terms, until the subject consents again', () => {
    consents.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS, 'ev-old'), 'seller-cn');
    expect(decide(req({}), ctx).allow).toBe(true);
    const changes: Array<[string, (doc: ReturnType<typeof structuredClone<typeof registry.doc>>) => void]> = [
      ['items', (doc) => doc.declarations.find((d) => d.id === 'sellers_fulfilment')!.items.push({ category: 'email', form: 'plain' })],
      ['form', (doc) => (doc.declarations.find((d) => d.id === 'sellers_fulfilment')!.items[1]!.form = 'plain')],
      ['retention', (doc) => (doc.declarations.find((d) => d.id === 'sellers_fulfilment')!.retention = { duration: 'P1Y', from: 'contract_end' })],
      ['class countries', (doc) => doc.recipient_classes.find((c) => c.id === 'cn_sellers')!.countries.push('VN')],
      ['purpose', (doc) => (doc.declarations.find((d) => d.id === 'sellers_fulfilment')!.purpose = 'customs_clearance')],
      ['transfer ground', (doc) => (doc.declarations.find((d) => d.id === 'sellers_fulfilment')!.transfer!.ground = 'scc')],
    ];
    const fingerprint = termsOf(registry, 'sellers_fulfilment')!;
    for (const [what, change] of changes) {
      const doc = structuredClone(registry.doc);
      change(doc);
      const changed = new RegistryModel(doc);
      expect(termsOf(changed, 'sellers_fulfilment'), what).not.toBe(fingerprint);
      const stale = { ...active(SELLER_ITEMS, 'ev-old'), fingerprint };
      const c = new FakeConsents().consent('kim', 'sellers_fulfilment', stale, 'seller-cn');
      const purpose = what === 'purpose' ? 'customs_clearance' : 'order_fulfilment';
      const d = decide(req({ purpose }), memberCtx(changed, c, 'seller-cn', 'CN'));
      if (what === 'transfer ground') {
        // The new ground is no 28-8(1) ground for a seller: refused before consent is looked at.
        expectDeny(d, 'NO_TRANSFER_GROUND');
        continue;
      }
      expectDeny(d, 'CONSENT_STALE', 'PIPA 17(2)');
      expect(d.allow ? '' : d.message, what).toContain('ev-old');
      // Consenting to the new notice records the new fingerprint: covered again.
      c.consent('kim', 'sellers_fulfilment', active(SELLER_ITEMS.concat('email'), 'ev-new'), 'seller-cn');
      expect(decide(req({ purpose }), memberCtx(changed, c, 'seller-cn', 'CN')).allow, what).toBe(true);
    }
    // Changes outside the terms (a label, a contact) keep the fingerprint: nothing goes stale.
    const doc = structuredClone(registry.doc);
    doc.recipient_classes.find((c) => c.id === 'cn_sellers')!.contact!.email = 'desk@harbor-bazaar.example';
    doc.purposes.find((p) => p.id === 'order_fulfilment')!.labels.en = 'Shipping your order';
    expect(termsOf(new RegistryModel(doc), 'sellers_fulfilment')).toBe(fingerprint);
    // A consent recorded without terms (before they were fingerprinted) is stale too.
    consents.consent('anna', 'sellers_fulfilment', active(SELLER_ITEMS, 'ev-legacy', 'c'.repeat(64), null), 'seller-cn');
    expectDeny(decide(req({ subject: 'anna' }), ctx), 'CONSENT_STALE', 'GDPR 7(1)');
  });

  it('CONSENT_WITHDRAWN and CONSENT_EXPIRED', () => {
    consents.consent('kim', 'sellers_fulfilment', { state: 'withdrawn', items: SELLER_ITEMS, eventId: 'ev-9', noticeHash: 'b'.repeat(64), at: NOW - DAY, fingerprint: null }, 'seller-cn');
    expectDeny(decide(req({}), ctx), 'CONSENT_WITHDRAWN', 'PIPA 37');
    consents.consent('anna', 'sellers_fulfilment', { state: 'expired', items: SELLER_ITEMS, eventId: 'ev-8', noticeHash: 'b'.repeat(64), at: NOW - DAY, fingerprint: null }, 'seller-cn');
    expectDeny(decide(req({ subject: 'anna' }), ctx), 'CONSENT_EXPIRED', 'GDPR 6(1)(a)');
    // An unscoped withdrawal ends the scoped grants (the projection's order decides in real life).
    consents.set('kim', 'sellers_fulfilment', { state: 'withdrawn', items: SELLER_ITEMS, eventId: 'ev-10', noticeHash: 'b'.repeat(64), at: NOW, fingerprint: null });
  });

  it('RETENTION_EXPIRED once the window from the end of the contract has run', () => {
    const d = decide(req({ recipientId: 'hanbit_express', subject: 'ended', orderRef: 'o-old' }), ctx);
    expectDeny(d, 'RETENTION_EXPIRED', 'PIPA 21');
    expect(decide(req({ recipientId: 'hanbit_express', subject: 'ended', orderRef: 'o-old', at: NOW - 2 * DAY }), ctx).allow).toBe(true);
  });

  it('RETENTION_EXPIRED for a window from collection, failing closed when the collection time is unknown', () => {
    const doc = structuredClone(registry.doc);
    doc.declarations.find((d) => d.id === 'courier_delivery')!.retention = { duration: 'P90D', from: 'collection' };
    const c2 = { ...ctx, registry: new RegistryModel(doc) };
    expectDeny(decide(req({ recipientId: 'hanbit_express' }), c2), 'RETENTION_EXPIRED'); // collected 100 days ago
    expect(decide(req({ recipientId: 'hanbit_express', subject: 'anna' }), c2).allow).toBe(true); // 10 days ago; KR is adequate (GDPR 45)
    expectDeny(decide(req({ recipientId: 'hanbit_express', subject: 'ended' }), c2), 'RETENTION_EXPIRED');
  });

  it('every code a decision can produce is listed in DENY_CODES', () => {
    for (const d of [decide(req({ subject: 'nobody' }), ctx), decide(req({}), ctx)]) {
      if (!d.allow) expect(DENY_CODES).toContain(d.code);
    }
  });
});

describe('decide: several declarations for one party and purpose', () => {
  it('the first that allows wins; otherwise the deny that got furthest', () => {
    const doc = structuredClone(registry.doc);
    doc.declarations.push({
      id: 'sellers_fulfilment_min',
      recipient: 'cn_sellers',
      purpose: 'order_fulfilment',
      items: [{ category: 'name', form: 'masked' }],
      legal_basis: 'legal_obligation',
      transfer: { ground: 'law_or_treaty', instrument: 'Treaty X, Art. 5' },
      retention: { duration: 'P30D', from: 'release' },
    });
    const both = new Map([['o-both', { subject: 'kim', recipient: 'seller-cn', declarations: ['sellers_fulfilment', 'sellers_fulfilment_min'] }]]);
    const c2 = withOrders({ ...ctx, registry: new RegistryModel(doc) }, both);
    // An order names the declarations it covers: only those are tried.
    expectDeny(decide(req({ items: ['name'] }), { ...ctx, registry: new RegistryModel(doc) }), 'NO_CONSENT');
    const d = decide(req({ items: ['name'], orderRef: 'o-both' }), c2); // no consent: the consent declaration denies, the second allows
    expect(d.allow && d.declarationId).toBe('sellers_fulfilment_min');
    const d2 = decide(req({ items: ['name', 'phone'], orderRef: 'o-both' }), c2); // first: NO_CONSENT (further); second: UNDECLARED_ITEMS
    expectDeny(d2, 'NO_CONSENT');
  });
});

describe('decide: explain mode', () => {
  it('keeps checking after the first failure; the first failure still decides code and article', () => {
    consents.object('kim', 'ad_targeting');
    const r = req({ recipientId: 'adreach', purpose: 'ad_targeting', items: ['email', 'phone'] });
    const quick = decide(r, ctx);
    expectDeny(quick, 'UNDECLARED_ITEMS');
    const full = decide(r, ctx, { explain: true });
    expect(full.allow).toBe(false);
    if (full.allow || quick.allow) return;
    expect([full.code, full.article, full.message]).toEqual([quick.code, quick.article, quick.message]);
    expect(full.trace.map((s) => `${s.check}:${s.ok}`)).toEqual([
      'subject:true', 'recipient:true', 'suspension:true', 'purpose:true', 'items:false', 'objection:false', 'basis:true', 'transfer:true', 'consent:false', 'transfer_consent:false', 'retention:true',
    ]);
    expect(full.trace.find((s) => s.check === 'objection')?.article).toBe('PIPA 37');
  });

  it('cannot go past an undeclared recipient or purpose', () => {
    const d = decide(req({ recipientId: 'stranger' }), ctx, { explain: true });
    expect(d.trace.map((s) => s.check)).toEqual(['recipient']);
    const p = decide(req({ recipientId: 'hanbit_express', purpose: 'ad_targeting' }), ctx, { explain: true });
    expect(p.trace.map((s) => s.check)).toEqual(['subject', 'recipient', 'suspension', 'purpose']);
  });
});
