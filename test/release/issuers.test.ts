import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Issuers, hashToken, isPhoneRelay } from '../../src/app/issuers.ts';
import { VaultService } from '../../src/app/vault-service.ts';
import { DecisionsRepo, registerDecisionWriter, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { newDataKey } from '../../src/vault/envelope.ts';
import { LocalKeyProvider } from '../../src/vault/key-provider.ts';
import { engines, openTestDatabase } from '../support/engines.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;

function row(id: string, over: Partial<DecisionRow> = {}): DecisionRow {
  return {
    id,
    recipient: 'hanbit_express',
    subjectPseudonym: 'sp_test',
    purpose: 'order_fulfilment',
    requested: null,
    released: [{ category: 'email', form: 'token' }],
    allow: true,
    code: null,
    article: null,
    basis: 'contract_necessity',
    declarationId: 'courier_delivery',
    trace: [{ check: 'subject', ok: true, detail: 'known' }],
    registryHash: 'h'.repeat(64),
    noticeHash: null,
    consentEventId: null,
    orderRef: null,
    retentionUntil: T0 + 30 * DAY,
    at: T0,
    viaDecision: null,
    tokens: [],
    ...over,
  };
}

describe.each(engines())('tokens, relays and decision records on %s', (engine) => {
  let db: Database;
  let vault: VaultService;
  let issuers: Issuers;
  let journal: Journal;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    vault = await VaultService.open(db, { keys: new LocalKeyProvider('t', [newDataKey()]), categories: () => new Set(['phone', 'email', 'name']) });
    issuers = await Issuers.open(db, vault, { operatorDomain: () => 'harbor-bazaar.example' });
    journal = new Journal(db, sqlLedgerAppender);
    registerDecisionWriter(journal);
    await vault.put('c1', { phone: '010-1111-2222', email: 'c1@mail.example' }, T0);
    await vault.put('c2', { phone: '010-3333-4444' }, T0);
  });
  afterAll(async () => {
    await journal?.close();
    await issuers?.close();
    await vault?.close();
    await db?.close();
  });

  it('allocates one stable 050 relay per (recipient, subject, category) and resolves it to the real number', async () => {
    const b = { recipientId: 'hanbit_express', subject: 'c1', category: 'phone' };
    const r1 = await issuers.relay(b, 'phone', T0, T0 + 30 * DAY);
    expect(isPhoneRelay(r1)).toBe(true);
    expect(await issuers.relay(b, 'phone', T0 + DAY, T0 + 31 * DAY)).toBe(r1);
    const other = await issuers.relay({ ...b, recipientId: 'seller-x' }, 'phone', T0, T0 + 30 * DAY);
    expect(other).not.toBe(r1);
    expect(await issuers.resolveRelay(r1, T0 + DAY)).toEqual({ recipient: 'hanbit_express', category: 'phone', value: '010-1111-2222' });
    // Extended by the later release: still routes after the first retention end.
    expect(await issuers.resolveRelay(r1, T0 + 30 * DAY + 1)).toBeDefined();
    expect(await issuers.resolveRelay(r1, T0 + 32 * DAY)).toBeUndefined();
    const dump = JSON.stringify(await db.query('SELECT * FROM safe_numbers'));
    expect(dump).not.toContain('010-1111-2222');
  });

  it('makes proxy e-mails under the operator domain', async () => {
    const r = await issuers.relay({ recipientId: 'adreach', subject: 'c1', category: 'email' }, 'email', T0, null);
    expect(r).toMatch(/^r-[a-z2-7]{12}@relay\.harbor-bazaar\.example$/);
    expect((await issuers.resolveRelay(r, T0 + 1000 * DAY))?.value).toBe('c1@mail.example');
  });

  it('revocation per (recipient, subject) ends the relay; the next release gets a new number', async () => {
    const b = { recipientId: 'courier-2', subject: 'c2', category: 'phone' };
    const r1 = await issuers.relay(b, 'phone', T0, T0 + DAY);
    const untouched = await issuers.relay({ ...b, recipientId: 'courier-3' }, 'phone', T0, T0 + DAY);
    expect(await issuers.revoke('c2', 'courier-2', T0 + 1)).toMatchObject({ relays: 1 });
    expect(await issuers.resolveRelay(r1, T0 + 2)).toBeUndefined();
    expect(await issuers.resolveRelay(untouched, T0 + 2)).toBeDefined();
    const r2 = await issuers.relay(b, 'phone', T0 + 3, T0 + DAY);
    expect(r2).not.toBe(r1);
    expect(await issuers.resolveRelay(r2, T0 + 4)).toBeDefined();
  });

  it('stores tokens only with their decision, hashed, and finds them for their recipient only', async () => {
    const session = issuers.session();
    const token = await session.tokens.issueToken(
      { recipientId: 'adreach', subject: 'c1', category: 'email', declarationId: 'ad_partner', at: T0, expiresAt: T0 + DAY },
    );
    expect(token).toMatch(/^cgt_[A-Za-z0-9_-]{32}$/);
    // Stored as SHA-256 hex of the token, as tokens issued before the one-shot hash were.
    expect(session.issued[0]!.hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(Buffer.from(hashToken(token)).toString('hex')).toBe(session.issued[0]!.hash);
    await expect(issuers.findRedeemable('adreach', token, T0)).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    const repo = new DecisionsRepo(db);
    const before = await repo.count();
    const { leafIndex } = await journal.append('release_decision', row('dec_tok', { recipient: 'adreach', tokens: session.issued }), { decision_id: 'dec_tok' });
    expect(await repo.count()).toBe(before + 1);
    expect((await repo.get('dec_tok'))?.leaf_index).toBe(leafIndex);
    expect(await issuers.findRedeemable('adreach', token, T0 + 1)).toMatchObject({ subject: 'c1', category: 'email', declarationId: 'ad_partner', decisionId: 'dec_tok' });
    await expect(issuers.findRedeemable('hanbit_express', token, T0 + 1)).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND', status: 404 });
    await expect(issuers.findRedeemable('adreach', token, T0 + DAY)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', status: 410 });
    await expect(issuers.findRedeemable('adreach', 'cgt_short', T0)).rejects.toMatchObject({ code: 'INVALID_TOKEN', path: 'token' });
    const dump = JSON.stringify(await db.query('SELECT * FROM release_tokens'));
    expect(dump).not.toContain(token.slice(4));
    await issuers.revoke('c1', 'adreach', T0 + 2);
    await expect(issuers.findRedeemable('adreach', token, T0 + 3)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('a batch of decisions is all or nothing: a failing row rejects every decision in it', async () => {
    const repo = new DecisionsRepo(db);
    const before = await repo.count();
    const results = await Promise.allSettled([
      journal.append('release_decision', row('dec_a'), { decision_id: 'dec_a' }),
      journal.append('release_decision', row('dec_tok'), { decision_id: 'dec_tok' }), // duplicate id
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await repo.count()).toBe(before);
    const ok = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append('release_decision', row(`dec_b${i}`), { decision_id: `dec_b${i}` })));
    expect(new Set(ok.map((o) => o.leafIndex)).size).toBe(50);
    expect(await repo.count()).toBe(before + 50);
  });

  it('erasure revokes every token and relay of the subject', async () => {
    await vault.put('c3', { phone: '010-5555-6666' }, T0);
    const r = await issuers.relay({ recipientId: 'hanbit_express', subject: 'c3', category: 'phone' }, 'phone', T0, null);
    await vault.erase('c3', T0 + 1);
    expect(await issuers.resolveRelay(r, T0 + 2)).toBeUndefined();
    const [n] = await db.query<{ n: number }>("SELECT count(*)::int8 AS n FROM safe_numbers WHERE subject = 'c3' AND revoked_at IS NULL");
    expect(n!.n).toBe(0);
  });
});
