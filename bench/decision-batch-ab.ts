/**
 * Same-run A/B of what ONE batch of the durable write costs the database, at a fixed batch size
 * (issue 20; for development on a shared machine). bench/decision-write-ab.ts loads at a rate,
 * and the batches it gets depend on how fast each side commits, so its per-decision figures mix
 * the change with the batch sizes; here each side writes BENCH_BATCH decisions (default 2, as at
 * 1,000 releases/s), waits for them, and goes again, rounds alternated:
 *
 *   node --import tsx bench/decision-batch-ab.ts <dirA> <dirB> [pglite|postgres] [rounds] [batches]
 *
 * Per batch, medians of rounds: db — PGlite's worker thread CPU, or the side's PostgreSQL backends
 * (/proc, 10 ms ticks); app — the calling thread's CPU; wall — time per batch (on PostgreSQL mostly
 * the commit's fsync, which a shared disk makes noisy). Not part of `npm run bench`.
 *
 * BENCH_DENY=f (0 to 1, default 0): that share of the decisions are denies, as the gate writes
 * them — no items released, a code and an article, and a trace whose failed step names what
 * failed (not one of the gate's shared frozen steps, so its text is serialised and hashed for each
 * decision). Migration 223 gives a deny's row three more texts (code, article, denied_subject).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg } from 'node:os';
import { threadCpuMicros } from '../src/store/thread-cpu.ts';
const [dirA, dirB] = [resolve(process.argv[2]!), resolve(process.argv[3]!)];
const engine = (process.argv[4] ?? 'pglite') as 'pglite' | 'postgres';
const ROUNDS = Number(process.argv[5] ?? 6);
const BATCHES = Number(process.argv[6] ?? 1500);
const BATCH = Number(process.env.BENCH_BATCH ?? 2);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const monitor = engine === 'postgres' ? new (await import('pg')).default.Client({ connectionString: BASE_URL }) : undefined;
await monitor?.connect();
const procTicks = (pid: number) => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); } catch { return 0; } };
async function side(name: string, dir: string) {
  const app = `cg_abf_${process.pid}_${name}`;
  process.env.DATABASE_URL = BASE_URL + '?application_name=' + app;
  const imp = (p: string) => import(pathToFileURL(join(dir, p)).href);
  const [{ Journal }, { sqlLedgerAppender }, { registerDecisionWriter }, { appendDecision }, { openBenchDatabase }, bench] = await Promise.all([
    imp('src/store/journal.ts'), imp('src/store/ledger-appender.ts'), imp('src/store/decisions-repo.ts'), imp('src/app/decision-entry.ts'), imp('bench/databases.ts'), imp('bench/release.ts')]);
  const db = await openBenchDatabase(engine, `abf${name}`);
  const journal = new Journal(db, sqlLedgerAppender);
  registerDecisionWriter(journal);
  const dbCpu = async () => {
    if (engine === 'pglite') return (await db.threadCpuMicros())!;
    const { rows } = await monitor!.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app]);
    let t = 0; for (const { pid } of rows) t += procTicks(pid); return t * 10_000;
  };
  let i = 0;
  const run = async () => {
    const d0 = await dbCpu(); const a0 = threadCpuMicros()!; const w0 = performance.now();
    for (let k = 0; k < BATCHES; k++) {
      const ps = []; for (let b = 0; b < BATCH; b++) ps.push(appendDecision(journal, decision(bench.decisionRow, i++)));
      await Promise.all(ps);
    }
    const a1 = threadCpuMicros()!; const wall = (performance.now() - w0) * 1000 / BATCHES; await sleep(30); const d1 = await dbCpu();
    return { db: (d1 - d0) / BATCHES, app: (a1 - a0) / BATCHES, wall };
  };
  return { name, run, close: async () => { await journal.close(); await db.close(); } };
}
// Denies spread evenly: decision i is a deny when floor((i + 1) * DENY) moved past floor(i * DENY).
const DENY = Number(process.env.BENCH_DENY ?? 0);
const isDeny = (i: number) => Math.floor((i + 1) * DENY) > Math.floor(i * DENY);
function decision(allowed: (i: number) => { trace: readonly object[] } & Record<string, unknown>, i: number) {
  const r = allowed(i);
  if (!isDeny(i)) return r;
  const failed = { check: 'consent', ok: false, detail: `no consent to sellers_fulfilment for ${r.recipient}`, article: 'PIPA 15(1)' };
  return { ...r, allow: false, code: 'NO_CONSENT', article: 'PIPA 15(1)', released: [], tokens: [], trace: [...r.trace.slice(0, 6), failed] };
}
const sides = [await side('a', dirA), await side('b', dirB)];
for (const s of sides) await s.run();
const res: Record<string, { db: number; app: number; wall: number }[]> = { a: [], b: [] };
for (let r = 0; r < ROUNDS; r++) for (const k of r % 2 ? [1, 0] : [0, 1]) { const s = sides[k]!; const x = await s.run(); res[s.name]!.push(x); console.log(`round ${r + 1} ${s.name}: db ${x.db.toFixed(1)} µs/batch, app ${x.app.toFixed(1)}, wall ${x.wall.toFixed(0)}`); }
for (const s of sides) await s.close(); await monitor?.end();
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${engine}, batches of ${BATCH}, ${DENY * 100}% denies, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const k of ['a', 'b']) console.log(`${k.toUpperCase()}: db ${med(res[k]!.map((x) => x.db)).toFixed(1)} µs/batch, app ${med(res[k]!.map((x) => x.app)).toFixed(1)} µs/batch, wall ${med(res[k]!.map((x) => x.wall)).toFixed(0)} µs/batch; db rounds ${res[k]!.map((x) => x.db.toFixed(0)).join(' ')}`);
process.exit(0);
