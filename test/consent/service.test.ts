import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/core/consent/receipt.ts';
import { ConsentProjection } from '../../src/core/consent/projection.ts';
import { ConsentRepo } from '../../src/store/consent-repo.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { demoModel } from '../notice/support.ts';
import { grantReq, startServer, withdrawReq, type Server } from './harness.ts';

describe.each(engines())('consent service on %s', (engine) => {
  let db: Database;
  let s: Server;
  const model = demoModel();
  let checkout: string;
  let marketing: string;
  /** The checkout notice naming one seller: what a consent scoped to that seller cites (PIPA 17(2)1). */
  const naming = async (seller: string) => (await s.consent.notice('checkout', seller)).hash;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    s = await startServer(db, model);
    checkout = (await s.consent.notice('checkout')).hash;
    marketing = (await s.consent.notice('marketing')).hash;
    await s.subjects.create({ id: 'cust-1', jurisdiction: 'KR', birthDate: '1990-05-05', issueToken: false }, 'test');
    await s.subjects.create({ id: 'cust-2', jurisdiction: 'EU', issueToken: false }, 'test');
    await s.subjects.create({ id: 'kid-1', jurisdiction: 'KR', birthDate: '2016-02-02', issueToken: false }, 'test');
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await db?.close();
  });

  const count = async (table: string) => Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);

  it('stores every notice version through the journal, with a log leaf', async () => {
    const rows = await db.query<{ hash: string; leaf_index: number }>('SELECT hash, leaf_index FROM notice_versions ORDER BY leaf_index');
    expect(rows.map((r) => r.hash)).toEqual(expect.arrayContaining([checkout, marketing]));
    const [leaf] = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [rows[0]!.leaf_index]);
    expect(JSON.parse(Buffer.from(leaf!.entry).toString())).toMatchObject({ kind: 'notice_version', type: 'notice', hash: rows[0]!.hash });
  });

  it('grants, returns a signed receipt with its ledger leaf, and the gate sees it at once', async () => {
    const c7 = await naming('seller-7');
    const { receipt, replayed } = await s.consent.grant(
      'cust-1',
      grantReq({ noticeHash: c7, channel: 'web', decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-7', eventId: 'order-1001-consent' }] }),
      { caller: 'subject' },
    );
    expect(replayed).toBe(false);
    expect(verifyReceipt(receipt, await s.consent.publicKeys())).toEqual({ valid: true, kid: s.keys.active.kid });
    expect(receipt).toMatchObject({
      jurisdiction: 'KR',
      controller: { name: { ko: '하버바자 주식회사', en: 'Harbor Bazaar Pte. Ltd.' }, contact: { email: 'privacy@harbor-bazaar.example' } },
      subject: { pseudonym: s.subjects.record('cust-1')!.pseudonym },
      collection: { channel: 'web', actor: 'subject', collectionPoint: 'checkout', noticeHash: c7 },
      consents: [
        {
          eventId: 'order-1001-consent',
          action: 'grant',
          declarationId: 'sellers_fulfilment',
          purpose: { id: 'order_fulfilment', required: true },
          legalBasis: 'consent',
          recipient: { id: 'cn_sellers', countries: ['CN', 'HK'], scope: 'seller-7' },
          items: ['name', 'phone', 'address', 'customs_code'],
          retention: { duration: 'P90D', from: 'contract_end' },
          transfer: { countries: ['CN', 'HK'], ground: 'consent' },
        },
      ],
    });
    const status = s.consent.status('cust-1', 'sellers_fulfilment', 'seller-7', Date.now());
    expect(status).toMatchObject({ state: 'active', noticeHash: c7, eventId: 'order-1001-consent' });
    // The notice cited names the seller (PIPA 17(2)1); the receipt says so too.
    expect(receipt.consents[0]!.recipient).toMatchObject({ member: { id: 'seller-7', name: 'Seller 7 Co., Ltd.', country: 'CN' } });
    expect(receipt.consents[0]!.choice).toBe('provision');
    // Scoped to one seller: another seller is not covered.
    expect(s.consent.status('cust-1', 'sellers_fulfilment', 'seller-8', Date.now()).state).toBe('none');

    // The log leaf holds the request without plaintext personal data.
    const [leaf] = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [receipt.ledger.leafIndex]);
    const text = Buffer.from(leaf!.entry).toString();
    expect(JSON.parse(text)).toMatchObject({ kind: 'consent_event', receiptId: receipt.receiptId, subject: receipt.subject.pseudonym });
    expect(text).not.toContain('cust-1');
    expect(text).not.toContain('seller-7');
  });

  it('is idempotent on event ids: a retry returns the same receipt and writes nothing', async () => {
    const before = await count('consent_events');
    const body = { noticeHash: await naming('seller-7'), channel: 'web', decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-7', eventId: 'order-1001-consent' }] };
    const again = await s.consent.grant('cust-1', grantReq(body), { caller: 'subject' });
    expect(again.replayed).toBe(true);
    expect(again.receipt.consents[0]!.eventId).toBe('order-1001-consent');
    expect(verifyReceipt(again.receipt, s.keys.active.publicKey).valid).toBe(true);
    expect(await count('consent_events')).toBe(before);
    // The same id for another decision (a refusal, another seller), or from another subject, is a
    // conflict: only the identical request replays, and nothing is written.
    await expect(
      s.consent.grant('cust-1', grantReq({ ...body, decisions: [{ declarationId: 'sellers_fulfilment', grant: false, eventId: 'order-1001-consent', recipientId: 'seller-9' }] }), { caller: 'subject' }),
    ).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT', status: 409, path: 'decisions[0].eventId' });
    await expect(
      s.consent.grant('cust-1', grantReq({ ...body, decisions: [{ declarationId: 'sellers_fulfilment', grant: false, eventId: 'order-1001-consent', recipientId: 'seller-7' }] }), { caller: 'subject' }),
    ).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
    // A withdrawal reusing the grant's id is refused, never answered "replayed" with the consent still active.
    await expect(s.consent.withdraw('cust-1', withdrawReq({ eventId: 'order-1001-consent' }), { caller: 'subject' })).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT', status: 409, path: 'eventId' });
    expect(s.consent.status('cust-1', 'sellers_fulfilment', 'seller-7', Date.now()).state).toBe('active');
    await expect(
      s.consent.grant('cust-2', grantReq(body), { caller: 'subject' }),
    ).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT', status: 409, path: 'decisions[0].eventId' });
    await expect(
      s.consent.grant('cust-1', grantReq({ noticeHash: marketing, decisions: [{ declarationId: 'ad_partner', grant: true, eventId: 'order-1001-consent' }] }), { caller: 'subject' }),
    ).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
    expect(await count('consent_events')).toBe(before);
  });

  it('keeps required and optional apart: refusing the optional leaves the required grant alone', async () => {
    await s.consent.grant('cust-2', grantReq({ noticeHash: await naming('seller-1'), decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }] }), { caller: 'subject' });
    const r = await s.consent.grant('cust-2', grantReq({ noticeHash: marketing, decisions: [{ declarationId: 'ad_partner', grant: false }] }), { caller: 'subject' });
    expect(r.receipt.consents[0]).toMatchObject({ action: 'withdraw', purpose: { required: false } });
    expect(s.consent.status('cust-2', 'sellers_fulfilment', 'seller-1', Date.now()).state).toBe('active');
    expect(s.consent.status('cust-2', 'ad_partner', 'adreach', Date.now()).state).toBe('withdrawn');
    const view = await s.consent.consents('cust-2');
    expect(view.entries.map((e) => [e.declarationId, e.required, e.status.state])).toEqual([
      ['ad_partner', false, 'withdrawn'],
      ['sellers_fulfilment', true, 'active'],
    ]);
  });

  it('writes nothing when any decision of a request is bad', async () => {
    const before = await count('consent_events');
    const leaves = await count('ledger_entries');
    await expect(
      s.consent.grant('cust-2', grantReq({ noticeHash: await naming('seller-1'), decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }, { declarationId: 'ad_partner', grant: true }] }), { caller: 'subject' }),
    ).rejects.toMatchObject({ code: 'DECLARATION_NOT_IN_NOTICE', status: 422, path: 'decisions[1].declarationId' });
    await expect(s.consent.grant('nobody', grantReq({ noticeHash: checkout, decisions: [{ declarationId: 'sellers_fulfilment', grant: true }] }), { caller: 'admin' })).rejects.toMatchObject({ code: 'UNKNOWN_SUBJECT', status: 404 });
    await expect(s.consent.grant('cust-2', grantReq({ noticeHash: 'f'.repeat(64), decisions: [{ declarationId: 'sellers_fulfilment', grant: true }] }), { caller: 'subject' })).rejects.toMatchObject({ code: 'UNKNOWN_NOTICE', path: 'noticeHash' });
    await expect(s.consent.grant('kid-1', grantReq({ noticeHash: marketing, decisions: [{ declarationId: 'ad_partner', grant: true }] }), { caller: 'subject' })).rejects.toMatchObject({ code: 'GUARDIAN_REQUIRED', status: 422 });
    expect(await count('consent_events')).toBe(before);
    expect(await count('ledger_entries')).toBe(leaves);
  });

  it('records a verified guardian consent for a child', async () => {
    const r = await s.consent.grant('kid-1', grantReq({ noticeHash: marketing, decisions: [{ declarationId: 'ad_partner', grant: true }], guardian: { verified: true, method: 'mobile identity verification', reference: 'kcb-77' } }), { caller: 'subject' });
    expect(r.receipt.collection.actor).toBe('guardian');
    const [ev] = await s.consent.history('kid-1', 10);
    expect(ev).toMatchObject({ actor: 'guardian', evidence: { guardianMethod: 'mobile identity verification', guardianReference: 'kcb-77' } });
  });

  it('records GPC as an objection the gate sees', async () => {
    expect(s.consent.hasObjected('cust-1', 'ad_targeting')).toBe(false);
    const r = await s.consent.grant('cust-1', grantReq({ noticeHash: await naming('seller-7'), decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-7' }] }), { caller: 'subject', gpc: true });
    expect(r.receipt.consents.map((c) => c.action)).toEqual(['grant', 'object']);
    expect(s.consent.hasObjected('cust-1', 'ad_targeting')).toBe(true);
    expect(s.consent.hasObjected('cust-1', 'marketing')).toBe(false);
    expect((await s.consent.consents('cust-1')).objections).toEqual(['ad_targeting']);
  });

  it('withdraws everything in one call, idempotently', async () => {
    const r = await s.consent.withdraw('cust-1', withdrawReq({ eventId: 'withdraw-cust-1-all' }), { caller: 'subject' });
    expect(r.receipt.consents.every((c) => c.action === 'withdraw')).toBe(true);
    expect(verifyReceipt(r.receipt, s.keys.active.publicKey).valid).toBe(true);
    expect(s.consent.status('cust-1', 'sellers_fulfilment', 'seller-7', Date.now()).state).toBe('withdrawn');
    const again = await s.consent.withdraw('cust-1', withdrawReq({ eventId: 'withdraw-cust-1-all' }), { caller: 'subject' });
    expect(again).toMatchObject({ replayed: true, receipt: { receiptId: r.receipt.receiptId } });
    // The same id naming exactly what "everything" withdrew is another request: 409, not a replay.
    const named = r.receipt.consents.map((c) => c.declarationId!);
    await expect(s.consent.withdraw('cust-1', withdrawReq({ eventId: 'withdraw-cust-1-all', declarationIds: named }), { caller: 'subject' })).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT', status: 409, path: 'eventId' });
    // And the other way round (the property test's counterexample, seed 1114513442).
    const one = await s.consent.withdraw('cust-2', withdrawReq({ eventId: 'withdraw-cust-2-named', declarationIds: ['sellers_fulfilment:transfer'] }), { caller: 'subject' });
    expect(one.replayed).toBe(false);
    await expect(s.consent.withdraw('cust-2', withdrawReq({ eventId: 'withdraw-cust-2-named' }), { caller: 'subject' })).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT', status: 409, path: 'eventId' });
    await expect(s.consent.withdraw('cust-1', withdrawReq({}), { caller: 'subject' })).rejects.toMatchObject({ code: 'NO_CONSENT_TO_WITHDRAW', status: 409 });
  });

  it('never lets consent to an old notice version cover what only the new version shows', async () => {
    await s.subjects.create({ id: 'cust-3', jurisdiction: 'KR', issueToken: false }, 'test');
    const old = await naming('seller-1');
    await s.consent.grant('cust-3', grantReq({ noticeHash: old, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }] }), { caller: 'subject' });
    const v2 = demoModel((doc) => {
      doc.declarations.find((d: any) => d.id === 'sellers_fulfilment').items.push({ category: 'email', form: 'plain' });
    });
    s.registry.activate(v2);
    const newHash = await naming('seller-1');
    expect(newHash).not.toBe(old);
    const st = s.consent.status('cust-3', 'sellers_fulfilment', 'seller-1', Date.now());
    expect(st).toMatchObject({ state: 'active', noticeHash: old });
    expect(st.state !== 'none' && st.items).not.toContain('email');
    // The items changed: the consent is stale (the gate answers CONSENT_STALE) and is listed as such.
    expect((await s.consent.consents('cust-3')).entries.find((e) => e.declarationId === 'sellers_fulfilment')).toMatchObject({ stale: true, choice: 'provision' });
    expect(s.consent.staleConsents().consents.some((c) => c.subjectId === 'cust-3')).toBe(true);
    // The old version stays a known version; the new one covers the new item.
    expect(await s.consent.noticeByHash(old)).toBeDefined();
    const r = await s.consent.grant('cust-3', grantReq({ noticeHash: newHash, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1' }] }), { caller: 'subject' });
    expect(r.receipt.consents[0]!.items).toContain('email');
    expect((await s.consent.consents('cust-3')).entries.find((e) => e.declarationId === 'sellers_fulfilment')).toMatchObject({ stale: false });
    expect(s.consent.staleConsents().consents.some((c) => c.subjectId === 'cust-3')).toBe(false);
    s.registry.activate(model);
  });

  it('rebuilds the same state from the events, in memory and in SQL', async () => {
    const repo = new ConsentRepo(db);
    const fresh = await startServer(db, model);
    const folded = ConsentProjection.fold(await repo.eventsAfter(-1));
    expect(fresh.consent.projection.snapshot()).toEqual(s.consent.projection.snapshot());
    expect(folded.snapshot()).toEqual(s.consent.projection.snapshot());
    expect(await repo.stateRows()).toEqual(folded.snapshot().state);
    expect(await repo.objectionRows()).toEqual(folded.snapshot().objections);
    await fresh.stop();
  });
});
