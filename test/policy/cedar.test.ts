import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCgError } from '../../src/core/errors.ts';
import { decide } from '../../src/core/gate/decide.ts';
import type { ReleaseRequest } from '../../src/core/gate/types.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { AnswerMemo, categoriesOf, OperatorPolicies } from '../../src/policy/cedar.ts';
import { active, context, DAY, demoRegistry, FakeConsents, orderRef, ordersFor } from '../gate/fakes.ts';

const registry = demoRegistry();
const policies = OperatorPolicies.loadDir(new URL('../../policies/', import.meta.url).pathname);
const NOON_KST = Date.UTC(2026, 10, 23, 3); // 12:00 KST
const NIGHT_KST = Date.UTC(2026, 10, 23, 14); // 23:00 KST

const consents = new FakeConsents()
  .consent('kim', 'sellers_fulfilment', active(['name', 'phone', 'address', 'customs_code']), 'seller-cn')
  .consent('kim', 'ad_partner', active(['email', 'order_history', 'browsing_history']))
  .consent('anna', 'ad_partner', active(['email', 'order_history', 'browsing_history']))
  .consent('kim', 'sellers_customs', active(['name', 'customs_code']), 'seller-cn');
const members = { 'seller-cn': { classId: 'cn_sellers', country: 'CN', agreementVersion: registry.parties.get('cn_sellers')!.agreement!.version } };
const subjects = {
  kim: { jurisdiction: 'KR' as const, erased: false, contractEndedAt: undefined },
  anna: { jurisdiction: 'EU' as const, erased: false },
};
// The seller has an order with each customer, for both of the class's declarations.
const ctx = context(registry, consents, members, subjects, { orders: ordersFor(['kim', 'anna', 'nobody'], ['seller-cn'], ['sellers_fulfilment', 'sellers_customs']) });
const gate = (req: ReleaseRequest, p = policies, c = ctx) => p.apply(req, decide(req, c), c);
const req = (o: Partial<ReleaseRequest>): ReleaseRequest => {
  const r = { recipientId: 'seller-cn', subject: 'kim', purpose: 'order_fulfilment', at: NOON_KST, ...o };
  return { ...r, orderRef: orderRef(r.subject, r.recipientId) };
};

describe('operator policies (policies/operator.cedar)', () => {
  it('loads the demo rules with their file:line origins', () => {
    expect(policies.size).toBe(3);
    expect(policies.origins.get('customs-code-only-for-fulfilment')).toMatch(/^operator\.cedar:\d+$/);
  });

  it('keep the normal flows: seller fulfilment, courier, customs broker, hosting, payment', () => {
    for (const r of [
      req({}),
      req({ at: NIGHT_KST }),
      req({ recipientId: 'hanbit_express' }),
      req({ recipientId: 'kr_customs_broker', purpose: 'customs_clearance' }),
      req({ recipientId: 'nimbus_cloud', purpose: 'hosting' }),
      req({ recipientId: 'paybridge', purpose: 'payment' }),
      req({ recipientId: 'adreach', purpose: 'ad_targeting' }),
    ]) {
      const d = gate(r);
      expect(d.allow, `${r.recipientId}/${r.purpose}`).toBe(true);
      expect(d.trace[d.trace.length - 1]).toMatchObject({ check: 'policy', ok: true });
    }
  });

  it('forbid ad-targeting releases of Korean customers at night, not of EU ones', () => {
    const d = gate(req({ recipientId: 'adreach', purpose: 'ad_targeting', at: NIGHT_KST }));
    expect(d.allow).toBe(false);
    if (d.allow) return;
    expect(d.code).toBe('POLICY_DENY');
    expect(d.declarationId).toBe('ad_partner');
    expect(d.message).toContain('no-night-ad-targeting-kr');
    expect(d.trace[d.trace.length - 1]).toMatchObject({ check: 'policy', ok: false, article: 'operator policy' });
    expect(gate(req({ recipientId: 'adreach', subject: 'anna', purpose: 'ad_targeting', at: NIGHT_KST })).allow).toBe(true);
  });

  it('forbid customs codes to sellers outside fulfilment even where the statute would allow it', () => {
    const doc = structuredClone(registry.doc);
    doc.declarations.push({
      id: 'sellers_customs',
      recipient: 'cn_sellers',
      purpose: 'customs_clearance',
      items: [{ category: 'name', form: 'plain' }, { category: 'customs_code', form: 'plain' }],
      legal_basis: 'consent',
      transfer: { ground: 'consent' },
      retention: { duration: 'P30D', from: 'release' },
    });
    // context(): the fake consents resolve their terms against this registry (the new declaration's).
    const c2 = context(new RegistryModel(doc), consents, members, subjects, { orders: ordersFor(['kim', 'anna', 'nobody'], ['seller-cn'], ['sellers_fulfilment', 'sellers_customs']) });
    const r = req({ purpose: 'customs_clearance' });
    expect(decide(r, c2).allow).toBe(true);
    const d = gate(r, policies, c2);
    expect(!d.allow && d.code).toBe('POLICY_DENY');
    expect(gate(req({ purpose: 'customs_clearance', items: ['name'] }), policies, c2).allow).toBe(true);
  });

  it('can never widen: a statutory deny is returned unchanged, even under a blanket permit', () => {
    const permissive = OperatorPolicies.compile([{ file: 'open.cedar', text: 'permit (principal, action, resource);' }]);
    const reqArb = fc.record({
      recipientId: fc.constantFrom('seller-cn', 'stranger', 'hanbit_express', 'adreach', 'nimbus_cloud', 'paybridge', 'kr_customs_broker'),
      subject: fc.constantFrom('kim', 'anna', 'nobody'),
      purpose: fc.constantFrom('order_fulfilment', 'ad_targeting', 'hosting', 'payment', 'customs_clearance', 'marketing'),
      items: fc.option(fc.subarray(['name', 'phone', 'email', 'address', 'customs_code', 'order_history']), { nil: undefined }),
      at: fc.integer({ min: NOON_KST - DAY, max: NOON_KST + DAY }),
    }).map((r) => ({ ...r, orderRef: orderRef(r.subject, r.recipientId) }));
    fc.assert(
      fc.property(reqArb, (r) => {
        const statutory = decide(r, ctx);
        for (const p of [policies, permissive]) {
          const d = p.apply(r, statutory, ctx);
          if (!statutory.allow) expect(d).toBe(statutory);
          if (d.allow) {
            expect(statutory.allow && statutory.items).toEqual(d.items);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fails closed when a rule errors at evaluation time', () => {
    const overflow = OperatorPolicies.compile([
      { file: 'x.cedar', text: '@id("overflow")\nforbid (principal, action, resource) when { context.hour_utc * 9223372036854775807 * 9 > 0 };' },
    ]);
    const d = gate(req({}), overflow);
    expect(!d.allow && d.code).toBe('POLICY_DENY');
    expect(!d.allow && d.message).toMatch(/overflow.*x\.cedar:1/);
  });

  it('memoised answers never cross a rule that names a subject, nor an hour', () => {
    const named = OperatorPolicies.compile([
      { file: 'block.cedar', text: '@id("block-kim") forbid (principal, action, resource == Subject::"kim");' },
    ]);
    // kim and a second KR subject alike in every attribute: only the uid tells them apart.
    const twin = { ...subjects, kim2: subjects.kim };
    const c2 = context(registry, new FakeConsents().consent('kim', 'sellers_fulfilment', active(['name']), 'seller-cn').consent('kim2', 'sellers_fulfilment', active(['name']), 'seller-cn'), members, twin, {
      orders: ordersFor(['kim', 'kim2'], ['seller-cn'], ['sellers_fulfilment']),
    });
    const asKim = req({ items: ['name'] });
    const asTwin = req({ items: ['name'], subject: 'kim2' });
    for (let i = 0; i < 3; i++) {
      expect(gate(asKim, named, c2)).toMatchObject({ allow: false, code: 'POLICY_DENY' });
      expect(gate(asTwin, named, c2).allow).toBe(true);
    }
    // The night rule depends on the hour: the same request flips when the hour does, cached or not.
    const ad = req({ recipientId: 'adreach', purpose: 'ad_targeting' });
    for (let i = 0; i < 2; i++) {
      expect(gate(ad).allow).toBe(true);
      expect(gate({ ...ad, at: NIGHT_KST })).toMatchObject({ allow: false, code: 'POLICY_DENY' });
    }
  });

  it('a memoised answer is the answer a fresh policy set gives: the memo key holds every input Cedar sees', () => {
    // One rule per input (principal uid, class, role, country, kind, subject uid, jurisdiction and
    // every context field): a memo key missing any of them would return another request's answer,
    // and the deny message names every rule that matched, so a wrong hit shows.
    const rules = [
      'forbid (principal == Recipient::"adreach", action, resource) when { context.hour_utc == 1 };',
      'forbid (principal in RecipientClass::"cn_sellers", action, resource) when { context.hour_utc == 2 };',
      'forbid (principal, action, resource) when { principal.role == "processor" && context.hour_utc == 3 };',
      'forbid (principal, action, resource) when { principal.country == "KR" && context.hour_utc == 4 };',
      'forbid (principal, action, resource) when { principal.kind == "member" && context.hour_utc == 5 };',
      'forbid (principal, action, resource) when { resource.jurisdiction == "EU" && context.hour_utc == 6 };',
      'forbid (principal, action, resource) when { context.purpose == "order_fulfilment" && context.hour_utc == 7 };',
      'forbid (principal, action, resource) when { context.declaration == "ad_partner" && context.hour_utc == 8 };',
      'forbid (principal, action, resource) when { context.basis == "consent" && context.hour_utc == 9 };',
      'forbid (principal, action, resource) when { context.items.contains("phone") && context.hour_utc == 10 };',
      'forbid (principal, action, resource) when { context.plain_items.contains("address") && context.hour_utc == 11 };',
      'forbid (principal, action, resource) when { context.overseas && context.hour_utc == 12 };',
      'forbid (principal, action, resource) when { context.hour_kst == 22 };',
      'forbid (principal, action, resource) when { context.weekday_utc == 3 && context.hour_utc < 12 };',
    ].map((text, i) => ({ file: `r${String(i).padStart(2, '0')}.cedar`, text }));
    const withSubject = [...rules, { file: 'subject.cedar', text: 'forbid (principal, action, resource == Subject::"kim") when { context.hour_utc == 13 };' }];
    const sets = [rules, withSubject].map((sources) => ({ sources, shared: OperatorPolicies.compile(sources) }));
    const reqArb = fc.record({
      recipientId: fc.constantFrom('seller-cn', 'hanbit_express', 'adreach', 'nimbus_cloud', 'paybridge', 'kr_customs_broker'),
      subject: fc.constantFrom('kim', 'anna'),
      purpose: fc.constantFrom('order_fulfilment', 'ad_targeting', 'hosting', 'payment', 'customs_clearance'),
      items: fc.option(fc.subarray(['name', 'phone', 'email', 'address', 'customs_code', 'order_history'], { minLength: 1 }), { nil: undefined }),
      // Every hour of a week, so each rule above matches some requests and not others.
      at: fc.integer({ min: NOON_KST - 7 * DAY, max: NOON_KST }).map((ms) => ms - (ms % 3_600_000)),
    }).map((r) => ({ ...r, orderRef: orderRef(r.subject, r.recipientId) }));
    let denied = 0;
    let allowed = 0;
    fc.assert(
      fc.property(fc.array(reqArb, { minLength: 1, maxLength: 8 }), (batch) => {
        for (const { sources, shared } of sets) {
          for (const r of batch) {
            const statutory = decide(r, ctx);
            if (!statutory.allow) continue;
            const memoised = shared.apply(r, statutory, ctx);
            expect(memoised).toEqual(OperatorPolicies.compile(sources).apply(r, statutory, ctx));
            if (memoised.allow) allowed++;
            else denied++;
          }
        }
      }),
      { numRuns: 150 },
    );
    // The sample exercised both answers.
    expect(denied).toBeGreaterThan(0);
    expect(allowed).toBeGreaterThan(0);
  });

  it('passing decisions of one shape share one frozen trace: the statutory trace with the policy step, made once', () => {
    const a = gate(req({}));
    const b = gate(req({ at: NOON_KST + 60_000 }));
    expect(a.allow && b.allow).toBe(true);
    // The gate's allow trace is a shared frozen array; its extension is shared too (the record
    // path then finds its text and stored trace by identity), and reads as before.
    expect(Object.isFrozen(a.trace)).toBe(true);
    expect(b.trace).toBe(a.trace);
    const statutory = decide(req({}), ctx);
    expect(a.trace).toEqual([...statutory.trace, expect.objectContaining({ check: 'policy', ok: true })]);
    // Another set extends it with its own step count: never another set's shared array.
    const none = OperatorPolicies.loadDir(join(tmpdir(), 'does-not-exist-cg'));
    const c = gate(req({}), none);
    expect(c.trace).not.toBe(a.trace);
    expect(c.trace[c.trace.length - 1]!.detail).toBe('no operator policies');
    // A trace that is not frozen (built by a caller) is extended afresh, and left as it was.
    const own = { ...statutory, trace: [...statutory.trace] };
    const d = policies.apply(req({}), own, ctx);
    expect(d.trace).not.toBe(a.trace);
    expect(Object.isFrozen(d.trace)).toBe(false);
    expect(d.trace).toEqual(a.trace);
    expect(own.trace).toHaveLength(statutory.trace.length);
  });

  it('with no rules, adds a passing policy step', () => {
    const none = OperatorPolicies.loadDir(join(tmpdir(), 'does-not-exist-cg'));
    expect(none.size).toBe(0);
    const d = gate(req({}), none);
    expect(d.allow && d.trace[d.trace.length - 1]!.detail).toBe('no operator policies');
  });
});

describe('bad policy files fail at load with file and line', () => {
  const load = (text: string, file = 'bad.cedar') => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-pol-'));
    writeFileSync(join(dir, file), text);
    try {
      OperatorPolicies.loadDir(dir);
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('syntax errors', () => {
    const e = load('// 주석 comment\npermit (principal, action, resource);\n\nforbid (principal action, resource);\n');
    expect(isCgError(e) && e.code).toBe('POLICY_INVALID');
    expect(isCgError(e) && e.details[0]).toMatchObject({ path: 'bad.cedar', line: 4, column: 19 });
    expect((e as Error).message).toContain('bad.cedar:4:19');
  });

  it('schema errors (unknown attribute, unguarded optional attribute)', () => {
    const e = load('// 한국어\nforbid (principal, action, resource)\n  when { context.hours > 3 };\n');
    expect(isCgError(e) && e.details[0]).toMatchObject({ path: 'bad.cedar', line: 3, column: 10 });
    expect((e as Error).message).toMatch(/hours/);
    const e2 = load('forbid (principal, action, resource)\n  when { principal.class == "cn_sellers" };');
    expect(isCgError(e2) && e2.details[0]?.line).toBe(2);
  });

  it('duplicate ids and templates', () => {
    const e = load('@id("a") forbid (principal, action, resource);\n@id("a") forbid (principal, action, resource);');
    expect(isCgError(e) && e.details[0]).toMatchObject({ code: 'POLICY_DUPLICATE_ID', line: 2 });
    const e2 = load('permit (principal == ?principal, action, resource);');
    expect(isCgError(e2) && e2.code).toBe('POLICY_INVALID');
  });
});

describe('categoriesOf (the memo key\'s item lists)', () => {
  it('lists every category and the plain ones in order; once for a frozen list, afresh for one that may change', () => {
    const shared = Object.freeze([Object.freeze({ category: 'name', form: 'plain' as const }), Object.freeze({ category: 'phone', form: 'masked' as const })]);
    expect(categoriesOf(shared)).toEqual({ items: ['name', 'phone'], plainItems: ['name'], json: '[["name","phone"],["name"]]' });
    expect(categoriesOf(shared)).toBe(categoriesOf(shared));
    const fresh = [{ category: 'name', form: 'plain' as const }];
    const before = categoriesOf(fresh);
    fresh.push({ category: 'address', form: 'plain' as const });
    expect(categoriesOf(fresh)).toEqual({ items: ['name', 'address'], plainItems: ['name', 'address'], json: '[["name","address"],["name","address"]]' });
    expect(before).toEqual({ items: ['name'], plainItems: ['name'], json: '[["name"],["name"]]' });
  });

  it('the memo key\'s list part is one complete JSON array: lists that differ only in where one ends give different keys', () => {
    // The key is the lists' JSON followed by the flat values' JSON; a category holding what
    // looks like the end of the first part must not make two requests' keys equal.
    const a = categoriesOf([{ category: 'a"]],["x', form: 'plain' as const }]).json;
    const b = categoriesOf([{ category: 'a', form: 'plain' as const }, { category: 'x', form: 'masked' as const }]).json;
    expect(a).not.toBe(b);
    expect(JSON.parse(a)).toEqual([['a"]],["x'], ['a"]],["x']]);
  });
});

describe('AnswerMemo (Cedar\'s answers by their inputs)', () => {
  type Key = Parameters<AnswerMemo['get']>;
  const base: Key = ['[["a"],["a"]]', 'seller-a', 'seller', 'CN', 'cn_sellers', 'KR', 'order_fulfilment', 'd1', 'consent', true, 1, 3, null];
  const answer = (n: number) => ({ type: 'failure', errors: [{ message: String(n) }] }) as never;

  it('finds an answer only under the very same inputs: a value of another type or place never stands for one', () => {
    const memo = new AnswerMemo();
    memo.set(answer(0), ...base);
    expect(memo.get(...([...base] as Key))).toEqual(answer(0));
    // Each input changed to a look-alike of another type, or moved: no answer.
    const lookalikes: unknown[] = ['null', 'true', '1', '3', 1, 0, undefined, false, ''];
    for (let i = 0; i < base.length; i++) {
      for (const v of lookalikes) {
        if (Object.is(v, base[i])) continue;
        const k = [...base] as unknown[];
        k[i] = v;
        expect(memo.get(...(k as Key))).toBeUndefined();
      }
    }
    const swapped = [...base] as unknown[];
    [swapped[10], swapped[11]] = [swapped[11], swapped[10]];
    expect(memo.get(...(swapped as Key))).toBeUndefined();
    // A subject-sensitive set keys the subject too.
    const withSubject = [...base.slice(0, 12), 'cust-1'] as Key;
    memo.set(answer(1), ...withSubject);
    expect(memo.get(...withSubject)).toEqual(answer(1));
    expect(memo.get(...base)).toEqual(answer(0));
    expect(memo.size).toBe(2);
  });

  it('is bounded: at 10,000 answers it starts afresh', () => {
    const memo = new AnswerMemo();
    for (let i = 0; i < 10_000; i++) memo.set(answer(i), ...([...base.slice(0, 12), `s${i}`] as Key));
    expect(memo.size).toBe(10_000);
    expect(memo.get(...([...base.slice(0, 12), 's9999'] as Key))).toEqual(answer(9999));
    memo.set(answer(-1), ...base);
    expect(memo.size).toBe(1);
    expect(memo.get(...([...base.slice(0, 12), 's9999'] as Key))).toBeUndefined();
    expect(memo.get(...base)).toEqual(answer(-1));
  });
});
