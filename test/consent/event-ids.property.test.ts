import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentProjection } from '../../src/core/consent/projection.ts';
import { ConsentRepo } from '../../src/store/consent-repo.ts';
import type { Database } from '../../src/store/sql.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { demoModel } from '../notice/support.ts';
import { grantReq, startServer, withdrawReq, type Server } from './harness.ts';

/**
 * Withdrawals are never swallowed. Random sequences of grants, refusals, withdrawals and replays
 * over a small pool of event ids (so ids collide often): an id reused by a different request is
 * 409 EVENT_ID_CONFLICT and writes nothing; only the identical request replays; every accepted
 * request's events are stored; and the state — in memory and in SQL — is the fold of the distinct
 * events stored.
 */
const CHOICES = ['sellers_fulfilment', 'sellers_fulfilment:transfer'] as const;

type Op =
  | { kind: 'grant'; subject: number; seller: number; choices: number[]; grant: boolean; id: number }
  | { kind: 'withdraw'; subject: number; choices: number[] | undefined; id: number }
  | { kind: 'replay'; back: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), subject: fc.nat(1), seller: fc.nat(1), choices: fc.subarray([0, 1], { minLength: 1 }), grant: fc.boolean(), id: fc.nat(5) }),
  fc.record({ kind: fc.constant('withdraw' as const), subject: fc.nat(1), choices: fc.option(fc.subarray([0, 1], { minLength: 1 }), { nil: undefined }), id: fc.nat(5) }),
  fc.record({ kind: fc.constant('replay' as const), back: fc.nat(6) }),
);

describe.each(engines())('consent event ids on %s', (engine) => {
  let db: Database;
  let s: Server;
  const model = demoModel();
  const hashes = new Map<string, string>();
  let run = 0;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    s = await startServer(db, model);
    for (const seller of ['seller-0', 'seller-1']) hashes.set(seller, (await s.consent.notice('checkout', seller)).hash);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await db?.close();
  });

  it('state = fold(distinct events); a reused id is 409 and writes nothing; only the identical request replays', async () => {
    const repo = new ConsentRepo(db);
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
        const r = ++run;
        const subjects = [`p${r}-a`, `p${r}-b`];
        for (const id of subjects) await s.subjects.create({ id, jurisdiction: 'KR', issueToken: false }, 'test');
        /** Each accepted request: what it was (to replay it), and the ids it stored. */
        const accepted: Array<{ run: () => Promise<unknown>; key: string; ids: string[] }> = [];
        const used = new Map<string, string>(); // event id → the request that stored it
        for (const op of ops) {
          let call: () => Promise<{ replayed: boolean; receipt: { consents: ReadonlyArray<{ eventId: string }> } }>;
          let key: string;
          if (op.kind === 'replay') {
            const prev = accepted[accepted.length - 1 - (op.back % Math.max(1, accepted.length))];
            if (!prev) continue;
            const before = await s.consent.history(subjects[0]!, 1000);
            const again = (await prev.run()) as { replayed: boolean };
            expect(again.replayed).toBe(true);
            expect(await s.consent.history(subjects[0]!, 1000)).toEqual(before);
            continue;
          }
          const subject = subjects[op.subject]!;
          const id = `r${r}-event-${op.id}`;
          if (op.kind === 'grant') {
            const seller = `seller-${op.seller}`;
            const body = {
              noticeHash: hashes.get(seller)!,
              channel: 'web',
              decisions: op.choices.map((c, i) => ({ declarationId: CHOICES[c]!, grant: op.grant, recipientId: seller, eventId: i === 0 ? id : `${id}-${i}` })),
            };
            key = JSON.stringify([subject, body]);
            call = () => s.consent.grant(subject, grantReq(body), { caller: 'subject' });
          } else {
            const body = { eventId: id, ...(op.choices ? { declarationIds: op.choices.map((c) => CHOICES[c]!) } : {}) };
            key = JSON.stringify([subject, 'withdraw', body]);
            call = () => s.consent.withdraw(subject, withdrawReq(body), { caller: 'subject' });
          }
          const eventsBefore = (await repo.eventsAfter(-1)).length;
          let result: Awaited<ReturnType<typeof call>> | undefined;
          let error: { code?: string } | undefined;
          try {
            result = await call();
          } catch (e) {
            error = e as { code?: string };
          }
          const eventsAfter = (await repo.eventsAfter(-1)).length;
          if (error) {
            // Refused: nothing written, and for a reason the request carries.
            expect(eventsAfter).toBe(eventsBefore);
            if (error.code === 'EVENT_ID_CONFLICT') {
              const owner = used.get(id) ?? used.get(`${id}-1`) ?? [...used.keys()].find((u) => u.startsWith(`${id}.`) || u.startsWith(id));
              expect(owner, `409 for ${id} without an earlier use`).toBeDefined();
            } else {
              expect(['NO_CONSENT_TO_WITHDRAW']).toContain(error.code);
            }
            continue;
          }
          if (result!.replayed) {
            // Only the identical request replays.
            expect(used.get(id)).toBe(key);
            expect(eventsAfter).toBe(eventsBefore);
            continue;
          }
          // A new request: its ids were free, and every one of its events is stored.
          const ids = result!.receipt.consents.map((c) => c.eventId);
          for (const e of ids) expect(used.has(e), `id ${e} stored twice`).toBe(false);
          expect(eventsAfter).toBe(eventsBefore + ids.length);
          for (const e of ids) used.set(e, key);
          accepted.push({ run: call, key, ids });
        }
        const stored = await repo.eventsAfter(-1);
        expect(new Set(stored.map((e) => e.eventId)).size).toBe(stored.length);
        const folded = ConsentProjection.fold(stored);
        expect(s.consent.projection.snapshot()).toEqual(folded.snapshot());
        expect(await repo.stateRows()).toEqual(folded.snapshot().state);
      }),
      { numRuns: 12 },
    );
  }, 180_000);
});
