import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withdrawRequestSchema } from '../../src/core/consent/request.ts';
import { POSTGRES_URL, engines, dropTestSchema } from '../support/engines.ts';
import { startHarness, type Harness } from './harness.ts';

/**
 * Issue 17 item 11: in rounds of 50 parallel releases and one withdrawal, up to 26 allowed
 * decisions per round got ledger indexes after the withdrawal's leaf. The ledger now promises
 * (docs/ledger.md "Order of decisions and withdrawals"): on the server that takes the
 * withdrawal, no allowed decision covered by it gets a leaf after the withdrawal's leaf — and,
 * as before, no release sent after the withdrawal was acknowledged is allowed.
 */
const ROUNDS = 8;
const PARALLEL = 50;

describe.each(engines())('releases racing a withdrawal on %s', (engine) => {
  let h: Harness;
  const schema = `cg_t_race_${process.pid}_${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    h = await startHarness(engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema, dataDir: mkdtempSync(join(tmpdir(), 'cg-race-')) } : {});
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await dropTestSchema(engine, schema);
  });

  it(`in ${ROUNDS} rounds of ${PARALLEL} releases and one withdrawal, no allowed decision follows the withdrawal's leaf`, async () => {
    let allowedTotal = 0;
    let deniedTotal = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const subject = `race-${round}`;
      await h.customer(subject);
      await h.grant(subject, 'checkout', ['sellers_fulfilment']);
      const release = () => h.release(h.keys.sellerA, { subject, purpose: 'order_fulfilment', order_ref: `${subject}/A` });
      // Half the releases go first; the withdrawal is submitted once one of them has its answer,
      // and the other half follow one per turn of the event loop while it is being stored — so
      // releases are at every stage (decided, reading the vault, waiting for a batch) when it lands.
      const inFlight = Array.from({ length: PARALLEL / 2 }, release);
      await Promise.race(inFlight);
      const withdrawal = h.app.ctx.consents.withdraw(subject, withdrawRequestSchema.parse({ declarationIds: ['sellers_fulfilment'] }), { caller: 'subject' });
      for (let i = 0; i < PARALLEL / 2; i++) {
        inFlight.push(release());
        await new Promise((r) => setImmediate(r));
      }
      const { receipt } = await withdrawal;
      const withdrawnAt = receipt.ledger.leafIndex;
      // Sent after the withdrawal was acknowledged: always refused.
      const after = await Promise.all(Array.from({ length: 5 }, release));
      for (const r of after) expect(r.body, `round ${round}`).toMatchObject({ code: 'CONSENT_WITHDRAWN' });

      for (const r of await Promise.all(inFlight)) {
        if (r.status === 200) {
          allowedTotal++;
          expect(r.body.ledger_index, `round ${round}: an allowed decision after the withdrawal's leaf ${withdrawnAt}`).toBeLessThan(withdrawnAt);
        } else {
          deniedTotal++;
          expect(r.status).toBe(403);
          expect(r.body.code).toBe('CONSENT_WITHDRAWN');
          expect(r.body.ledger_index).toBeGreaterThan(withdrawnAt);
        }
      }
      // The stored record agrees with the answers: every allowed decision of this subject is before the leaf.
      const late = await h.app.ctx.db.query<{ n: number }>(
        'SELECT count(*)::int8 AS n FROM release_decision_records WHERE subject_pseudonym = $1 AND allow AND leaf_index > $2',
        [h.app.ctx.subjects.pseudonymOf(subject), withdrawnAt],
      );
      expect(Number(late[0]!.n), `round ${round}`).toBe(0);
    }
    // Both sides of the race happened: some releases were allowed before it, some refused after.
    expect(allowedTotal).toBeGreaterThan(0);
    expect(deniedTotal).toBeGreaterThan(0);
  }, 300_000);
});
