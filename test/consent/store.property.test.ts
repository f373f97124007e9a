import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentProjection } from '../../src/core/consent/projection.ts';
import { CONSENT_KIND, ConsentRepo, consentBatchWriter, type ConsentBatchRow } from '../../src/store/consent-repo.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { history } from './arbitraries.ts';

describe.each(engines())('consent store on %s', (engine) => {
  let db: Database;
  let journal: Journal;
  let repo: ConsentRepo;
  let run = 0;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    journal = new Journal(db, sqlLedgerAppender);
    journal.register<ConsentBatchRow>(CONSENT_KIND, consentBatchWriter);
    repo = new ConsentRepo(db);
  }, 60_000);
  afterAll(async () => {
    await journal?.close();
    await db?.close();
  });

  it('SQL state == in-memory state == fold(events) for random histories written in shared batches', async () => {
    await fc.assert(
      fc.asyncProperty(history(), async (generated) => {
        const prefix = `r${run++}_`;
        const events = generated.map((e) => ({ ...e, eventId: prefix + e.eventId, subjectId: prefix + e.subjectId }));
        // One journal append per request (same generated leaf), all submitted in one tick so
        // several requests — and several updates of one key — share a transaction.
        const requests = new Map<number, typeof events>();
        for (const e of events) requests.set(e.leafIndex, [...(requests.get(e.leafIndex) ?? []), e]);
        await Promise.all(
          [...requests.values()].map((evs) =>
            journal.append<ConsentBatchRow>(
              CONSENT_KIND,
              { receiptId: prefix + evs[0]!.receiptId, subjectId: evs[0]!.subjectId, events: evs, receipt: { text: '{}', parts: new Map() } },
              { type: 'consent' },
            ),
          ),
        );
        const mine = <T extends { subjectId: string }>(rows: T[]) => rows.filter((r) => r.subjectId.startsWith(prefix));
        const stored = mine(await repo.eventsAfter(-1));
        expect(stored.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
        const folded = ConsentProjection.fold(stored).snapshot();
        expect(mine(await repo.stateRows())).toEqual(folded.state);
        expect(mine(await repo.objectionRows())).toEqual(folded.objections);
        // Same decisions as folding the generated history (only the leaf numbers differ).
        const original = ConsentProjection.fold(events).snapshot();
        const strip = (rows: Array<{ leafIndex: number; pos: number }>) => rows.map(({ leafIndex: _l, pos: _p, ...rest }) => rest);
        expect(strip(folded.state)).toEqual(strip(original.state));
        expect(strip(folded.objections)).toEqual(strip(original.objections));
      }),
      { numRuns: engine === 'pglite' ? 25 : 40 },
    );
  }, 120_000);
});
