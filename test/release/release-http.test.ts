import fc from 'fast-check';
import { createHook } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DATA, startHarness, type Harness } from './harness.ts';

/** Runs `fn` and checks the decisions table grew by exactly `n` (one per answered release). */
async function records<T>(h: Harness, n: number, fn: () => Promise<T>): Promise<T> {
  const before = await h.decisions();
  const r = await fn();
  expect(await h.decisions()).toBe(before + n);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('release gate over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.customer('cust-1');
    await h.order('A-1001', 'cust-1', 'seller-a');
    await h.grant('cust-1', 'checkout', ['sellers_fulfilment']);
    await h.customer('cust-ads', { jurisdiction: 'EU', data: { email: 'ads@mail.example', order_history: '[]', browsing_history: '[]' } });
    await h.grant('cust-ads', 'marketing', ['ad_partner']);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const denied = async (key: string, body: unknown, code: string) => {
    const r = await records(h, 1, () => h.release(key, body));
    expect(r.status).toBe(403);
    expect(r.type).toContain('application/problem+json');
    expect(r.body.code).toBe(code);
    expect(r.body.article).toBeTruthy();
    expect(r.body.decision_id).toMatch(/^dec_/);
    expect(typeof r.body.ledger_index).toBe('number');
    expect(r.body.items).toBeUndefined();
    const [row] = await h.app.ctx.db.query<any>('SELECT allow, code, article, released FROM release_decision_records WHERE id = $1', [r.body.decision_id]);
    expect(row).toMatchObject({ allow: false, code, article: r.body.article, released: [] });
    return r.body;
  };

  it('releases a seller its declared items in their forms, recorded before the answer', async () => {
    const r = await records(h, 1, () => h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'A-1001' }));
    expect(r.status).toBe(200);
    expect(r.body.items).toMatchObject({ name: DATA.name, address: DATA.address, customs_code: DATA.customs_code });
    expect(r.body.items.phone).toMatch(/^050-\d{4}-\d{4}$/);
    expect(r.body.forms).toEqual({ name: 'plain', phone: 'safe_number', address: 'plain', customs_code: 'plain' });
    expect(r.body).toMatchObject({ basis: 'consent', declaration_id: 'sellers_fulfilment', missing: [] });
    const [row] = await h.app.ctx.db.query<any>('SELECT * FROM release_decision_records WHERE id = $1', [r.body.decision_id]);
    expect(row).toMatchObject({ leaf_index: r.body.ledger_index, allow: true, recipient: 'seller-a', order_ref: 'A-1001' });
    expect(row.subject_pseudonym).toBe(h.app.ctx.subjects.pseudonymOf('cust-1'));
    expect(row.consent_event_id).toBeTruthy();
    expect(row.notice_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.registry_hash).toBe(h.app.ctx.registry.model!.hash);
    // Neither the record nor its ledger leaf carries a value, the relay or the subject id.
    const [leaf] = await h.app.ctx.db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [r.body.ledger_index]);
    const leafText = Buffer.from(leaf!.entry).toString('utf8');
    for (const t of [JSON.stringify(row), leafText]) for (const v of [...Object.values(DATA), 'cust-1', r.body.items.phone]) expect(t).not.toContain(v);
    const entry = JSON.parse(leafText);
    expect(entry).toMatchObject({ kind: 'release_decision', decision_id: r.body.decision_id, allow: true, subject: row.subject_pseudonym });
    expect(entry.checks.length).toBeGreaterThan(5);
    expect(entry.checks.every((c: Record<string, unknown>) => !('detail' in c))).toBe(true);
  });

  it('a release that waits for nothing is decided, formed and submitted in the caller\'s turn with no promise, and answered from its batch once recorded', async () => {
    const input = { subject: 'cust-1', purpose: 'order_fulfilment', orderRef: 'A-1001' };
    // Warm: the subject's vault record and its relay number cached, as for any repeat release.
    await h.app.ctx.releases.release('seller-a', input);
    const before = await h.decisions();
    let promises = 0;
    let answered: [unknown, unknown] | undefined;
    let settled!: () => void;
    const got = new Promise<void>((resolve) => (settled = resolve));
    // Counted over the call alone (this test's own promise is made before).
    const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && promises++) }).enable();
    try {
      h.app.ctx.releases.releaseTo('seller-a', input, (e, r) => {
        answered = [e, r];
        settled();
      });
    } finally {
      hook.disable();
    }
    // Submitted, not yet answered: the answer waits for the record.
    expect(promises).toBe(0);
    expect(answered).toBeUndefined();
    await got;
    const [e, r] = answered as [unknown, { decision_id: string; ledger_index: number; items: Record<string, string> }];
    expect(e).toBeNull();
    expect(r.items.name).toBe(DATA.name);
    expect(await h.decisions()).toBe(before + 1);
    const [row] = await h.app.ctx.db.query<{ leaf_index: number }>('SELECT leaf_index FROM release_decision_records WHERE id = $1', [r.decision_id]);
    expect(row!.leaf_index).toBe(r.ledger_index);
  });

  it('records only the items released when one is not stored, before and after a release of the same items that had all', async () => {
    const { customs_code: _, ...partial } = DATA;
    await h.customer('cust-partial', { data: partial });
    await h.grant('cust-partial', 'checkout', ['sellers_fulfilment']);
    const released = async (subject: string) => {
      const r = await h.release(h.keys.sellerA, { subject, purpose: 'order_fulfilment', order_ref: `${subject}/A` });
      expect(r.status).toBe(200);
      const [leaf] = await h.app.ctx.db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [r.body.ledger_index]);
      const [row] = await h.app.ctx.db.query<any>('SELECT released FROM release_decision_records WHERE id = $1', [r.body.decision_id]);
      const logged = (JSON.parse(Buffer.from(leaf!.entry).toString('utf8')) as { released: Array<{ category: string }> }).released.map((i) => i.category);
      return { missing: r.body.missing as string[], answered: Object.keys(r.body.items).sort(), logged: logged.sort(), row: (row.released as Array<{ category: string }>).map((i) => i.category).sort() };
    };
    const all = ['address', 'customs_code', 'name', 'phone'];
    const some = ['address', 'name', 'phone'];
    for (const subject of ['cust-1', 'cust-partial', 'cust-1', 'cust-partial']) {
      const r = await released(subject);
      const want = subject === 'cust-1' ? all : some;
      expect(r).toEqual({ missing: subject === 'cust-1' ? [] : ['customs_code'], answered: want, logged: want, row: want });
    }
  });

  it('gives the same retention end in the answer, the log entry and the row', async () => {
    const r = await h.release(h.keys.broker, { subject: 'cust-1', purpose: 'customs_clearance' });
    expect(r.status).toBe(200);
    expect(r.body.retention_until).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(r.body.retention_until)).toBeGreaterThan(Date.now());
    const [leaf] = await h.app.ctx.db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [r.body.ledger_index]);
    expect(JSON.parse(Buffer.from(leaf!.entry).toString('utf8')).retention_until).toBe(r.body.retention_until);
    const [row] = await h.app.ctx.db.query<any>('SELECT retention_until FROM release_decision_records WHERE id = $1', [r.body.decision_id]);
    expect(new Date(row.retention_until).toISOString()).toBe(r.body.retention_until);
  });

  it('keeps one relay number per recipient and subject, and masks for the courier', async () => {
    const a = await h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A', items: ['phone'] });
    const b = await h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A', items: ['phone'] });
    expect(Object.keys(a.body.items)).toEqual(['phone']);
    expect(a.body.items.phone).toBe(b.body.items.phone);
    const c = await records(h, 1, () => h.release(h.keys.courier, { subject: 'cust-1', purpose: 'order_fulfilment' }));
    expect(c.status).toBe(200);
    expect(c.body.items).toEqual({ name: '홍*동', phone: expect.stringMatching(/^050-/), address: DATA.address });
    expect(c.body.items.phone).not.toBe(a.body.items.phone);
    expect(c.body.basis).toBe('contract_necessity');
    expect(await h.app.ctx.issuers.resolveRelay(c.body.items.phone, Date.now())).toMatchObject({ recipient: 'hanbit_express', value: DATA.phone });
  });

  it('issues tokens redeemable only by their recipient while the gate still allows them', async () => {
    const r = await h.release(h.keys.adreach, { subject: 'cust-ads', purpose: 'ad_targeting' });
    expect(r.status).toBe(200);
    expect(r.body.forms).toEqual({ email: 'token', order_history: 'plain', browsing_history: 'plain' });
    const token = r.body.items.email as string;
    expect(token).toMatch(/^cgt_/);
    expect(JSON.stringify(r.body)).not.toContain('ads@mail.example');
    // Another recipient: the same 404 as an unknown token, and no decision is made.
    const stolen = await records(h, 0, () => h.call('POST', '/v1/tokens/redeem', h.keys.courier, { token }));
    expect(stolen).toMatchObject({ status: 404, body: { code: 'TOKEN_NOT_FOUND' } });
    const unknown = await h.call('POST', '/v1/tokens/redeem', h.keys.adreach, { token: 'cgt_' + 'A'.repeat(32) });
    expect(unknown.status).toBe(404);
    const ok = await records(h, 1, () => h.call('POST', '/v1/tokens/redeem', h.keys.adreach, { token }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ category: 'email', value: 'ads@mail.example' });
    const [row] = await h.app.ctx.db.query<any>('SELECT via_decision, released FROM release_decision_records WHERE id = $1', [ok.body.decision_id]);
    expect(row).toEqual({ via_decision: r.body.decision_id, released: [{ category: 'email', form: 'plain' }] });
    // Withdrawal stops the token at once, with a recorded refusal.
    await h.withdraw('cust-ads', ['ad_partner']);
    const after = await records(h, 1, () => h.call('POST', '/v1/tokens/redeem', h.keys.adreach, { token }));
    expect(after.status).toBe(403);
    expect(after.body.code).toBe('CONSENT_WITHDRAWN');
  });

  it('refuses with each statutory deny code reachable on the demo registry, each recorded', async () => {
    await denied(h.keys.courier, { subject: 'cust-1', purpose: 'marketing' }, 'UNDECLARED_PURPOSE');
    await denied(h.keys.courier, { subject: 'cust-1', purpose: 'order_fulfilment', items: ['name', 'customs_code'] }, 'UNDECLARED_ITEMS');
    await denied(h.keys.courier, { subject: 'nobody-here', purpose: 'order_fulfilment' }, 'UNKNOWN_SUBJECT');
    const ghost = (await h.app.ctx.keys.create({ kind: 'recipient', principal: 'ghost-recipient', scopes: ['release'], label: 'test', actor: 'system' })).key;
    await denied(ghost, { subject: 'cust-1', purpose: 'order_fulfilment' }, 'UNDECLARED_RECIPIENT');

    await h.customer('cust-noconsent');
    expect((await denied(h.keys.sellerA, { subject: 'cust-noconsent', purpose: 'order_fulfilment', order_ref: 'cust-noconsent/A' }, 'NO_CONSENT')).article).toBe('PIPA 17(1)');

    await h.customer('cust-withdrawn');
    await h.grant('cust-withdrawn', 'checkout', ['sellers_fulfilment']);
    expect((await h.release(h.keys.sellerA, { subject: 'cust-withdrawn', purpose: 'order_fulfilment', order_ref: 'cust-withdrawn/A' })).status).toBe(200);
    await h.withdraw('cust-withdrawn', ['sellers_fulfilment']);
    await denied(h.keys.sellerA, { subject: 'cust-withdrawn', purpose: 'order_fulfilment', order_ref: 'cust-withdrawn/A' }, 'CONSENT_WITHDRAWN');

    await h.customer('cust-expiring');
    await h.grant('cust-expiring', 'checkout', ['sellers_fulfilment'], { expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await h.release(h.keys.sellerA, { subject: 'cust-expiring', purpose: 'order_fulfilment', order_ref: 'cust-expiring/A' })).status).toBe(200);
    await sleep(1600);
    await denied(h.keys.sellerA, { subject: 'cust-expiring', purpose: 'order_fulfilment', order_ref: 'cust-expiring/A' }, 'CONSENT_EXPIRED');

    await h.customer('cust-objects', { jurisdiction: 'EU', data: { email: 'o@mail.example' } });
    await h.grant('cust-objects', 'marketing', ['ad_partner'], { grant: false, gpc: true });
    expect((await denied(h.keys.adreach, { subject: 'cust-objects', purpose: 'ad_targeting' }, 'SUBJECT_OBJECTED')).article).toBe('GDPR 21');
  });

  it('lets operator policies narrow a release (POLICY_DENY), never widen one', async () => {
    await h.customer('cust-policy-blocked');
    await h.customer('cust-policy-ok');
    const ok = await h.release(h.keys.broker, { subject: 'cust-policy-ok', purpose: 'customs_clearance' });
    expect(ok.status).toBe(200);
    expect(ok.body.basis).toBe('legal_obligation');
    const body = await denied(h.keys.broker, { subject: 'cust-policy-blocked', purpose: 'customs_clearance' }, 'POLICY_DENY');
    expect(body.detail).toContain('no-broker-for-blocked');
    // A permit for an undeclared purpose in the operator's files would change nothing: statute first.
    await denied(h.keys.broker, { subject: 'cust-policy-ok', purpose: 'order_fulfilment' }, 'UNDECLARED_PURPOSE');
  });

  it('after erasure refuses with SUBJECT_ERASED; the stored ciphertext has no key left', async () => {
    await h.customer('cust-erase');
    await h.grant('cust-erase', 'checkout', ['sellers_fulfilment']);
    const before = await h.release(h.keys.sellerA, { subject: 'cust-erase', purpose: 'order_fulfilment', order_ref: 'cust-erase/A' });
    expect(before.status).toBe(200);
    const relay = before.body.items.phone as string;
    const del = await h.call('DELETE', '/v1/subjects/cust-erase/data', h.admin);
    expect(del).toMatchObject({ status: 200, body: { subject: 'cust-erase', erased: true } });
    await denied(h.keys.sellerA, { subject: 'cust-erase', purpose: 'order_fulfilment', order_ref: 'cust-erase/A' }, 'SUBJECT_ERASED');
    const [key] = await h.app.ctx.db.query<any>("SELECT wrapped_key, destroyed_at FROM vault_keys WHERE subject = 'cust-erase'");
    expect(key.wrapped_key).toBeNull();
    expect(key.destroyed_at).toBeInstanceOf(Date);
    const sealed = await h.app.ctx.db.query<{ sealed: Uint8Array }>("SELECT sealed FROM vault_items WHERE subject = 'cust-erase'");
    expect(sealed.length).toBe(Object.keys(DATA).length);
    for (const s of sealed) for (const v of Object.values(DATA)) expect(Buffer.from(s.sealed).includes(Buffer.from(v))).toBe(false);
    await expect(h.app.ctx.vault.read('cust-erase', ['name'])).rejects.toMatchObject({ code: 'SUBJECT_ERASED' });
    expect(await h.app.ctx.issuers.resolveRelay(relay, Date.now())).toBeUndefined();
    expect((await h.call('GET', '/v1/subjects/cust-erase/data', h.admin)).body).toMatchObject({ erased: true, items: [] });
    expect((await h.call('PUT', '/v1/subjects/cust-erase/data', h.admin, { name: 'x' })).body.code).toBe('SUBJECT_ERASED');
    const [subj] = await h.app.ctx.db.query<any>("SELECT erased_at FROM subjects WHERE id = 'cust-erase'");
    expect(subj.erased_at).toBeInstanceOf(Date);
  });

  it('never lets one recipient obtain another recipient\'s release', async () => {
    await h.customer('cust-scoped');
    await h.grant('cust-scoped', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-a' });
    expect((await h.release(h.keys.sellerA, { subject: 'cust-scoped', purpose: 'order_fulfilment', order_ref: 'cust-scoped/A' })).status).toBe(200);
    await denied(h.keys.sellerB, { subject: 'cust-scoped', purpose: 'order_fulfilment', order_ref: 'cust-scoped/B' }, 'NO_CONSENT');
    // The recipient is the key's; a body cannot name another.
    const spoof = await records(h, 0, () => h.release(h.keys.sellerB, { subject: 'cust-scoped', purpose: 'order_fulfilment', order_ref: 'cust-scoped/B', recipient: 'seller-a' }));
    expect(spoof.status).toBe(422);
    const explain = await h.call('POST', '/v1/releases/explain', h.keys.sellerB, { subject: 'cust-scoped', purpose: 'order_fulfilment', order_ref: 'cust-scoped/B', recipient: 'seller-a' });
    expect(explain).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_RECIPIENT', path: 'recipient' } });
    // Subject and admin keys are not recipient keys.
    expect((await h.release(h.admin, { subject: 'cust-scoped', purpose: 'order_fulfilment' })).status).toBe(403);
  });

  it('answers bad keys and bad bodies with 4xx, a path, and no decision', async () => {
    await records(h, 0, async () => {
      expect((await h.release('cg_rcp_0000_bogus', { subject: 'cust-1', purpose: 'order_fulfilment' })).status).toBe(401);
      expect((await h.release(undefined as unknown as string, { subject: 'cust-1', purpose: 'order_fulfilment' })).status).toBe(401);
      const bad = await h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A', items: ['name', 7] });
      expect(bad).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', path: 'items[1]' } });
      const badSubject = await h.release(h.keys.sellerA, { subject: 'has space', purpose: 'order_fulfilment', order_ref: 'has space/A' });
      expect(badSubject.body.path).toBe('subject');
      const malformed = await h.release(h.keys.sellerA, '{"subject": ');
      expect(malformed.status).toBe(400);
      const huge = await h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'x'.repeat(20_000) });
      expect(huge.status).toBe(413);
      const tooMany = await h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A', items: Array.from({ length: 101 }, () => 'name') });
      expect(tooMany.body.path).toBe('items');
    });
  });

  it('explains a decision with its trace, releasing and recording nothing', async () => {
    const e = await records(h, 0, () => h.call('POST', '/v1/releases/explain', h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A' }));
    expect(e.status).toBe(200);
    expect(e.body).toMatchObject({ allow: true, code: null, recipient: 'seller-a', declaration_id: 'sellers_fulfilment', basis: 'consent' });
    expect(e.body.items).toContainEqual({ category: 'phone', form: 'safe_number' });
    expect(e.body.trace.map((s: { check: string }) => s.check)).toEqual(expect.arrayContaining(['subject', 'recipient', 'consent', 'transfer', 'policy']));
    expect(JSON.stringify(e.body)).not.toContain(DATA.name);
    const d = await h.call('POST', '/v1/releases/explain', h.admin, { recipient: 'seller-b', subject: 'cust-noconsent', purpose: 'order_fulfilment', order_ref: 'cust-noconsent/B' });
    expect(d.body).toMatchObject({ allow: false, code: 'NO_CONSENT', article: 'PIPA 17(1)' });
    expect(d.body.trace.at(-1)).toMatchObject({ check: 'consent', ok: false });
    const noRecipient = await h.call('POST', '/v1/releases/explain', h.admin, { subject: 'cust-1', purpose: 'order_fulfilment' });
    expect(noRecipient).toMatchObject({ status: 422, body: { path: 'recipient' } });
  });

  it('fails the release, releasing nothing, when the decision cannot be recorded', async () => {
    const db = h.app.ctx.db;
    const leavesBefore = (await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM ledger_entries'))[0]!.n;
    await db.exec('ALTER TABLE release_decisions ADD CONSTRAINT t_refuse_all CHECK (false) NOT VALID');
    try {
      const r = await records(h, 0, () => h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A' }));
      expect(r.status).toBe(500);
      expect(r.body.code).toBe('DECISION_NOT_RECORDED');
      expect(JSON.stringify(r.body)).not.toContain(DATA.name);
      const d = await h.release(h.keys.courier, { subject: 'cust-1', purpose: 'marketing' });
      expect(d).toMatchObject({ status: 500, body: { code: 'DECISION_NOT_RECORDED' } });
    } finally {
      await db.exec('ALTER TABLE release_decisions DROP CONSTRAINT t_refuse_all');
    }
    // The ledger leaf of the failed batch was rolled back with it.
    expect((await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM ledger_entries'))[0]!.n).toBe(leavesBefore);
    expect((await h.release(h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A' })).status).toBe(200);
  });

  it('property: released ⊆ declared ∩ requested, and every answer has exactly one record', async () => {
    const declared = ['name', 'phone', 'address', 'customs_code'];
    const all = [...declared, 'email', 'order_history', 'payment_token'];
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.uniqueArray(fc.constantFrom(...all), { minLength: 1, maxLength: 5 }), { nil: undefined }),
        fc.constantFrom('cust-1', 'cust-noconsent', 'cust-withdrawn'),
        fc.constantFrom<'sellerA' | 'sellerB' | 'courier'>('sellerA', 'sellerB', 'courier'),
        async (items, subject, who) => {
          const orderRef = who === 'courier' ? {} : { order_ref: `${subject}/${who === 'sellerA' ? 'A' : 'B'}` };
          const r = await records(h, 1, () => h.release(h.keys[who], { subject, purpose: 'order_fulfilment', ...orderRef, ...(items ? { items } : {}) }));
          expect([200, 403]).toContain(r.status);
          if (r.status !== 200) return;
          const got = Object.keys(r.body.items);
          const decl = who === 'courier' ? ['name', 'phone', 'address'] : declared;
          for (const c of got) {
            expect(decl).toContain(c);
            if (items) expect(items).toContain(c);
          }
          if (items && items.some((c) => !decl.includes(c))) throw new Error('undeclared items must be refused, not dropped');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('records exactly one decision per answer under concurrency', async () => {
    const bodies = Array.from({ length: 60 }, (_, i) => [
      [h.keys.sellerA, { subject: 'cust-1', purpose: 'order_fulfilment', order_ref: 'cust-1/A' }],
      [h.keys.courier, { subject: 'cust-1', purpose: 'marketing' }],
      [h.keys.sellerB, { subject: 'cust-noconsent', purpose: 'order_fulfilment', order_ref: 'cust-noconsent/B' }],
    ][i % 3]! as [string, unknown]);
    const before = await h.decisions();
    const answers = await Promise.all(bodies.map(([k, b]) => h.release(k, b)));
    const ids = new Set(answers.map((a) => a.body.decision_id));
    expect(answers.filter((a) => a.status === 200).length).toBe(20);
    expect(answers.filter((a) => a.status === 403).length).toBe(40);
    expect(ids.size).toBe(60);
    expect(await h.decisions()).toBe(before + 60);
  });

  it('stores vault data for admins only, returning no values', async () => {
    expect((await h.call('PUT', '/v1/subjects/cust-1/data', h.keys.sellerA, { name: 'x' })).status).toBe(403);
    const got = await h.call('GET', '/v1/subjects/cust-1/data', h.admin);
    expect(got.status).toBe(200);
    expect(got.body.items.map((i: { category: string }) => i.category)).toEqual(['address', 'customs_code', 'email', 'name', 'phone']);
    expect(JSON.stringify(got.body)).not.toContain(DATA.name);
    const bad = await h.call('PUT', '/v1/subjects/cust-1/data', h.admin, { passport: 'M1234567' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'UNKNOWN_CATEGORY', path: 'passport' } });
    const big = await h.call('PUT', '/v1/subjects/cust-1/data', h.admin, { name: 'x'.repeat(17 * 1024) });
    expect(big.status).toBe(422);
    const removed = await h.call('PUT', '/v1/subjects/cust-1/data', h.admin, { email: null });
    expect(removed.body).toEqual({ subject: 'cust-1', stored: [], removed: ['email'] });
  });

  it('refuses with NO_TRANSFER_GROUND and RETENTION_EXPIRED after a registry change', async () => {
    const doc = parse(readFileSync('examples/marketplace/registry.yaml', 'utf8'));
    // Sellers now only in mainland China: seller-b (Hong Kong) is outside every declared country.
    doc.recipient_classes[0].countries = ['CN'];
    // Customs filing may use data only for one second after collection.
    doc.declarations.find((d: { id: string }) => d.id === 'customs_filing').retention = { duration: 'PT1S', from: 'collection' };
    const stored = await h.app.ctx.registry.store(stringify(doc), 'test');
    await h.app.ctx.registry.activate(stored.row.version, 'test');
    await h.customer('cust-hk');
    await h.grant('cust-hk', 'checkout', ['sellers_fulfilment']);
    expect((await h.release(h.keys.sellerA, { subject: 'cust-hk', purpose: 'order_fulfilment', order_ref: 'cust-hk/A' })).status).toBe(200);
    expect((await denied(h.keys.sellerB, { subject: 'cust-hk', purpose: 'order_fulfilment', order_ref: 'cust-hk/B' }, 'NO_TRANSFER_GROUND')).article).toBe('PIPA 28-8(1)');
    await sleep(1100);
    expect((await denied(h.keys.broker, { subject: 'cust-hk', purpose: 'customs_clearance' }, 'RETENTION_EXPIRED')).article).toBe('PIPA 21');
  });
});
