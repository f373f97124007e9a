import { loadavg } from 'node:os';
import type { Database } from '../src/store/sql.ts';
import { openBenchDatabase, type BenchTarget } from './databases.ts';
import { ratio, report, round } from './lib.ts';
import { threadCpuMicros } from '../src/store/thread-cpu.ts';
import { perSecond } from './release.ts';

/**
 * `npm run bench durable [-- --rounds R] [--no-inline]`: durable release decisions per second on
 * the embedded database as `npm start` runs it (PGlite, data directory on disk, in its worker
 * thread), through the real path — the journal's group commit, the decision writer and the
 * ledger appender — beside one transaction per decision on the same database (the baseline) and
 * beside PGlite in the server's own thread as it ran before the worker (`inline`, one batch in
 * flight), rounds interleaved in one run. Per round: decisions per second (wall), and CPU time per
 * decision — the whole process, and the server's thread and the database's thread apart: on a
 * machine shared with other work the CPU figures say what a decision costs and which thread
 * limits, while wall throughput is what the cores gave only when the machine is idle. Medians of
 * rounds. The same bench on PostgreSQL with `--postgres`.
 */
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const N = arg('decisions', 20_000);

interface Round {
  per_s: number;
  /** The whole process: every thread, the database's worker included. */
  cpu_us_per_decision: number;
  /** The server's own thread (journal, encoding, callers). */
  server_thread_cpu_us_per_decision: number | null;
  /** PGlite's worker thread; null when the database runs in the server's thread (inline). */
  database_thread_cpu_us_per_decision: number | null;
}

async function round1(db: Database, n: number, maxBatch: number, callers: number, maxInFlight?: number): Promise<Round> {
  const c0 = process.cpuUsage();
  const t0 = threadCpuMicros();
  const w0 = (await db.threadCpuMicros?.()) ?? null;
  const r = await perSecond(db, n, maxBatch, callers, maxInFlight);
  const d = process.cpuUsage(c0);
  const t1 = threadCpuMicros();
  const w1 = (await db.threadCpuMicros?.()) ?? null;
  const per = (us: number | null) => (us === null ? null : round(us / n, 1));
  return {
    per_s: r.per_s,
    cpu_us_per_decision: round((d.user + d.system) / n, 1),
    server_thread_cpu_us_per_decision: per(t0 === null || t1 === null ? null : t1 - t0),
    database_thread_cpu_us_per_decision: per(w0 === null || w1 === null ? null : w1 - w0),
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianOrNull = (xs: ReadonlyArray<number | null>) => (xs.some((x) => x === null) ? null : median(xs as number[]));
const medians = (rs: readonly Round[]) => ({
  per_s: median(rs.map((r) => r.per_s)),
  cpu_us_per_decision: median(rs.map((r) => r.cpu_us_per_decision)),
  server_thread_cpu_us_per_decision: medianOrNull(rs.map((r) => r.server_thread_cpu_us_per_decision)),
  database_thread_cpu_us_per_decision: medianOrNull(rs.map((r) => r.database_thread_cpu_us_per_decision)),
});

export async function run(): Promise<void> {
  const target: BenchTarget = process.argv.includes('--postgres') ? 'postgres' : 'pglite';
  const before = loadavg();
  const db = await openBenchDatabase(target, 'durable');
  // PGlite in the server's own thread, as before the worker (pglite-proxy.ts): same run, same rounds.
  const inline = target === 'pglite' && !process.argv.includes('--no-inline') ? await openBenchDatabase('pglite', 'durable-inline', { pgliteThread: 'inline' }) : undefined;
  try {
    await perSecond(db, 4000, 2000, 4000); // warm-up: JIT, first WAL segments
    if (inline) await perSecond(inline, 4000, 2000, 4000, 1);
    const group: Round[] = [];
    const sameRunInline: Round[] = [];
    const single: Round[] = [];
    // Interleaved, so all see the same drift of a shared machine.
    for (let r = 0; r < ROUNDS; r++) {
      group.push(await round1(db, N, 2000, 4000));
      // As it ran before: one batch in flight (a second could not overlap in one thread).
      if (inline) sameRunInline.push(await round1(inline, N, 2000, 4000, 1));
      single.push(await round1(db, 500, 1, 64));
    }
    const g = medians(group);
    const s = medians(single);
    const i = inline ? medians(sameRunInline) : undefined;
    report('durable', {
      engine: target === 'pglite' ? 'pglite (data directory on disk, in its worker thread, as npm start)' : 'postgresql',
      load_average: { before: before.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) },
      note: 'group commit = 4,000 concurrent callers, batches of up to 2,000 (the journal default); baseline = one transaction per decision (64 callers), same database; inline = PGlite in the server thread (the placement before the worker), its own data directory; rounds interleaved; medians of rounds. cpu_us_per_decision = the whole process (all threads); server_thread / database_thread = the two threads apart (/proc, 10 ms resolution).',
      group_commit: g,
      one_per_transaction: s,
      ratio_per_s: ratio(g.per_s, s.per_s),
      ratio_cpu: ratio(s.cpu_us_per_decision, g.cpu_us_per_decision),
      ...(i
        ? {
            inline_same_run: i,
            ratio_worker_vs_inline_per_s: ratio(g.per_s, i.per_s),
            ratio_worker_vs_inline_cpu: ratio(g.cpu_us_per_decision, i.cpu_us_per_decision),
          }
        : {}),
      // What the busier thread would sustain on a core of its own: the ceiling of the embedded path.
      busiest_thread_ceiling_per_s: round(1e6 / Math.max(g.server_thread_cpu_us_per_decision ?? g.cpu_us_per_decision, g.database_thread_cpu_us_per_decision ?? 0), 0),
      rounds: { group_commit: group, ...(inline ? { inline_same_run: sameRunInline } : {}), one_per_transaction: single },
      target: { per_s_min: 20_000, met: g.per_s >= 20_000 },
    });
  } finally {
    await db.close();
    await inline?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
