import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseVerifierKey, verifyCheckpoint, verifyConsistency } from '../../src/ledger/index.ts';
import { POSTGRES_URL, engines } from '../support/engines.ts';
import { waitFor } from '../support/wait.ts';
import {
  ADMIN_KEY, call, customer, grantBody, must, releaseBody, seedMarketplace, sharedSecrets, sleep, startServer, withdrawBody,
  type ServerProcess, type StartOptions,
} from './server-process.ts';

/**
 * Crash consistency of the real server: `node bin/server.mjs` under a release + consent load
 * from this test, SIGKILLed at a random moment three times and restarted on the same database.
 * Afterwards every acknowledged (2xx) decision and consent event is stored, every checkpoint
 * issued before a kill is a prefix of the final log (consistency proof to the new head), and
 * every acknowledged withdrawal still denies the next release.
 *
 * PostgreSQL (own schema) when the PostgreSQL suite runs (CI=true / DATABASE_URL), else a PGlite
 * data directory — one engine per run keeps the file well under two minutes.
 */
const engine = engines().includes('postgres') ? 'postgres' : 'pglite';
const KILLS = 3;
const WORKERS = 6;

const dir = mkdtempSync(join(tmpdir(), 'cg-crash-'));
const schema = `cg_crash_${process.pid}_${randomBytes(3).toString('hex')}`;
const target: StartOptions =
  engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema, env: sharedSecrets() } : { dataDir: join(dir, 'data') };
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.kill('SIGKILL');
  if (engine === 'postgres') {
    const { openDatabase } = await import('../../src/store/open.ts');
    const db = await openDatabase({ databaseUrl: POSTGRES_URL, schema });
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Acks {
  decisions: { id: string; index: number; subject: string }[];
  consents: { subject: string; receiptId: string; index: number; action: 'grant' | 'withdraw' }[];
  withdrawn: Set<string>;
  checkpoints: { size: number; root: string; note: string }[];
}

/** Load until `stop` flips: releases on stable subjects, new customers granting, one-shot withdrawals, checkpoint reads. */
async function load(base: string, sellerKey: string, hash: string, stable: string[], toggles: string[], acks: Acks, round: number, stop: () => boolean) {
  let n = 0;
  const worker = async (w: number) => {
    while (!stop()) {
      const i = n++;
      const op = i % 6;
      if (op <= 2) {
        const subject = stable[i % stable.length]!;
        const r = await call(base, 'POST', '/v1/releases', sellerKey, releaseBody(subject), 5_000);
        if (r.status === 200) acks.decisions.push({ id: r.body.decision_id, index: r.body.ledger_index, subject });
        else if (r.status !== 0) throw new Error(`release answered ${r.status} ${JSON.stringify(r.body)}`);
      } else if (op === 3) {
        const subject = toggles.pop();
        if (!subject) continue;
        const r = await call(base, 'POST', `/v1/subjects/${subject}/consents/withdraw`, ADMIN_KEY, withdrawBody(), 5_000);
        if (r.status === 201) {
          acks.withdrawn.add(subject);
          acks.consents.push({ subject, receiptId: r.body.receipt.receiptId, index: r.body.receipt.ledger.leafIndex, action: 'withdraw' });
        } else if (r.status !== 0) throw new Error(`withdraw answered ${r.status} ${JSON.stringify(r.body)}`);
      } else if (op === 4) {
        const subject = `r${round}-w${w}-${i}`;
        const c = await call(base, 'POST', '/v1/subjects', ADMIN_KEY, { id: subject, jurisdiction: 'KR' }, 5_000);
        if (c.status !== 201) continue;
        const r = await call(base, 'POST', `/v1/subjects/${subject}/consents`, ADMIN_KEY, grantBody(hash), 5_000);
        if (r.status === 201) acks.consents.push({ subject, receiptId: r.body.receipt.receiptId, index: r.body.receipt.ledger.leafIndex, action: 'grant' });
        else if (r.status !== 0) throw new Error(`grant answered ${r.status} ${JSON.stringify(r.body)}`);
      } else {
        const r = await call(base, 'GET', '/v1/ledger/checkpoint?format=json', undefined, undefined, 5_000);
        if (r.status === 200) acks.checkpoints.push({ size: r.body.size, root: r.body.root, note: r.body.note });
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
}

it(`keeps every acknowledged write, checkpoint and withdrawal across ${KILLS} SIGKILLs (${engine})`, async () => {
  server = await startServer(target);
  const { sellerKey, checkoutHash } = await seedMarketplace(server.url, 4, 'stable');
  const stable = ['stable-0', 'stable-1', 'stable-2', 'stable-3'];
  const toggles: string[] = [];
  for (let i = 0; i < 40; i++) toggles.push(await customer(server.url, `toggle-${i}`, checkoutHash));
  const acks: Acks = { decisions: [], consents: [], withdrawn: new Set(), checkpoints: [] };

  for (let round = 0; round < KILLS; round++) {
    let stopped = false;
    const acked = acks.decisions.length;
    const running = load(server.url, sellerKey, checkoutHash, stable, toggles, acks, round, () => stopped);
    // A random moment: somewhere between 0.5 and 2.5 s into the load — and not before this
    // round has some acknowledged releases to lose, however slow the machine is today.
    await sleep(500 + Math.floor(Math.random() * 2000));
    await waitFor(() => acks.decisions.length - acked >= 5, 60_000, 50);
    const exit = await server.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    stopped = true;
    await running;
    server = await startServer(target);
  }

  const base = server.url;
  expect(acks.decisions.length).toBeGreaterThan(10);
  expect(acks.consents.filter((c) => c.action === 'withdraw').length).toBeGreaterThan(0);
  expect(acks.checkpoints.length).toBeGreaterThan(0);

  // The log: one head, signed by the same key as every checkpoint seen before the kills, and
  // each of those checkpoints is a prefix of it.
  const key = parseVerifierKey((await must(base, 'GET', '/v1/ledger/keys', undefined)).verifier);
  const head = await must(base, 'GET', '/v1/ledger/checkpoint?format=json', undefined);
  verifyCheckpoint(head.note, key);
  const bySize = new Map(acks.checkpoints.map((c) => [c.size, c]));
  for (const cp of bySize.values()) {
    verifyCheckpoint(cp.note, key);
    expect(cp.size).toBeLessThanOrEqual(head.size);
    const p = await must(base, 'GET', `/v1/ledger/consistency?from=${cp.size}&to=${head.size}`, undefined);
    const ok = verifyConsistency(cp.size, head.size, Buffer.from(cp.root, 'base64'), Buffer.from(head.root, 'base64'), p.proof.map((h: string) => Buffer.from(h, 'base64')));
    expect(ok, `checkpoint ${cp.size} → head ${head.size}`).toBe(true);
  }

  // Every acknowledged decision: its ledger entry exists and names it.
  for (const d of acks.decisions) {
    expect(d.index).toBeLessThan(head.size);
    const e = await must(base, 'GET', `/v1/ledger/entries/${d.index}?treeSize=${head.size}`, undefined);
    expect(JSON.parse(e.entry)).toMatchObject({ kind: 'release_decision', decision_id: d.id, allow: true });
  }
  // Every acknowledged consent event: its receipt is stored and its leaf is in the log.
  for (const c of acks.consents) {
    expect(c.index).toBeLessThan(head.size);
    const r = await must(base, 'GET', `/v1/subjects/${c.subject}/receipts/${c.receiptId}`, ADMIN_KEY);
    expect(r.receiptId).toBe(c.receiptId);
    const history = await must(base, 'GET', `/v1/subjects/${c.subject}/consents/history`, ADMIN_KEY);
    expect(history.events.some((e: { receipt_id: string; action: string }) => e.receipt_id === c.receiptId)).toBe(true);
  }
  // No withdrawal lost: the next release for each withdrawn subject is refused.
  for (const subject of acks.withdrawn) {
    const r = await call(base, 'POST', '/v1/releases', sellerKey, releaseBody(subject));
    expect(r.status, subject).toBe(403);
    expect(r.body.code).toBe('CONSENT_WITHDRAWN');
  }
  // And the stable customers still release.
  expect((await call(base, 'POST', '/v1/releases', sellerKey, releaseBody('stable-0'))).status).toBe(200);
}, 300_000);
