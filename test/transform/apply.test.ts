import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/gate/decide.ts';
import type { Decision } from '../../src/core/gate/types.ts';
import { applyForms, applyFormsNow, formNeedsValue } from '../../src/core/transform/apply.ts';
import type { IssueRequest, Issuers } from '../../src/core/transform/issuers.ts';
import { isCgError } from '../../src/core/errors.ts';
import { active, context, DAY, demoRegistry, FakeConsents } from '../gate/fakes.ts';

const NOW = Date.UTC(2026, 10, 23, 12);
const registry = demoRegistry();

/** Records every issue call so the test can check what the store layer would be asked — and that it is never handed a value. */
function recordingIssuers() {
  const calls: Array<{ kind: string; req: IssueRequest; args: number }> = [];
  const issuers: Issuers = {
    tokens: { issueToken: async (...a: [IssueRequest]) => (calls.push({ kind: 'token', req: a[0], args: a.length }), `tok_${calls.length}`) },
    safeNumbers: { issueSafeNumber: async (...a: [IssueRequest & { kind: 'phone' | 'email' }]) => (calls.push({ kind: a[0].kind, req: a[0], args: a.length }), '050-0000-0001') },
  };
  return { calls, issuers };
}

const kim = { name: '홍길동', phone: '010-1234-5678', address: '서울특별시 강남구 테헤란로 100', customs_code: 'P123456789012', email: 'kim@example.com', order_history: [{ id: 1 }], browsing_history: ['x'] };

describe('applyForms', () => {
  const consents = new FakeConsents()
    .consent('kim', 'sellers_fulfilment', active(['name', 'phone', 'address', 'customs_code']), 'seller-cn')
    .consent('kim', 'ad_partner', active(['email', 'order_history', 'browsing_history']));
  const ctx = context(registry, consents, { 'seller-cn': { classId: 'cn_sellers', country: 'CN' } }, {
    kim: { jurisdiction: 'KR', erased: false, contractEndedAt: NOW - DAY },
  });

  it('gives each item in its declared form; masks deterministically; only allowed categories are read', async () => {
    const { calls, issuers } = recordingIssuers();
    const req = { recipientId: 'hanbit_express', subject: 'kim', purpose: 'order_fulfilment', at: NOW };
    const d = decide(req, ctx);
    const out = await applyForms(d, req, kim, issuers);
    expect(out.items).toEqual([
      { category: 'name', form: 'masked', value: '홍*동' },
      { category: 'phone', form: 'safe_number', value: '050-0000-0001' },
      { category: 'address', form: 'plain', value: '서울특별시 강남구 테헤란로 100' },
    ]);
    expect(out.missing).toEqual([]);
    expect(calls).toEqual([
      { kind: 'phone', args: 1, req: { recipientId: 'hanbit_express', subject: 'kim', category: 'phone', declarationId: 'courier_delivery', at: NOW, expiresAt: NOW - DAY + 30 * DAY, kind: 'phone' } },
    ]);
  });

  it('tokens expire with the retention from release; missing values are reported, not invented', async () => {
    const { calls, issuers } = recordingIssuers();
    const req = { recipientId: 'adreach', subject: 'kim', purpose: 'ad_targeting', at: NOW };
    const d = decide(req, ctx);
    const { browsing_history: _dropped, ...partial } = kim;
    const out = await applyForms(d, req, new Map(Object.entries(partial)), issuers);
    expect(out.items.map((i) => [i.category, i.value])).toEqual([
      ['email', 'tok_1'],
      ['order_history', [{ id: 1 }]],
    ]);
    expect(out.missing).toEqual(['browsing_history']);
    expect(calls[0]!.req.expiresAt).toBe(Date.UTC(2027, 10, 23, 12));
    expect(calls[0]!.args).toBe(1);
  });

  it('a token or a safe number is issued from the knowledge that a value is stored, without the value', async () => {
    const { calls, issuers } = recordingIssuers();
    const req = { recipientId: 'hanbit_express', subject: 'kim', purpose: 'order_fulfilment', at: NOW };
    const d = decide(req, ctx);
    const stored = Symbol('stored');
    const out = await applyForms(d, req, new Map<string, unknown>([['name', '홍길동'], ['phone', stored], ['address', '서울특별시 강남구 테헤란로 100']]), issuers);
    expect(out.items.map((i) => [i.category, i.form, i.value])).toEqual([
      ['name', 'masked', '홍*동'],
      ['phone', 'safe_number', '050-0000-0001'],
      ['address', 'plain', '서울특별시 강남구 테헤란로 100'],
    ]);
    expect(calls.map((c) => [c.req.category, c.args])).toEqual([['phone', 1]]);
    expect(d.allow && d.items.map((i) => [i.category, formNeedsValue(i.form)])).toEqual([['name', true], ['phone', false], ['address', true]]);
  });

  it('refuses to apply forms to a deny, and a safe number for a non-contact category', async () => {
    const { issuers } = recordingIssuers();
    const req = { recipientId: 'stranger', subject: 'kim', purpose: 'order_fulfilment', at: NOW };
    await expect(applyForms(decide(req, ctx), req, kim, issuers)).rejects.toSatisfy((e) => isCgError(e) && e.code === 'RELEASE_DENIED');
    const odd: Decision = { allow: true, declarationId: 'x', basis: 'consent', items: [{ category: 'name', form: 'safe_number', format: 'name' }], trace: [] };
    await expect(applyForms(odd, req, kim, issuers)).rejects.toSatisfy((e) => isCgError(e) && e.code === 'UNSUPPORTED_FORM');
  });

  it('a masked item of unknown format is fully redacted', async () => {
    const { issuers } = recordingIssuers();
    const d: Decision = { allow: true, declarationId: 'x', basis: 'consent', items: [{ category: 'name', form: 'masked' }], trace: [] };
    const out = await applyForms(d, { recipientId: 'r', subject: 'kim', at: NOW }, kim, issuers);
    expect(out.items[0]!.value).toBe('***');
  });

  it('applyFormsNow answers in the same turn when no issuer waits, and waits from the first one that does, asking issuers in item order', async () => {
    const req = { recipientId: 'adreach', subject: 'kim', purpose: 'ad_targeting', at: NOW };
    const d: Decision = {
      allow: true,
      declarationId: 'x',
      basis: 'consent',
      items: [
        { category: 'email', form: 'token' },
        { category: 'phone', form: 'safe_number', format: 'phone' },
        { category: 'name', form: 'plain' },
        { category: 'address', form: 'token' },
      ],
      trace: [],
    };
    const expected = [
      ['email', 'tok_email'],
      ['phone', '050-0000-0001'],
      ['name', '홍길동'],
      ['address', 'tok_address'],
    ];
    // Issuers that answer at once: the result itself, no promise.
    const asked: string[] = [];
    const now: Issuers = {
      tokens: { issueToken: (r) => (asked.push(r.category), `tok_${r.category}`) },
      safeNumbers: { issueSafeNumber: (r) => (asked.push(r.category), '050-0000-0001') },
    };
    const out = applyFormsNow(d, req, kim, now);
    expect(out).not.toBeInstanceOf(Promise);
    expect((out as Awaited<typeof out>).items.map((i) => [i.category, i.value])).toEqual(expected);
    expect(asked).toEqual(['email', 'phone', 'address']);
    // The safe number waits: a promise, and the next token is asked for only once it is there.
    const later: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const waiting: Issuers = {
      tokens: { issueToken: (r) => (later.push(r.category), `tok_${r.category}`) },
      safeNumbers: { issueSafeNumber: async (r) => (later.push(r.category), await gate, '050-0000-0001') },
    };
    const pending = applyFormsNow(d, req, kim, waiting);
    expect(pending).toBeInstanceOf(Promise);
    await Promise.resolve();
    expect(later).toEqual(['email', 'phone']);
    release();
    expect((await pending).items.map((i) => [i.category, i.value])).toEqual(expected);
    expect(later).toEqual(['email', 'phone', 'address']);
    // A deny throws at once (applyForms rejects).
    expect(() => applyFormsNow(decide({ recipientId: 'stranger', subject: 'kim', purpose: 'order_fulfilment', at: NOW }, ctx), req, kim, now)).toThrow(/denied/);
  });
});
