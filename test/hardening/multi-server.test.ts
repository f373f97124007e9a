import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey, verifyCheckpoint, verifyConsistency } from '../../src/ledger/index.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database } from '../../src/store/sql.ts';
import { POSTGRES_URL, postgresReachable } from '../support/engines.ts';
import { pollUntil } from '../support/wait.ts';
import {
  ADMIN_KEY, call, customer, grantBody, must, releaseBody, seedMarketplace, sharedSecrets, sleep, startServer, withdrawBody,
  type ServerProcess,
} from './server-process.ts';

/**
 * Several `node bin/server.mjs` processes on one PostgreSQL schema, as behind a load balancer:
 * a withdrawal on one server stops releases on the others within one second, concurrent
 * appends from all servers form one gapless, fork-free log, and a server that starts late
 * serves the same registry, members, consents and ledger head. Mandatory under CI=true; locally
 * it runs whenever PostgreSQL is reachable.
 */
const reachable = await postgresReachable('several servers on one PostgreSQL');

describe.skipIf(!reachable)('several servers on one PostgreSQL', () => {
  const schema = `cg_multi_${process.pid}_${randomBytes(3).toString('hex')}`;
  const secrets = sharedSecrets();
  const start = () => startServer({ databaseUrl: POSTGRES_URL, schema, env: secrets });
  let a: ServerProcess;
  let b: ServerProcess;
  let late: ServerProcess | undefined;
  let db: Database;
  let sellerKey: string;
  let checkoutHash: string;

  beforeAll(async () => {
    a = await start();
    ({ sellerKey, checkoutHash } = await seedMarketplace(a.url, 2, 'early'));
    b = await start();
    db = await openDatabase({ databaseUrl: POSTGRES_URL, schema });
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM'), late?.kill('SIGTERM')]);
    await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close();
  });

  it('a withdrawal on one server denies releases on the other within one second, both ways', async () => {
    for (const [from, to, n] of [[a, b, 0], [b, a, 1], [a, b, 2], [b, a, 3]] as const) {
      const subject = await customer(from.url, `wd-${n}`, checkoutHash);
      // The other server releases first, once the grant has reached it (a grant arriving late only ever denies)…
      const allowed = await pollUntil(async () => (await call(to.url, 'POST', '/v1/releases', sellerKey, releaseBody(subject))).status, (s) => s === 200, 2_000, 20);
      expect(allowed).toBe(200);
      const w = await call(from.url, 'POST', `/v1/subjects/${subject}/consents/withdraw`, ADMIN_KEY, withdrawBody());
      expect(w.status).toBe(201);
      const acked = Date.now();
      // …and refuses within one second of the withdrawal's acknowledgement on the first.
      let denied: { status: number; body: any } | undefined;
      while (Date.now() - acked < 1000) {
        const r = await call(to.url, 'POST', '/v1/releases', sellerKey, releaseBody(subject));
        if (r.status === 403) {
          denied = r;
          break;
        }
        await sleep(20);
      }
      expect(denied?.body.code, `withdrawal ${n} not effective on the other server within 1 s`).toBe('CONSENT_WITHDRAWN');
    }
  }, 30_000);

  it('concurrent appends from both servers form one gapless log without forks', async () => {
    const seen: { server: string; index: number; id: string }[] = [];
    const checkpoints: { size: number; root: string; note: string }[] = [];
    const work = async (s: ServerProcess, name: string, w: number) => {
      for (let i = 0; i < 40; i++) {
        if (i % 4 === 3) {
          const subject = `cc-${name}-${w}-${i}`;
          await must(s.url, 'POST', '/v1/subjects', ADMIN_KEY, { id: subject, jurisdiction: 'KR' });
          const r = await must(s.url, 'POST', `/v1/subjects/${subject}/consents`, ADMIN_KEY, grantBody(checkoutHash));
          seen.push({ server: name, index: r.receipt.ledger.leafIndex, id: r.receipt.receiptId });
        } else {
          const r = await must(s.url, 'POST', '/v1/releases', sellerKey, releaseBody(`early-${i % 2}`));
          seen.push({ server: name, index: r.ledger_index, id: r.decision_id });
        }
        if (i % 10 === 0) {
          const cp = await must(s.url, 'GET', '/v1/ledger/checkpoint?format=json', undefined);
          checkpoints.push({ size: cp.size, root: cp.root, note: cp.note });
        }
      }
    };
    await Promise.all([0, 1, 2, 3].flatMap((w) => [work(a, 'a', w), work(b, 'b', w)]));
    expect(seen.length).toBe(320);

    // No two acknowledgements share a leaf (a fork would), and both servers interleave in one sequence.
    expect(new Set(seen.map((s) => s.index)).size).toBe(seen.length);

    // Every checkpoint either server issued is a prefix of the final head, under one log key.
    await sleep(400);
    const headA = await must(a.url, 'GET', '/v1/ledger/checkpoint?format=json', undefined);
    const headB = await must(b.url, 'GET', '/v1/ledger/checkpoint?format=json', undefined);
    const head = headA.size >= headB.size ? headA : headB;
    // The stored log is one gapless sequence covering every acknowledged leaf and both heads
    // (background work may have appended a little since).
    const [stats] = await db.query<{ n: number; lo: number; hi: number }>('SELECT count(*)::int8 AS n, min(idx) AS lo, max(idx) AS hi FROM ledger_entries');
    expect(stats).toMatchObject({ lo: 0, hi: stats!.n - 1 });
    expect(stats!.n).toBeGreaterThanOrEqual(head.size);
    expect(Math.max(...seen.map((x) => x.index))).toBeLessThan(head.size);
    const key = parseVerifierKey((await must(a.url, 'GET', '/v1/ledger/keys', undefined)).verifier);
    expect((await must(b.url, 'GET', '/v1/ledger/keys', undefined)).verifier).toBe((await must(a.url, 'GET', '/v1/ledger/keys', undefined)).verifier);
    const stored = (await must(a.url, 'GET', '/v1/ledger/checkpoints?limit=1000', undefined)).checkpoints as { size: number; root: string; note: string }[];
    for (const cp of [...checkpoints, ...stored, headA, headB]) {
      verifyCheckpoint(cp.note, key);
      const p = await must(b.url, 'GET', `/v1/ledger/consistency?from=${cp.size}&to=${head.size}`, undefined);
      expect(verifyConsistency(cp.size, head.size, Buffer.from(cp.root, 'base64'), Buffer.from(head.root, 'base64'), p.proof.map((h: string) => Buffer.from(h, 'base64'))), `checkpoint ${cp.size}`).toBe(true);
    }
    // Sampled entries name what each server acknowledged, whichever server is asked.
    for (const s of seen.filter((_, i) => i % 16 === 0)) {
      const e = JSON.parse((await must(s.server === 'a' ? b.url : a.url, 'GET', `/v1/ledger/entries/${s.index}?treeSize=${head.size}`, undefined)).entry);
      expect(JSON.stringify(e)).toContain(s.id.startsWith('dec_') ? s.id : 'consent');
    }
  }, 60_000);

  it('a server that starts late catches up: registry, members, consents, withdrawals, ledger head', async () => {
    const withdrawn = await customer(a.url, 'late-withdrawn', checkoutHash);
    await must(b.url, 'POST', `/v1/subjects/${withdrawn}/consents/withdraw`, ADMIN_KEY, withdrawBody());
    const registryOnA = await must(a.url, 'GET', '/v1/registry', ADMIN_KEY);
    late = await start();
    const registry = await must(late.url, 'GET', '/v1/registry', ADMIN_KEY);
    expect(registry.version).toBe(registryOnA.version);
    expect(registry.hash).toBe(registryOnA.hash);
    expect((await must(late.url, 'GET', '/v1/members/seller-a', ADMIN_KEY)).id).toBe('seller-a');
    // The seller's key (issued on A) works, consents granted on A release, withdrawals made on B deny.
    expect((await call(late.url, 'POST', '/v1/releases', sellerKey, releaseBody('early-0'))).status).toBe(200);
    const denied = await call(late.url, 'POST', '/v1/releases', sellerKey, releaseBody(withdrawn));
    expect(denied).toMatchObject({ status: 403, body: { code: 'CONSENT_WITHDRAWN' } });
    // Its view of the log includes everything A wrote.
    await sleep(400);
    const headA = await must(a.url, 'GET', '/v1/ledger/checkpoint?format=json', undefined);
    const headLate = await must(late.url, 'GET', '/v1/ledger/checkpoint?format=json', undefined);
    expect(headLate.size).toBeGreaterThanOrEqual(headA.size);
    const p = await must(late.url, 'GET', `/v1/ledger/consistency?from=${headA.size}&to=${headLate.size}`, undefined);
    expect(verifyConsistency(headA.size, headLate.size, Buffer.from(headA.root, 'base64'), Buffer.from(headLate.root, 'base64'), p.proof.map((h: string) => Buffer.from(h, 'base64')))).toBe(true);
  }, 60_000);
});
