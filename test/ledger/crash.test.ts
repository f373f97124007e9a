import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LedgerService } from '../../src/app/ledger-service.ts';
import { MerkleTree, parseVerifierKey, verifyCheckpoint, verifyConsistency } from '../../src/ledger/index.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { openDatabase } from '../../src/store/open.ts';
import { POSTGRES_URL, engines } from '../support/engines.ts';

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Runs the child until it has acknowledged `acks` appends and seen a few checkpoints, then SIGKILLs it mid-append. */
function runAndKill(args: string[], acks: number): Promise<{ acked: Set<number>; checkpoints: Map<number, string>; key: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<number>();
    const checkpoints = new Map<number, string>();
    let key = '';
    let buf = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [tag, x, y] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (tag === 'ack') acked.add(Number(x));
        else if (tag === 'cp') checkpoints.set(Number(x), y!);
        else if (tag === 'key') key = x!;
      }
      if (!killed && acked.size >= acks && checkpoints.size >= 3) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acked, checkpoints, key });
      else reject(new Error(`child exited ${code}: ${err.slice(0, 2000)}`));
    });
  });
}

describe.each(engines())('crash safety on %s', (engine) => {
  it('after kill -9 mid-append: no gaps, every ack present, every checkpoint root unchanged, log extends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-crash-'));
    const schema = `cg_crash_${process.pid}_${randomBytes(3).toString('hex')}`;
    const args = engine === 'pglite' ? [join(dir, 'db')] : ['postgres', POSTGRES_URL, schema];
    const open = () => (engine === 'pglite' ? openDatabase({ dataDir: join(dir, 'db') }) : openDatabase({ databaseUrl: POSTGRES_URL, schema }));
    try {
      const run = await runAndKill(args, engine === "pglite" ? 300 : 600);
      const db = await open();
      try {
        const journal = new Journal(db, sqlLedgerAppender);
        journal.register<{ n: number }>('crash', async (tx, rows) => {
          await tx.query('INSERT INTO t_crash SELECT * FROM unnest($1::int8[], $2::int[])', [rows.map((r) => r.leafIndex), rows.map((r) => r.row.n)]);
        });
        const ledger = new LedgerService(db, journal, { origin: 'crash.test/log', checkpointEvery: 1_000_000, checkpointIntervalMs: 60_000 });
        // start() runs the recovery checks and throws LEDGER_CORRUPT on any inconsistency.
        await ledger.start();
        expect(ledger.verifierKey).toBe(run.key);
        const head = await ledger.reader.head();
        expect(head.size).toBeGreaterThanOrEqual(run.acked.size);

        // No gaps, and an entry is in the log iff its record is stored.
        const idx = (await db.query<{ idx: number }>('SELECT idx FROM ledger_entries ORDER BY idx')).map((r) => r.idx);
        expect(idx).toEqual(Array.from({ length: head.size }, (_, i) => i));
        const leaves = (await db.query<{ leaf: number }>('SELECT leaf FROM t_crash ORDER BY leaf')).map((r) => r.leaf);
        expect(leaves).toEqual(idx);
        for (const a of run.acked) expect(a).toBeLessThan(head.size);

        // The stored tree is the RFC tree of the stored entries; every checkpoint's root is unchanged.
        const entries = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries ORDER BY idx');
        const tree = MerkleTree.of(entries.map((e) => new Uint8Array(e.entry)));
        expect(b64(head.root)).toBe(b64(tree.root()));
        const key = parseVerifierKey(run.key);
        const stored = await ledger.checkpoints.list({ limit: 1000 });
        for (const [size, root] of run.checkpoints) {
          expect(b64(tree.root(size)), `checkpoint ${size}`).toBe(root);
          expect(stored.find((s) => s.size === size)?.note).toBeDefined();
        }
        for (const cp of stored) {
          const v = verifyCheckpoint(cp.note, key);
          expect(b64(v.root)).toBe(b64(tree.root(v.size)));
        }

        // The log keeps growing consistently from the last checkpoint before the crash.
        const before = stored[0]!;
        await Promise.all(Array.from({ length: 30 }, (_, i) => journal.append('crash', { n: 1e6 + i }, { n: 1e6 + i })));
        const after = await ledger.checkpoint();
        expect(after.size).toBe(head.size + 30);
        const proof = await ledger.reader.consistencyProof(before.size, after.size);
        expect(verifyConsistency(before.size, after.size, before.root, after.root, proof)).toBe(true);
        await ledger.stop();
        await journal.close();
      } finally {
        if (engine === 'postgres') await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
