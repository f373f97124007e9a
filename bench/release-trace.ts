import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAtRate, startServer, stopServer } from './release.ts';

/**
 * What the slowest releases wait on at the fixed rate (issue 20 goal 1):
 *
 *   node --import tsx bench/release-trace.ts [postgres|pglite] [seconds]
 *
 * Starts the bench server (bench/release.ts) with bench/release-trace-preload.mjs, loads
 * `POST /v1/releases` at BENCH_RATE/s (default 1,000; 10 connections) for 3 s of warm-up and the
 * given seconds (default 10) measured, and splits each release's time in the server into: before
 * the journal (parse, auth, decision, vault, forms, entry), waiting for a batch to start (the
 * one before it still committing), its batch's commit, and after (response write); and says how
 * many of the slowest 1 % overlapped a GC pause, against all releases. Not part of `npm run
 * bench`: the tracing costs CPU of its own, so read its shares and counts, not its absolute times.
 */
const engine = (process.argv[2] ?? 'postgres') as 'pglite' | 'postgres';
const SECONDS = Number(process.argv[3] ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const out = join(tmpdir(), `cg-release-trace-${process.pid}.json`);
process.env.CG_TRACE_OUT = out;
process.env.CG_BENCH_SERVER_IMPORT = fileURLToPath(new URL('./release-trace-preload.mjs', import.meta.url));
const load0 = loadavg()[0]!;
const s = await startServer(engine);
const go = (seconds: number) => loadAtRate(s.info, 'release', { rate: RATE, connections: 10, seconds });
await go(3);
s.child.send('trace-reset');
const r = await go(SECONDS);
await stopServer(s.child);
console.log(`${engine}, ${RATE}/s for ${SECONDS} s, load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}: ${r.rps}/s reached, client p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
if (!existsSync(out)) throw new Error('the server wrote no trace');

interface Rec { a: number; b: number; s?: number; r?: number }
const raw = readFileSync(out, 'utf8');
const t = JSON.parse(raw) as { reqs: Rec[]; batches: Array<{ st: number; en?: number; fl?: number; size: number }>; gcs: Array<[number, number, number]>; dbs?: Array<[number, number | null]>; monoOffset: number; loopDelay: Record<string, number> };
// CG_TRACE_KEEP=<file>: the raw trace is kept there (batch times match `perf record -k mono` with monoOffset).
if (process.env.CG_TRACE_KEEP) writeFileSync(process.env.CG_TRACE_KEEP, raw);
rmSync(out, { force: true });
const batches = t.batches.filter((b) => b.en !== undefined).sort((x, y) => x.st - y.st);
// The batch a release went into: the first to start at or after its submit.
const batchOf = (at: number) => {
  let lo = 0;
  let hi = batches.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (batches[m]!.st < at) lo = m + 1;
    else hi = m;
  }
  return batches[lo];
};
const rows = t.reqs
  .filter((x) => x.s !== undefined && x.r !== undefined)
  .map((x) => {
    const b = batchOf(x.s!);
    const gc = t.gcs.filter(([st, d]) => st < x.b && st + d > x.a);
    return { total: x.b - x.a, before: x.s! - x.a, wait: b ? b.st - x.s! : NaN, commit: b ? b.en! - b.st : NaN, after: x.b - x.r!, size: b?.size ?? NaN, gcMs: gc.reduce((n, [, d]) => n + d, 0), gcKinds: gc.map(([, , k]) => k) };
  });
const sorted = rows.map((x) => x.total).sort((x, y) => x - y);
const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const KIND: Record<number, string> = { 1: 'scavenge', 4: 'mark-compact', 8: 'incremental marking', 16: 'weak callbacks' };
const gcSummary = Object.entries(
  t.gcs.reduce<Record<string, number[]>>((m, [, d, k]) => ((m[KIND[k] ?? String(k)] ??= []).push(d), m), {}),
).map(([k, ds]) => `${k} ×${ds.length} (max ${Math.max(...ds).toFixed(1)} ms, total ${ds.reduce((x, y) => x + y, 0).toFixed(0)} ms)`);
console.log(`in the server: p50 ${pick(0.5).toFixed(2)} ms, p99 ${pick(0.99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms over ${rows.length} releases`);
console.log(`GC pauses: ${gcSummary.join(', ') || 'none'}; event-loop delay p50 ${t.loopDelay.p50} ms, p99 ${t.loopDelay.p99} ms, max ${t.loopDelay.max} ms`);
const sizes = batches.map((b) => b.size);
console.log(`journal batches: ${batches.length}, ${(sizes.reduce((x, y) => x + y, 0) / batches.length).toFixed(2)} releases each on average`);
// Each batch's commit as the server sees it (group commit's run: the statement sent, its answer
// read, its callers resumed), and how much of it a GC pause covered.
const commits = batches.map((b) => b.en! - b.st).sort((x, y) => x - y);
const cq = (q: number) => commits[Math.min(commits.length - 1, Math.floor(q * commits.length))]!.toFixed(2);
const slowBatches = batches.filter((b) => b.en! - b.st >= Number(cq(0.99)));
const slowWithGc = slowBatches.filter((b) => t.gcs.some(([st, d]) => st < b.en! && st + d > b.st)).length;
console.log(`batch commit: p50 ${cq(0.5)} ms, p90 ${cq(0.9)}, p99 ${cq(0.99)}, p99.9 ${cq(0.999)}, max ${cq(1)}; of the slowest 1 % of batches ${slowWithGc} of ${slowBatches.length} overlapped a GC pause`);
const p99 = pick(0.99);
const groups: Array<[string, typeof rows]> = [
  ['all', rows],
  ['p50–p90', rows.filter((x) => x.total >= pick(0.5) && x.total < pick(0.9))],
  ['slowest 1 %', rows.filter((x) => x.total >= p99)],
];
for (const [name, g] of groups) {
  const mean = (f: (x: (typeof rows)[number]) => number) => (g.reduce((n, x) => n + f(x), 0) / g.length).toFixed(2);
  const withGc = g.filter((x) => x.gcMs > 0).length;
  console.log(
    `${name.padEnd(12)} n=${String(g.length).padStart(5)}: ${mean((x) => x.total)} ms = before the journal ${mean((x) => x.before)} + waiting for a batch ${mean((x) => x.wait)} + commit ${mean((x) => x.commit)} + after ${mean((x) => x.after)}; batch of ${mean((x) => x.size)}; ${((100 * withGc) / g.length).toFixed(1)} % overlapped a GC pause (${mean((x) => x.gcMs)} ms of GC each on average)`,
  );
}

// Where the time of a release goes, as shares that add up: a GC pause (the server's thread stopped;
// clipped to the release), the batch statement in PostgreSQL while the release waits for a batch
// or its own (sent until its reply was read, not under a GC pause), and the rest — the server's
// thread busy with this and the burst's other releases (its queue), reading replies late included.
const dbs = (t.dbs ?? []).filter((d): d is [number, number] => d[1] !== null && Number.isFinite(d[1])).sort((x, y) => x[0] - y[0]);
if (dbs.length > 0) {
  const gcIv = t.gcs.map(([st, d]) => [st, st + d] as [number, number]).sort((x, y) => x[0] - y[0]);
  const overlap = (iv: Array<[number, number]>, a: number, b: number) => {
    let n = 0;
    for (const [x, y] of iv) {
      if (x >= b) break;
      if (y > a) n += Math.min(y, b) - Math.max(x, a);
    }
    return n;
  };
  // The DB's intervals with the GC pauses cut out (a pause counts as GC, not as the database).
  const dbNoGc: Array<[number, number]> = [];
  for (const [x, y] of dbs) {
    let from = x;
    for (const [g0, g1] of gcIv) {
      if (g1 <= from || g0 >= y) continue;
      if (g0 > from) dbNoGc.push([from, g0]);
      from = Math.max(from, g1);
    }
    if (from < y) dbNoGc.push([from, y]);
  }
  const parts = t.reqs
    .filter((x) => x.s !== undefined && x.r !== undefined)
    .map((x) => {
      const total = x.b - x.a;
      const gc = overlap(gcIv, x.a, x.b);
      const db = overlap(dbNoGc, x.s!, x.r!);
      return { total, gc, db, rest: total - gc - db };
    })
    .sort((x, y) => x.total - y.total);
  const q = (f: number) => parts[Math.min(parts.length - 1, Math.floor(f * parts.length))]!.total;
  const mean = (g: typeof parts, f: (x: (typeof parts)[number]) => number) => g.reduce((n, x) => n + f(x), 0) / g.length;
  const show = (name: string, g: typeof parts) =>
    console.log(`${name.padEnd(12)} n=${String(g.length).padStart(5)}: ${mean(g, (x) => x.total).toFixed(2)} ms = GC pause ${mean(g, (x) => x.gc).toFixed(2)} + batch statement in PostgreSQL ${mean(g, (x) => x.db).toFixed(2)} + the server's thread (this and the burst's other releases) ${mean(g, (x) => x.rest).toFixed(2)}`);
  console.log('where the time goes (GC first, then the database, the rest the server thread):');
  show('p45–p55', parts.filter((x) => x.total >= q(0.45) && x.total < q(0.55)));
  show('p90–p99', parts.filter((x) => x.total >= q(0.9) && x.total < q(0.99)));
  show('slowest 1 %', parts.filter((x) => x.total >= q(0.99)));
  const st = dbs.map(([x, y]) => y - x).sort((x, y) => x - y);
  const sq = (f: number) => st[Math.min(st.length - 1, Math.floor(f * st.length))]!.toFixed(2);
  console.log(`batch statement, sent to reply read: n=${st.length}, p50 ${sq(0.5)} ms, p90 ${sq(0.9)}, p99 ${sq(0.99)}, max ${sq(1)}`);
  // The database idle while records wait: from a batch's reply read to the next statement sent,
  // when the next batch's oldest record was already waiting at that reply. Batches and statements
  // pair by order only when every batch was one statement.
  if (dbs.length === batches.length) {
    const subs = t.reqs.filter((x) => x.s !== undefined).map((x) => x.s!).sort((x, y) => x - y);
    const firstAfter = (at: number) => {
      let lo = 0;
      let hi = subs.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (subs[m]! < at) lo = m + 1;
        else hi = m;
      }
      return lo;
    };
    const gaps: Array<{ gap: number; flush: number; callers: number; cut: number; send: number; pipelined: boolean }> = [];
    for (let i = 1; i < batches.length; i++) {
      const prev = batches[i - 1]!;
      const [, replied] = dbs[i - 1]!;
      const [sent] = dbs[i]!;
      const waiting = firstAfter(prev.st) < firstAfter(replied); // a record submitted after the previous cut and before its reply
      if (!waiting) continue;
      if (sent < replied) {
        gaps.push({ gap: 0, flush: 0, callers: 0, cut: 0, send: 0, pipelined: true });
        continue;
      }
      const b = batches[i]!;
      gaps.push({ gap: sent - replied, flush: (prev.fl ?? replied) - replied, callers: prev.en! - (prev.fl ?? replied), cut: b.st - prev.en!, send: sent - b.st, pipelined: false });
    }
    const g = gaps.filter((x) => !x.pipelined).sort((x, y) => x.gap - y.gap);
    if (g.length > 0) {
      const gq = (f: number) => g[Math.min(g.length - 1, Math.floor(f * g.length))]!.gap.toFixed(2);
      const m = (f: (x: (typeof g)[number]) => number) => (g.reduce((n, x) => n + f(x), 0) / g.length).toFixed(3);
      console.log(
        `the database idle while records waited, reply read to the next statement sent: ${g.length} of ${batches.length - 1} batches (${gaps.length - g.length} sent before the reply), p50 ${gq(0.5)} ms, p90 ${gq(0.9)}, p99 ${gq(0.99)}; mean ${m((x) => x.gap)} = flush's rest and listeners ${m((x) => x.flush)} + callers resumed ${m((x) => x.callers)} + until the next cut ${m((x) => x.cut)} + cut to sent ${m((x) => x.send)}`,
      );
    }
  }
}
process.exit(0);
