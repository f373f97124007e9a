import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/core/consent/receipt.ts';
import { engines } from '../support/engines.ts';
import { demoModel } from '../notice/support.ts';
import { grantReq, startServerPair, withdrawReq, type Server, type ServerPair } from './harness.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Two servers sharing one database: a withdrawal on one must reach the other's in-memory
 * projection (what its gate reads) within one second. On PostgreSQL the servers have separate
 * connections (two Database handles on one schema); on PGlite they share the one handle.
 */
describe.each(engines())('consent across servers on %s', (engine) => {
  let pair: ServerPair;
  let a: Server;
  let b: Server;
  const model = demoModel();

  beforeAll(async () => {
    pair = await startServerPair(engine, model);
    ({ a, b } = pair);
  }, 60_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('a grant and a withdrawal on one server take effect on the other within 1 s', async () => {
    await a.subjects.create({ id: 'shared-1', jurisdiction: 'EU', issueToken: false }, 'test');
    const hash = (await b.consent.notice('marketing')).hash;
    // Server B has never seen the subject in memory: it finds it in the database.
    const granted = await b.consent.grant('shared-1', grantReq({ noticeHash: hash, decisions: [{ declarationId: 'ad_partner', grant: true }] }), { caller: 'subject' });
    expect(await waitFor(() => a.consent.status('shared-1', 'ad_partner', 'adreach', Date.now()).state === 'active', 1000)).toBe(true);

    const w = await b.consent.withdraw('shared-1', withdrawReq({ declarationIds: ['ad_partner'] }), { caller: 'subject' });
    const t0 = Date.now();
    expect(await waitFor(() => a.consent.status('shared-1', 'ad_partner', 'adreach', Date.now()).state === 'withdrawn', 1000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1000);

    // Either server can vouch for the other's receipts: public keys are shared through the database.
    const keysOnA = await a.consent.publicKeys();
    expect(verifyReceipt(granted.receipt, keysOnA).valid).toBe(true);
    expect(verifyReceipt(w.receipt, keysOnA).valid).toBe(true);
    expect(a.consent.projection.snapshot()).toEqual(b.consent.projection.snapshot());
  });

  it('interleaved writes from both servers converge to one state', async () => {
    await a.subjects.create({ id: 'shared-2', jurisdiction: 'KR', issueToken: false }, 'test');
    // Each seller's grant cites the checkout notice naming that seller (PIPA 17(2)1).
    const hashes = await Promise.all([0, 1, 2, 3].map(async (n) => (await a.consent.notice('checkout', `seller-${n}`)).hash));
    const writes = [];
    for (let i = 0; i < 10; i++) {
      const srv = i % 2 === 0 ? a : b;
      writes.push(srv.consent.grant('shared-2', grantReq({ noticeHash: hashes[i % 4]!, decisions: [{ declarationId: 'sellers_fulfilment', grant: i % 3 !== 0, recipientId: `seller-${i % 4}` }] }), { caller: 'subject' }));
    }
    await Promise.all(writes);
    await a.consent.catchUp();
    await b.consent.catchUp();
    expect(a.consent.projection.snapshot()).toEqual(b.consent.projection.snapshot());
  });
});
