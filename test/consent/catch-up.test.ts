import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/sql.ts';
import { engines } from '../support/engines.ts';
import { demoModel } from '../notice/support.ts';
import { grantReq, startServerPair, type Server, type ServerPair } from './harness.ts';
import { waitFor } from '../support/wait.ts';

/** The catch-up read: events after a leaf, in log order (ConsentRepo.eventsAfter). */
const CATCH_UP_READ = /FROM consent_events WHERE leaf_index > \$1/;

/**
 * A Database whose catch-up reads are counted, and can be held after they ran (the read has
 * taken its snapshot, its caller has not seen the rows yet).
 */
function observed(db: Database) {
  const o = {
    reads: 0,
    hold: undefined as Promise<void> | undefined,
    /** Resolves when a read ran while `hold` was set. */
    readDone: undefined as (() => void) | undefined,
    db: {
      ...db,
      async query<R>(text: string, params?: readonly unknown[]): Promise<R[]> {
        const rows = await db.query<R>(text, params);
        if (CATCH_UP_READ.test(text)) {
          o.reads++;
          const hold = o.hold;
          if (hold) {
            o.hold = undefined;
            o.readDone?.();
            await hold;
          }
        }
        return rows;
      },
    } as Database,
  };
  return o;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe.each(engines())('consent catch-up on %s', (engine) => {
  let pair: ServerPair;
  let seen: ReturnType<typeof observed>;
  let a: Server;
  let b: Server;
  let checkout: string;
  const model = demoModel();
  const grant = (srv: Server, subject: string, eventId: string) =>
    srv.consent.grant(subject, grantReq({ noticeHash: checkout, decisions: [{ declarationId: 'sellers_fulfilment', grant: true, recipientId: 'seller-1', eventId }] }), { caller: 'subject' });
  const knows = (srv: Server, subject: string) => srv.consent.status(subject, 'sellers_fulfilment', 'seller-1', Date.now()).state === 'active';

  beforeAll(async () => {
    pair = await startServerPair(engine, model, (db) => (seen = observed(db)).db);
    ({ a, b } = pair);
    checkout = (await a.consent.notice('checkout', 'seller-1')).hash;
    for (const id of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']) await b.subjects.create({ id, jurisdiction: 'KR', issueToken: false }, 'test');
  }, 60_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('serves a burst of catch-up requests with one read, and that read applies the other server\'s events', async () => {
    await grant(b, 'c-1', 'burst-0001');
    // Everything before the burst is settled: the read below is the burst's own.
    expect(await waitFor(() => knows(a, 'c-1'), 5000)).toBe(true);
    await a.consent.catchUp();
    await grant(b, 'c-2', 'burst-0002');
    const before = seen.reads;
    // Notifications of N small transactions on another server arrive as N calls.
    await Promise.all(Array.from({ length: 50 }, () => a.consent.catchUp()));
    expect(knows(a, 'c-2')).toBe(true);
    // One for the burst, at most one more for B's NOTIFY if it arrived after the read began.
    expect(seen.reads - before).toBeLessThanOrEqual(2);
  });

  it('never answers a catch-up with a read that began before the call', async () => {
    await a.consent.catchUp();
    let release!: () => void;
    seen.hold = new Promise<void>((r) => (release = r));
    const ran = new Promise<void>((r) => (seen.readDone = r));
    const first = a.consent.catchUp();
    let second: Promise<void> | undefined;
    try {
      await ran; // the read has run and is held: it cannot contain what commits now
      await grant(b, 'c-3', 'late-0001');
      second = a.consent.catchUp();
    } finally {
      release();
    }
    await first;
    await second;
    expect(knows(a, 'c-3')).toBe(true);
  });

  it('does not read back its own batches', async () => {
    // The first own batch after B's leaves leaves a gap to read once; after that A's own
    // commits are applied by `commit` itself and their NOTIFY needs no read.
    await grant(a, 'c-4', 'own-00001');
    await a.consent.catchUp();
    const before = seen.reads;
    await grant(a, 'c-4', 'own-00002');
    await grant(a, 'c-5', 'own-00003');
    for (let i = 0; i < 20; i++) await tick();
    await new Promise((r) => setTimeout(r, 50)); // PostgreSQL delivers NOTIFY on another connection
    for (let i = 0; i < 5; i++) await tick();
    expect(seen.reads - before).toBe(0);
    // …and what it wrote is visible to the other server all the same.
    expect(await waitFor(() => knows(b, 'c-5'), 5000)).toBe(true);
  });
});
