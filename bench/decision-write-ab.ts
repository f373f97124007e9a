import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadCpuMicros } from '../src/store/thread-cpu.ts';

/**
 * Same-run A/B of what a release decision's durable write costs the DATABASE (issue 20; for
 * development on a shared machine): two checkouts (e.g. main exported to a directory, and a
 * working tree), each writing decisions through its own journal, decision writer and ledger
 * appender into its own fresh database, rounds alternated so drift falls on both sides.
 *
 *   node --import tsx bench/decision-write-ab.ts <dirA> <dirB> [postgres|pglite] [rounds] [seconds]
 *
 * Decisions arrive at BENCH_RATE per second (default 1,000; batches as small as the release
 * server's at that rate) or, with BENCH_RATE=0, 20,000 callers at once (the durable bench's
 * large batches). Per decision, medians of rounds:
 * - bytes: the parameters of every statement the side sends (what travels and is parsed);
 * - db µs: PostgreSQL — CPU of the side's backends (/proc/<pid>/stat, 10 ms ticks, summed over
 *   the round); PGlite — CPU of its database worker thread;
 * - app µs: the calling thread's CPU (journal, encoding);
 * - decisions per statement: how large the batches were (per-batch costs dominate small ones).
 * Not part of `npm run bench`.
 */
const [dirA, dirB] = [resolve(process.argv[2] ?? '.'), resolve(process.argv[3] ?? '.')];
const engine = (process.argv[4] ?? 'postgres') as 'pglite' | 'postgres';
const ROUNDS = Number(process.argv[5] ?? 5);
const SECONDS = Number(process.argv[6] ?? 4);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const BURST = 20_000;

type Sql = { query(text: string, params?: readonly unknown[], o?: unknown): Promise<unknown[]>; insertBulk?: unknown };
type Db = Sql & { close(): Promise<void>; threadCpuMicros?: () => Promise<number | null>; transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> };

// The side's PostgreSQL backends are told apart by application_name (its modules read the URL
// when first imported); a client of this script's own reads their pids.
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const withApp = (url: string, app: string) => url + (url.includes('?') ? '&' : '?') + 'application_name=' + app;
const monitor = engine === 'postgres' ? new (await import('pg')).default.Client({ connectionString: BASE_URL }) : undefined;
await monitor?.connect();
const procTicks = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined; // ended since it was listed
  }
};

async function side(name: string, dir: string) {
  const app = `cg_dw_${process.pid}_${name}`;
  // BENCH_ROLE_B: side B connects as this role, to try a role's settings (e.g. plan_cache_mode).
  const role = name === 'b' ? process.env.BENCH_ROLE_B : undefined;
  process.env.DATABASE_URL = withApp(role ? BASE_URL.replace(/\/\/[^@/]+@/, `//${role}@`) : BASE_URL, app);
  const imp = (p: string) => import(pathToFileURL(join(dir, p)).href);
  const [{ Journal }, { sqlLedgerAppender }, { registerDecisionWriter }, { appendDecision }, { openBenchDatabase }, bench] = await Promise.all([
    imp('src/store/journal.ts'),
    imp('src/store/ledger-appender.ts'),
    imp('src/store/decisions-repo.ts'),
    imp('src/app/decision-entry.ts'),
    imp('bench/databases.ts'),
    imp('bench/release.ts'),
  ]);
  const db = (await openBenchDatabase(engine, `dw${name}`)) as Db;
  // Every statement's parameters, counted where the journal hands them to the engine.
  let bytes = 0;
  let statements = 0;
  const size = (p: unknown): number => (p === null || p === undefined ? 0 : typeof p === 'string' ? Buffer.byteLength(p) : p instanceof Uint8Array ? p.length : String(p).length);
  const counted = <T extends Sql>(s: T): T => {
    const q = s.query.bind(s);
    s.query = (text, params, o) => {
      statements++;
      for (const p of params ?? []) bytes += size(p);
      return q(text, params, o);
    };
    // Large batches' COPY data (PostgreSQL) or JSON document (PGlite).
    const bulk = (s as { insertBulk?: (b: { payload: unknown }) => Promise<void> }).insertBulk;
    if (bulk) {
      (s as { insertBulk?: unknown }).insertBulk = (b: { payload: unknown }) => {
        const p = b.payload;
        bytes += Array.isArray(p) ? p.reduce((n: number, c: unknown) => n + size(c), 0) : size(p);
        return bulk.call(s, b);
      };
    }
    return s;
  };
  counted(db);
  const tx = db.transaction.bind(db);
  db.transaction = (fn) => tx((t) => fn(counted(t)));
  const journal = new Journal(db, sqlLedgerAppender);
  registerDecisionWriter(journal);
  // Backend CPU: ticks of the side's backends now, per pid (a backend started within a window counts whole).
  const backends = async (): Promise<Map<number, number>> => {
    const { rows } = await monitor!.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app]);
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      const t = procTicks(pid);
      if (t !== undefined) out.set(pid, t);
    }
    return out;
  };
  let last = new Map<number, number>();
  const dbCpu = async (): Promise<number> => {
    if (engine === 'pglite') return (await db.threadCpuMicros!())!;
    return 0;
  };
  const dbDelta = async (start: number): Promise<number> => {
    if (engine === 'pglite') return (await dbCpu()) - start;
    const now = await backends();
    let ticks = 0;
    for (const [pid, t] of now) ticks += t - (last.get(pid) ?? 0);
    return ticks * 10_000;
  };
  const dbStart = async (): Promise<number> => {
    if (engine === 'pglite') return dbCpu();
    last = await backends();
    return 0;
  };
  let i = 0;
  const run = async (seconds: number) => {
    const b0 = bytes;
    const s0 = statements;
    const d0 = await dbStart();
    const a0 = threadCpuMicros()!;
    let n = 0;
    const pending: Array<Promise<unknown>> = [];
    if (RATE > 0) {
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
        for (; n < due; n++) pending.push(appendDecision(journal, bench.decisionRow(i++)));
        await sleep(1);
      }
    } else {
      for (; n < BURST; n++) pending.push(appendDecision(journal, bench.decisionRow(i++)));
    }
    await Promise.all(pending);
    const a1 = threadCpuMicros()!;
    await sleep(50); // the backends' last ticks
    const d = await dbDelta(d0);
    return { perStatement: Math.round((n / (statements - s0)) * 10) / 10, bytes: Math.round((bytes - b0) / n), db: Math.round((d / n) * 10) / 10, app: Math.round((a1 - a0) / n * 10) / 10 };
  };
  return { name, dir, run, close: async () => { await journal.close(); await db.close(); } };
}

const sides = [await side('a', dirA), await side('b', dirB)];
console.log(`A = ${dirA}\nB = ${dirB}\nengine ${engine}, ${RATE > 0 ? `${RATE}/s` : `bursts of ${BURST}`}, ${ROUNDS} rounds of ${SECONDS} s; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const rows: Record<string, Array<{ perStatement: number; bytes: number; db: number; app: number }>> = {};
try {
  for (const s of sides) await s.run(1); // warm-up: JIT, first pages
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const s = sides[k]!;
      const r = await s.run(SECONDS);
      (rows[s.name] ??= []).push(r);
      console.log(`round ${round + 1} ${s.name.toUpperCase()}: ${r.bytes} B, db ${r.db} µs, app ${r.app} µs per decision; ${r.perStatement} decisions per statement`);
    }
  }
} finally {
  for (const s of sides) await s.close();
  await monitor?.end();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`== medians per decision (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}) ==`);
for (const [k, rs] of Object.entries(rows)) {
  console.log(`${k.toUpperCase()}: ${median(rs.map((r) => r.bytes))} B, db ${median(rs.map((r) => r.db))} µs, app ${median(rs.map((r) => r.app))} µs; ${median(rs.map((r) => r.perStatement))} decisions per statement`);
}
process.exit(0);
