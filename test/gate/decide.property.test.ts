import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsentStatus } from '../../src/core/consent/lookup.ts';
import { decide, decideOnAllowPath, decideTraced } from '../../src/core/gate/decide.ts';
import { DENY_CODES, type OrderInfo, type ReleaseRequest, type SubjectInfo } from '../../src/core/gate/types.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { registrySchema, type Registry } from '../../src/core/registry/schema.ts';
import { structuralIssues } from '../../src/core/registry/structure.ts';
import { termsOf } from '../../src/core/gate/gate-index.ts';
import { context, CURRENT_TERMS, DAY, FakeConsents, type MemberSpec } from './fakes.ts';

/**
 * Random small registries, consents and requests. Whatever they are, a release never exceeds
 * declared ∩ requested ∩ consented, every deny carries a listed code and an article, and the
 * decision is a function of its inputs.
 */
const CATS = ['c0', 'c1', 'c2', 'c3', 'c4'];
const COUNTRIES = ['KR', 'CN', 'HK', 'US', 'DE', 'JP'];
const NOW = Date.UTC(2026, 5, 1);

const subset = <T>(xs: readonly T[], min = 0) => fc.subarray([...xs], { minLength: min });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const registryArb = fc
  .record({
    formats: fc.array(fc.constantFrom('name', 'phone', 'email', 'address', 'identifier', 'date', 'text', 'json' as const), { minLength: 5, maxLength: 5 }),
    purposes: fc.array(fc.record({ items: subset(CATS, 1), required: fc.boolean(), ad: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    recipients: fc.array(
      fc.record({
        country: fc.constantFrom(...COUNTRIES),
        role: fc.constantFrom('third_party', 'processor', 'affiliate' as const),
        // Operator flags (adequacy, free-text scc and certification) must never carry a transfer.
        safeguards: fc.record({
          adequacy: maybe(fc.boolean()),
          scc: maybe(fc.constant('SCC')),
          certification: maybe(fc.constant('ISMS-P')),
          bcr: maybe(fc.constant({ approved_by: 'CNIL', reference: 'BCR-1', approved_on: '2023-01-01' })),
          dpf: maybe(fc.constant({ entry_url: 'https://www.dataprivacyframework.gov/list', checked_on: '2026-01-01' })),
        }),
        sccModule: maybe(fc.constantFrom(1, 2)),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    classCountries: subset(['CN', 'HK', 'US', 'KR'], 1),
    classAgreement: maybe(fc.constantFrom('v1', 'v2')),
    declarations: fc.array(
      fc.record({
        party: fc.nat(3),
        purpose: fc.nat(2),
        items: fc.array(fc.record({ category: fc.constantFrom(...CATS), form: fc.constantFrom('plain', 'masked', 'safe_number', 'token' as const) }), { minLength: 1, maxLength: 4 }),
        basis: fc.constantFrom('consent', 'contract_necessity', 'legal_obligation', 'processor', 'legitimate_interest', 'scc' as const),
        occasional: fc.boolean(),
        ground: maybe(fc.constantFrom('consent', 'contract_necessity', 'law_or_treaty', 'certification', 'adequacy', 'scc', 'bcr', 'derogation' as const)),
        disclosed: fc.boolean(),
        retention: fc.oneof(
          fc.constant('indefinite' as const),
          fc.record({ duration: fc.constantFrom('P30D', 'P90D', 'P1Y', 'P1M', 'PT12H'), from: fc.constantFrom('release', 'contract_end', 'collection' as const) }),
        ),
      }),
      { maxLength: 6 },
    ),
  })
  .map((g): RegistryModel | undefined => {
    const parties = [...g.recipients.map((_, i) => `r${i}`), 'k0'];
    const doc = {
      version: 1,
      operator: { legal_name: 'Op', country: 'SG', privacy_officer: { name: 'P', email: 'p@x.example', phone: '+65-1' }, jurisdictions: ['KR', 'EU'] },
      data_categories: CATS.map((id, i) => ({ id, labels: { ko: id, en: id }, format: g.formats[i] })),
      purposes: g.purposes.map((p, i) => ({ id: `p${i}`, labels: { ko: 'p', en: 'p' }, required: p.required, ad_targeting: p.ad, items: p.items })),
      recipients: g.recipients.map((r, i) => ({
        id: `r${i}`,
        name: `R${i}`,
        role: r.role,
        country: r.country,
        contact: {},
        safeguards: clean(r.safeguards),
        ...(r.sccModule ? { agreement: { id: `a${i}`, version: '1', clauses: [], scc: { version: '2021/914', module: r.sccModule } } } : {}),
      })),
      recipient_classes: [
        { id: 'k0', name: 'K', role: 'third_party', countries: g.classCountries, contact: {}, ...(g.classAgreement ? { agreement: { id: 'ka', version: g.classAgreement, clauses: [] } } : {}) },
      ],
      declarations: g.declarations.map((d, i) => ({
        id: `d${i}`,
        recipient: parties[d.party % parties.length],
        purpose: `p${d.purpose % g.purposes.length}`,
        items: dedupe(d.items),
        legal_basis: d.basis,
        ...(d.ground ? { transfer: { ground: d.ground, occasional: d.occasional, ...(d.disclosed ? { disclosed_in: 'https://x.example/p' } : {}) } } : {}),
        retention: d.retention,
      })),
    };
    const parsed = registrySchema.safeParse(doc);
    if (!parsed.success || structuralIssues(parsed.data as Registry).length > 0) return undefined;
    return new RegistryModel(parsed.data);
  })
  .filter((m): m is RegistryModel => m !== undefined);

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
function dedupe<T extends { category: string }>(items: T[]): T[] {
  return items.filter((it, i) => items.findIndex((x) => x.category === it.category) === i);
}

const statusArb: fc.Arbitrary<ConsentStatus> = fc.oneof(
  fc.constant({ state: 'none' as const }),
  fc.record({
    state: fc.constantFrom('active', 'active', 'withdrawn', 'expired' as const),
    items: subset(CATS),
    eventId: fc.constantFrom('e1', 'e2'),
    noticeHash: fc.constant('h'.repeat(64)),
    at: fc.constant(0),
    // Mostly the registry's current terms; sometimes other terms, or none recorded (stale).
    fingerprint: fc.constantFrom<string | null>(CURRENT_TERMS, CURRENT_TERMS, CURRENT_TERMS, 'other-terms', null),
  }),
);

const worldArb = fc.record({
  members: fc.array(fc.constantFrom('CN', 'HK', 'JP', 'KR', 'US'), { minLength: 2, maxLength: 2 }),
  subjects: fc.array(
    fc.record({
      jurisdiction: fc.constantFrom('KR', 'EU' as const),
      erased: fc.boolean(),
      collectedAgo: maybe(fc.integer({ min: 0, max: 400 })),
      endedAgo: maybe(fc.integer({ min: 0, max: 400 })),
    }),
    { minLength: 3, maxLength: 3 },
  ),
  consents: fc.array(
    fc.record({ subject: fc.nat(2), decl: fc.nat(5), choice: fc.constantFrom('provision', 'transfer', 'both', 'both'), scope: fc.constantFrom('*', 'r0', 'r1', 'm0', 'm0', 'm1'), status: statusArb }),
    { maxLength: 16 },
  ),
  objections: fc.array(fc.record({ subject: fc.nat(2), purpose: fc.nat(2) }), { maxLength: 3 }),
  agreements: fc.array(maybe(fc.constantFrom('v1', 'v2')), { minLength: 2, maxLength: 2 }),
  // Orders by ref: a customer (or an unknown one), a member or a registry recipient, some declarations.
  orders: fc.array(
    fc.record({
      subject: fc.constantFrom('s0', 's1', 's2', 'unknown'),
      recipient: fc.constantFrom('m0', 'm1', 'r0'),
      declarations: subset(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']),
    }),
    { maxLength: 4 },
  ),
});

const ORDER_REFS = ['o0', 'o1', 'o2', 'o3', 'zz'];

const requestArb = fc.record({
  recipient: fc.constantFrom('r0', 'r1', 'r2', 'k0', 'm0', 'm1', 'stranger'),
  subject: fc.constantFrom('s0', 's1', 's2', 'unknown'),
  purpose: fc.constantFrom('p0', 'p1', 'p2', 'zz'),
  items: maybe(fc.subarray([...CATS, 'zz'])),
  at: fc.integer({ min: NOW - 10 * DAY, max: NOW + 10 * DAY }),
  orderRef: maybe(fc.constantFrom(...ORDER_REFS)),
});

function worldContext(registry: RegistryModel, w: World) {
  const consents = new FakeConsents();
  for (const c of w.consents) {
    if (c.choice !== 'transfer') consents.set(`s${c.subject}`, `d${c.decl}`, c.status, c.scope);
    if (c.choice !== 'provision') consents.set(`s${c.subject}`, `d${c.decl}:transfer`, c.status, c.scope);
  }
  for (const o of w.objections) consents.object(`s${o.subject}`, `p${o.purpose}`);
  const subjects: Record<string, SubjectInfo> = {};
  w.subjects.forEach((s, i) => {
    subjects[`s${i}`] = {
      jurisdiction: s.jurisdiction,
      erased: s.erased,
      ...(s.collectedAgo !== undefined ? { collectedAt: NOW - s.collectedAgo * DAY } : {}),
      contractEndedAt: s.endedAgo === undefined ? undefined : NOW - s.endedAgo * DAY,
    };
  });
  const members: Record<string, MemberSpec> = {
    m0: { classId: 'k0', country: w.members[0]!, agreementVersion: w.agreements[0] },
    m1: { classId: 'k0', country: w.members[1]!, agreementVersion: w.agreements[1] },
  };
  const orders = new Map<string, OrderInfo>(w.orders.map((o, i) => [`o${i}`, o]));
  return { consents, subjects, members, orders, ctx: context(registry, consents, members, subjects, { orders }) };
}

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;
type Req = typeof requestArb extends fc.Arbitrary<infer R> ? R : never;
const toRequest = (r: Req): ReleaseRequest => ({
  recipientId: r.recipient,
  subject: r.subject,
  purpose: r.purpose,
  at: r.at,
  ...(r.items ? { items: r.items } : {}),
  ...(r.orderRef ? { orderRef: r.orderRef } : {}),
});

describe('orders: a class member never receives data of a customer without an order between them', () => {
  it('an allow to a member names an order of that subject with that member covering the declaration; without one the answer never depends on the subject', () => {
    let allowedMembers = 0;
    let passedOrder = 0;
    let noOrder = 0;
    fc.assert(
      fc.property(registryArb, worldArb, fc.array(requestArb, { minLength: 1, maxLength: 20 }), (registry, w, reqs) => {
        const { ctx, members, orders } = worldContext(registry, w);
        // Besides random requests, each order's own: its member, subject and a declaration's purpose.
        const own: Req[] = w.orders.flatMap((o, i) =>
          o.declarations.flatMap((id) => {
            const decl = registry.declarations.get(id);
            return decl ? [{ recipient: o.recipient, subject: o.subject, purpose: decl.purpose as Req['purpose'], items: undefined, at: NOW, orderRef: `o${i}` }] : [];
          }),
        );
        for (const r of [...reqs, ...own]) {
          const req = toRequest(r);
          const d = decide(req, ctx);
          const member = members[r.recipient];
          if (member === undefined) continue;
          const order = req.orderRef === undefined ? undefined : orders.get(req.orderRef);
          const between = order !== undefined && order.subject === r.subject && order.recipient === r.recipient;
          if (d.trace.some((t) => t.check === 'order' && t.ok)) passedOrder++;
          if (d.allow) {
            allowedMembers++;
            expect(between).toBe(true);
            expect(order!.declarations).toContain(d.declarationId);
          }
          if (!between) {
            // No order between them: the same decision whoever the subject is, known, unknown or erased,
            // and the same when explained.
            for (const other of ['s0', 's1', 's2', 'unknown']) {
              const o = decide({ ...req, subject: other }, ctx);
              const oOrder = req.orderRef === undefined ? undefined : orders.get(req.orderRef);
              if (oOrder !== undefined && oOrder.subject === other && oOrder.recipient === r.recipient) continue;
              expect(o).toEqual(d);
              expect(decide({ ...req, subject: other }, ctx, { explain: true })).toEqual(d);
            }
            if (!d.allow && d.code === 'NO_ORDER') noOrder++;
          }
        }
      }),
      { numRuns: 250 },
    );
    // The generators must reach members past the order check (allowed or refused later), or the property says little.
    expect(passedOrder, `members past the order check (${allowedMembers} allowed)`).toBeGreaterThan(0);
    expect(noOrder).toBeGreaterThan(0);
  });
});

describe('denies on the allow path', () => {
  it('equal the traced evaluation for every consent state: none, withdrawn, expired, other terms, items not shown', () => {
    // Many consents per world, so that requests reach the consent checks with every kind of answer.
    const dense = worldArb.chain((w) =>
      fc
        .array(
          fc.record({ subject: fc.nat(2), decl: fc.nat(5), choice: fc.constantFrom('provision', 'transfer', 'both', 'both'), scope: fc.constantFrom('*', 'r0', 'r1', 'm0', 'm1'), status: statusArb }),
          { minLength: 40, maxLength: 80 },
        )
        .map((consents) => ({ ...w, consents })),
    );
    const onAllowPath = new Set<string>();
    fc.assert(
      fc.property(registryArb, dense, fc.array(requestArb, { minLength: 1, maxLength: 30 }), (registry, w, reqs) => {
        const { ctx } = worldContext(registry, w);
        // Besides the random requests, each declaration's own party (a registry recipient, or a
        // member under each order naming the declaration) asking about each subject.
        const aimed: Req[] = registry.doc.declarations.flatMap((d) => {
          const callers =
            registry.parties.get(d.recipient)?.kind === 'recipient'
              ? [{ recipient: d.recipient, orderRef: undefined }]
              : w.orders.flatMap((o, i) => (o.declarations.includes(d.id) && o.recipient !== 'r0' ? [{ recipient: o.recipient, orderRef: `o${i}` }] : []));
          return callers.flatMap((c) =>
            ['s0', 's1', 's2'].flatMap((subject) =>
              // An open request, and an explicit one for every declared item (a notice that showed fewer refuses it whole).
              [undefined, d.items.map((i) => i.category)].map((items) => ({
                recipient: c.recipient as Req['recipient'],
                subject: subject as Req['subject'],
                purpose: d.purpose as Req['purpose'],
                items,
                at: NOW,
                orderRef: c.orderRef as Req['orderRef'],
              })),
            ),
          );
        });
        for (const r of [...reqs, ...aimed]) {
          const req = toRequest(r);
          const fast = decideOnAllowPath(req, ctx);
          const traced = decideTraced(req, ctx);
          if (fast === undefined) continue;
          expect(fast).toStrictEqual(traced);
          expect(decide(req, ctx)).toStrictEqual(traced);
          onAllowPath.add(fast.allow ? 'ALLOW' : fast.code);
        }
      }),
      { numRuns: 400 },
    );
    for (const c of ['ALLOW', 'UNDECLARED_ITEMS', 'SUBJECT_OBJECTED', 'NO_LEGAL_BASIS', 'NO_TRANSFER_GROUND', 'NO_CONSENT', 'NO_TRANSFER_CONSENT', 'CONSENT_WITHDRAWN', 'CONSENT_EXPIRED', 'CONSENT_STALE', 'RETENTION_EXPIRED']) {
      expect(onAllowPath).toContain(c);
    }
  });
});

describe('decide over random registries, consents and requests', () => {
  it('released ⊆ declared ∩ requested ∩ consented; codes listed; deterministic', () => {
    const seen = new Set<string>();
    const onAllowPath = new Set<string>();
    fc.assert(
      fc.property(registryArb, worldArb, fc.array(requestArb, { minLength: 1, maxLength: 20 }), (registry, w, reqs) => {
        const { consents, subjects, members, ctx } = worldContext(registry, w);
        // Besides random requests, each order's own (members reach the checks after the order).
        const own: Req[] = w.orders.flatMap((o, i) =>
          o.declarations.flatMap((id) => {
            const decl = registry.declarations.get(id);
            return decl ? [{ recipient: o.recipient, subject: o.subject, purpose: decl.purpose as Req['purpose'], items: undefined, at: NOW, orderRef: `o${i}` }] : [];
          }),
        );

        for (const r of [...reqs, ...own]) {
          const req = toRequest(r);
          const d = decide(req, ctx);
          expect(decide(req, ctx)).toEqual(d);
          // The allow path answers exactly as the traced evaluation it short-cuts.
          expect(decideTraced(req, ctx)).toStrictEqual(d);
          // And so does each deny it builds itself (the sole declaration's shared passing steps
          // plus the failing step), looked at apart from `decide`.
          const fast = decideOnAllowPath(req, ctx);
          if (fast !== undefined) {
            expect(fast).toStrictEqual(decideTraced(req, ctx));
            onAllowPath.add(fast.allow ? 'ALLOW' : fast.code);
          }
          // Explaining never changes the outcome, only how much of the trace is shown.
          const x = decide(req, ctx, { explain: true });
          expect(x.allow).toBe(d.allow);
          if (!x.allow && !d.allow) expect([x.code, x.article, x.message]).toEqual([d.code, d.article, d.message]);
          if (x.allow) expect(x).toEqual(d);
          expect(d.trace.length).toBeGreaterThan(0);
          const subject = subjects[r.subject];
          seen.add(d.allow ? 'ALLOW' : d.code);
          if (!d.allow) {
            expect(DENY_CODES).toContain(d.code);
            expect(d.article.length).toBeGreaterThan(0);
            expect(d.trace[d.trace.length - 1]!.ok).toBe(false);
            // Erased: refused to everyone; a registry recipient is told so first, a member only once its order is checked.
            if (subject?.erased && registry.parties.get(r.recipient)?.kind === 'recipient') expect(d.code).toBe('SUBJECT_ERASED');
            continue;
          }
          // Allowed: check against an independent reading of the inputs.
          expect(subject).toBeDefined();
          expect(subject!.erased).toBe(false);
          expect(d.trace.every((s) => s.ok)).toBe(true);
          const decl = registry.declarations.get(d.declarationId)!;
          const member = members[r.recipient];
          const classAgreement = member ? registry.parties.get(member.classId)?.agreement : undefined;
          if (classAgreement) expect(member!.agreementVersion).toBe(classAgreement.version);
          const party = registry.parties.get(r.recipient);
          expect(decl.recipient).toBe(party?.kind === 'recipient' ? r.recipient : member?.classId);
          expect(decl.purpose).toBe(r.purpose);
          const country = party?.kind === 'recipient' ? party.country : member!.country;
          const declared = new Map(decl.items.map((i) => [i.category, i.form]));
          const overseas = registry.isOverseas(country, subject!.jurisdiction);
          // Two choices, each needed on its own: the provision consent when the basis is consent, the
          // separate transfer consent when abroad on consent; a class member only by a grant naming it;
          // each given to the terms the registry holds now.
          const needed = [
            ...(decl.legal_basis === 'consent' ? [decl.id] : []),
            ...(overseas && decl.transfer?.ground === 'consent' ? [`${decl.id}:transfer`] : []),
          ];
          const statuses = needed.map((choice) => consents.status(r.subject, choice, r.recipient, r.at, party?.kind !== 'recipient'));
          for (const st of statuses) {
            expect(st.state).toBe('active');
            expect(st.state === 'active' && st.fingerprint).toBe(termsOf(registry, decl.id));
          }
          if (statuses.length > 0) expect(d.consentEventId).toBe(statuses[0]!.state === 'active' ? statuses[0]!.eventId : 'x');
          // The legal basis, read independently: a transfer mechanism never; a third party (KR) never on
          // contract necessity or the processor basis; legitimate interests never without a balancing test.
          const p = (party ?? registry.parties.get(member!.classId))!;
          expect(['scc', 'adequacy', 'certification', 'bcr', 'derogation', 'legitimate_interest']).not.toContain(decl.legal_basis);
          if (p.role !== 'processor') expect(decl.legal_basis).not.toBe('processor');
          if (p.role !== 'processor' && subject!.jurisdiction === 'KR') expect(decl.legal_basis).not.toBe('contract_necessity');
          // Abroad needs a ground: a declared one, or for EU subjects an adequate destination (the US
          // only on the DPF List), SCCs in the agreement or BCRs within the group (GDPR 45–47).
          // Operator flags never count.
          const euCovered =
            subject!.jurisdiction === 'EU' &&
            (['JP', 'KR'].includes(country) ||
              (country === 'US' && p.safeguards.dpf !== undefined) ||
              p.agreement?.scc?.module === (p.role === 'processor' ? 2 : 1) ||
              (p.safeguards.bcr !== undefined && p.role !== 'third_party'));
          if (overseas && !euCovered) expect(decl.transfer).toBeDefined();
          // A derogation carries only occasional transfers; PIPA 28-8(1)3 only entrustment.
          if (overseas && !euCovered && subject!.jurisdiction === 'EU') expect(decl.transfer!.occasional).toBe(true);
          if (overseas && subject!.jurisdiction === 'KR') {
            expect(['consent', 'contract_necessity', 'law_or_treaty', 'adequacy']).toContain(decl.transfer!.ground);
            if (decl.transfer!.ground === 'contract_necessity') expect(p.role).toBe('processor');
            // PIPA 28-8(1)5: only a destination the PIPC recognised (built in: the EEA, from 2025-09-16).
            if (decl.transfer!.ground === 'adequacy') expect(country).toBe('DE');
          }
          const purpose = registry.purposes.get(r.purpose)!;
          if (purpose.ad_targeting) expect(consents.hasObjected(r.subject, r.purpose)).toBe(false);
          for (const it of d.items) {
            expect(declared.get(it.category)).toBe(it.form);
            if (r.items) expect(r.items).toContain(it.category);
            for (const st of statuses) if (st.state === 'active') expect(st.items).toContain(it.category);
          }
          expect(new Set(d.items.map((i) => i.category)).size).toBe(d.items.length);
          // Nothing requested is silently dropped: an explicit request gets all or nothing.
          if (r.items) expect(d.items.length).toBe(new Set(r.items).size);
        }
      }),
      { numRuns: 400 },
    );
    // The generators must reach allows and the statutory denies, or the property says little.
    for (const c of ['ALLOW', 'UNDECLARED_RECIPIENT', 'UNDECLARED_PURPOSE', 'UNDECLARED_ITEMS', 'NO_CONSENT', 'NO_TRANSFER_GROUND', 'NO_LEGAL_BASIS', 'SUBJECT_ERASED', 'NO_ORDER', 'NO_RECIPIENT_CONTRACT']) {
      expect(seen).toContain(c);
    }
    // Denies the allow path builds itself (its sole declaration's checks 4–8), each compared above.
    for (const c of ['ALLOW', 'UNDECLARED_ITEMS', 'SUBJECT_OBJECTED', 'NO_LEGAL_BASIS', 'NO_TRANSFER_GROUND', 'NO_CONSENT']) expect(onAllowPath).toContain(c);
  });
});
