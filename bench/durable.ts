import { loadavg } from 'node:os';
import type { Database } from '../src/store/sql.ts';
import { openBenchDatabase, type BenchTarget } from './databases.ts';
import { ratio, report, round } from './lib.ts';
import { perSecond } from './release.ts';

/**
 * `npm run bench durable [-- --rounds R]`: durable release decisions per second on the embedded
 * database as `npm start` runs it (PGlite, data directory on disk), through the real path — the
 * journal's group commit, the decision writer and the ledger appender — beside one transaction
 * per decision on the same database in the same run (the baseline). Per round: decisions per
 * second (wall), and the process's CPU time per decision with the share spent inside database
 * calls (PGlite runs in this thread, so on a machine shared with other work the CPU figure is
 * the one that says what a decision costs; wall throughput is what one idle core would give only
 * when the machine is idle). Medians of rounds. The same bench on PostgreSQL with `--postgres`.
 */
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const N = arg('decisions', 20_000);

interface Round {
  per_s: number;
  cpu_us_per_decision: number;
  db_call_cpu_us_per_decision: number;
}

/** Counts the CPU time spent inside `db.query` (the one-statement batches and their parameters' encoding by the driver). */
function instrument(db: Database): { take(): number } {
  let cpu = 0;
  const query = db.query.bind(db);
  (db as { query: Database['query'] }).query = async (...args: Parameters<Database['query']>) => {
    const c0 = process.cpuUsage();
    try {
      return await query(...args);
    } finally {
      const d = process.cpuUsage(c0);
      cpu += d.user + d.system;
    }
  };
  return {
    take() {
      const x = cpu;
      cpu = 0;
      return x;
    },
  };
}

async function round1(db: Database, meter: { take(): number }, n: number, maxBatch: number, callers: number): Promise<Round> {
  meter.take();
  const c0 = process.cpuUsage();
  const r = await perSecond(db, n, maxBatch, callers);
  const d = process.cpuUsage(c0);
  return { per_s: r.per_s, cpu_us_per_decision: round((d.user + d.system) / n, 1), db_call_cpu_us_per_decision: round(meter.take() / n, 1) };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medians = (rs: readonly Round[]) => ({
  per_s: median(rs.map((r) => r.per_s)),
  cpu_us_per_decision: median(rs.map((r) => r.cpu_us_per_decision)),
  db_call_cpu_us_per_decision: median(rs.map((r) => r.db_call_cpu_us_per_decision)),
});

export async function run(): Promise<void> {
  const target: BenchTarget = process.argv.includes('--postgres') ? 'postgres' : 'pglite';
  const before = loadavg();
  const db = await openBenchDatabase(target, 'durable');
  const meter = instrument(db);
  try {
    await perSecond(db, 4000, 2000, 4000); // warm-up: JIT, first WAL segments
    const group: Round[] = [];
    const single: Round[] = [];
    // Interleaved, so both see the same drift of a shared machine.
    for (let r = 0; r < ROUNDS; r++) {
      group.push(await round1(db, meter, N, 2000, 4000));
      single.push(await round1(db, meter, 500, 1, 64));
    }
    const g = medians(group);
    const s = medians(single);
    report('durable', {
      engine: target === 'pglite' ? 'pglite (data directory on disk, as npm start)' : 'postgresql',
      load_average: { before: before.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) },
      note: 'group commit = 4,000 concurrent callers, batches of up to 2,000 (the journal default); baseline = one transaction per decision (64 callers), same database, rounds interleaved; medians of rounds. cpu_us_per_decision = this process (PGlite runs in it); db_call_cpu = the part inside database calls.',
      group_commit: g,
      one_per_transaction: s,
      ratio_per_s: ratio(g.per_s, s.per_s),
      ratio_cpu: ratio(s.cpu_us_per_decision, g.cpu_us_per_decision),
      // What one core would sustain at this CPU cost: the ceiling of the single-threaded embedded path.
      one_core_ceiling_per_s: round(1e6 / g.cpu_us_per_decision, 0),
      rounds: { group_commit: group, one_per_transaction: single },
      target: { per_s_min: 20_000, met: g.per_s >= 20_000 },
    });
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
