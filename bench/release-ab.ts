import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fixedRate, median } from './fixed-rate.ts';

/**
 * Same-run A/B of the release server's CPU per release at a fixed rate, for development on a
 * shared machine (issue 20 goal 2): two checkouts of this repository (e.g. main exported to a
 * directory, and a working tree), each with its own bench server (bench/release.ts, PostgreSQL
 * or PGlite), loaded in alternation — bare route then release, A then B, round after round — so
 * drift of the machine falls on both sides.
 *
 *   node --import tsx bench/release-ab.ts <dirA>[:ENV=v,…] <dirB>[:ENV=v,…] [postgres|pglite] [rounds] [seconds]
 *
 * A side may name environment variables for its server after a colon (settings to compare on one
 * checkout, e.g. `.:CONSENTGATE_COMMIT_DELAY_MS=1`).
 *
 * Prints per round and as medians: the server's process.cpuUsage per request (µs), p50 and p99;
 * on PostgreSQL also `pg`, the CPU of every `postgres` process on this host over the window per
 * request (/proc, 10 ms ticks): the backends the batches run in, which share the two cores with
 * the server. Only one side is loaded at a time, but anything else using PostgreSQL on the host
 * counts too (other sessions' tests): read it only from rounds on a quiet machine.
 * The order is symmetric: warm-up B then A, rounds AB, BA, AB, … (use an even number), and a
 * side whose server sat idle while the other ran gets CG_AB_REWARM seconds (default 2) of
 * unmeasured load first. Before 2026-12-07 side A read 5–17 % more CPU whatever its code: its
 * windows followed the other side's more often, and such windows read more
 * (bench/release-ab-positions.py over the committed outputs). CG_AB_SPAWN=BA starts B's server
 * first (spawn order, checked and not the cause). Before the warm-up both servers are loaded in turn,
 * unmeasured, until CG_AB_SETTLE seconds (default 120) after their start: past V8's memory reducer.
 * Not part of `npm run bench`; the committed numbers come from bench/release.ts.
 */
const spec = (arg: string | undefined) => {
  const [dir, env] = (arg ?? '.').split(':');
  return { dir: resolve(dir || '.'), env: Object.fromEntries((env ? env.split(',') : []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string])) };
};
const [specA, specB] = [spec(process.argv[2]), spec(process.argv[3])];
const engine = (process.argv[4] ?? 'postgres') as 'pglite' | 'postgres';
const ROUNDS = Number(process.argv[5] ?? 5);
const SECONDS = Number(process.argv[6] ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
/** Seconds of unmeasured load for a side whose server sat idle while the other side ran (CG_AB_REWARM, 0 = none). */
const REWARM_S = Number(process.env.CG_AB_REWARM ?? 2);
/**
 * Age both servers reach, under unmeasured load, before the warm-up (CG_AB_SETTLE seconds, 0 =
 * none): V8's memory reducer shrinks a server's young generation ~105 s after its start and it
 * stays smaller (docs/release-history.md, h-tail2), so without this the side started first met it a round
 * earlier and ran more of its rounds in that dearer state. After it, both sides run as a
 * long-running server does.
 */
const SETTLE_S = Number(process.env.CG_AB_SETTLE ?? 120);

type Bench = typeof import('./release.ts');
const load = async (dir: string) => (await import(pathToFileURL(join(dir, 'bench/release.ts')).href)) as Bench;
const sides = [
  { name: 'A', ...specA, bench: await load(specA.dir) },
  { name: 'B', ...specB, bench: await load(specB.dir) },
];
const servers: Array<Awaited<ReturnType<Bench['startServer']>>> = [];
const spawnedAt: number[] = [];
// CG_AB_SPAWN=BA: B's server is started first (a check of the tool's position bias).
const spawnOrder = process.env.CG_AB_SPAWN === 'BA' ? [1, 0] : [0, 1];
for (const k of spawnOrder) {
  const s = sides[k]!;
  // The child inherits process.env at spawn: this side's settings only.
  const saved = { ...process.env };
  Object.assign(process.env, s.env);
  try {
    spawnedAt[k] = Date.now();
    servers[k] = await s.bench.startServer(engine);
  } finally {
    for (const key of Object.keys(s.env)) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
const rows: Record<string, Array<{ cpu: number; pg: number; p50: number; p99: number; rps: number; server: number; db: number; perBatch: number }>> = {};
/** CPU of each `postgres` process of this host by pid, µs (utime + stime, clock ticks of 10 ms). */
const pgCpu = (): Map<string, number> => {
  const out = new Map<string, number>();
  if (engine !== 'postgres') return out;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) * 10_000);
    } catch {
      // gone meanwhile
    }
  }
  return out;
};
/** What the processes alive at the end spent since `before` (one that ended meanwhile is lost). */
const pgSince = (before: Map<string, number>): number => {
  let us = 0;
  for (const [pid, t] of pgCpu()) us += t - (before.get(pid) ?? 0);
  return us;
};
const once = async (k: number, bare: boolean, seconds: number) => {
  const s = servers[k]!;
  const bench = sides[k]!.bench;
  let i = 0;
  // childCpuParts where the side's bench has it (the thread split and the batch count), else childCpu.
  const parts = async () => (bench.childCpuParts ? bench.childCpuParts(s.child) : { process: await bench.childCpu(s.child), server: null, db: null, batches: 0, records: 0 });
  const c0 = await parts();
  const pg0 = pgCpu();
  const r = await fixedRate({
    url: `http://127.0.0.1:${bare ? s.info.barePort : s.info.releasePort}`,
    path: bare ? '/bare' : '/v1/releases',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.info.key}` },
    body: () => JSON.stringify(bench.releaseBody(s.info.subjects[i++ % s.info.subjects.length]!)),
    rate: RATE,
    connections: 10,
    seconds,
  });
  const c1 = await parts();
  const cpu = (c1.process - c0.process) / r.requests;
  const pg = pgSince(pg0) / r.requests;
  if (r.non2xx || r.errors) throw new Error(`side ${sides[k]!.name}: ${r.non2xx} non-2xx (${JSON.stringify(r.non2xx_status ?? {})}), ${r.errors} errors`);
  // Per request: the server's thread and the database's (PGlite's worker); per batch: records.
  const per = (a: number | null, b: number | null) => (a !== null && b !== null ? Math.round((b - a) / r.requests) : NaN);
  const batches = c1.batches - c0.batches;
  return { cpu: Math.round(cpu), pg: Math.round(pg), p50: r.p50_ms, p99: r.p99_ms, rps: r.rps, server: per(c0.server, c1.server), db: per(c0.db, c1.db), perBatch: batches > 0 ? (c1.records - c0.records) / batches : NaN };
};
/** The thread split and records per batch, where the side's bench reports them (release rounds). */
const threads = (r: { server: number; db: number; perBatch: number }) =>
  (Number.isFinite(r.server) ? ` = server thread ${r.server}${Number.isFinite(r.db) ? ` + db thread ${r.db}` : ''} + rest` : '') + (Number.isFinite(r.perBatch) ? `, ${r.perBatch.toFixed(2)} per batch` : '');
console.log(`A = ${process.argv[2]}\nB = ${process.argv[3]}\nengine ${engine}, ${RATE}/s, ${ROUNDS} rounds of ${SECONDS} s (re-warm ${REWARM_S} s, servers settled to ${SETTLE_S} s); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (ROUNDS % 2 !== 0) console.log('note: an odd number of rounds gives one side one more first place in a round than the other; use an even number');
try {
  // Warm-up B then A, so that A's first round follows its own warm-up: with the rounds in the
  // order AB, BA, AB, … each side then comes to its window after the other side's (its server
  // idle for the other's bare and release windows) in the same number of rounds. Warmed A then B,
  // A did so in 4 of 6 rounds and B in 3 (3 of 4 against 2), and such rounds read ~11 % more CPU
  // per release and ~20 % per bare request (median over the 58 runs committed on 2026-12-07,
  // `bench/release-ab-positions.py`): side A's median came out higher whatever its code.
  // Both servers past the memory reducer's first shrink (SETTLE_S), loaded in turn, unmeasured.
  for (let k = 0; Math.min(...spawnedAt.map((t) => Date.now() - t)) < SETTLE_S * 1000; k = 1 - k) await once(k, false, 5);
  for (const k of [1, 0]) for (const bare of [true, false]) await once(k, bare, 3);
  let last = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so neither always follows the other.
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      // A server that sat idle while the other side ran is loaded unmeasured first (REWARM_S),
      // so no measured window starts from an idle server.
      if (k !== last && REWARM_S > 0) await once(k, true, REWARM_S);
      last = k;
      for (const bare of [true, false]) {
        const r = await once(k, bare, SECONDS);
        const key = `${sides[k]!.name} ${bare ? 'bare   ' : 'release'}`;
        (rows[key] ??= []).push(r);
        console.log(`round ${round + 1} ${key}: ${r.cpu} µs/req${engine === 'postgres' ? ` (pg ${r.pg})` : ''}${threads(r)}, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.rps}/s`);
      }
    }
  }
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
}
console.log(`== medians (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}) ==`);
for (const [key, rs] of Object.entries(rows).sort()) {
  const m = (f: (r: (typeof rs)[number]) => number) => median(rs.map(f));
  console.log(`${key}: ${m((r) => r.cpu)} µs/req${engine === 'postgres' ? ` (pg ${m((r) => r.pg)})` : ''}${threads({ server: m((r) => r.server), db: m((r) => r.db), perBatch: m((r) => r.perBatch) })}, p50 ${m((r) => r.p50).toFixed(2)} ms, p99 ${m((r) => r.p99).toFixed(2)} ms`);
}
const ratio = (side: string) => median(rows[`${side} release`]!.map((r, i) => r.cpu / rows[`${side} bare   `]![i]!.cpu));
console.log(`release/bare CPU (median of per-round ratios): A ${ratio('A').toFixed(2)}×, B ${ratio('B').toFixed(2)}×`);
process.exit(0);
