import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { askServer } from './release.ts';
import { startNodeFlags } from './start-flags.ts';

/**
 * What the release server's scavenges are made of, in counts that hardly move with the machine's
 * load (issue 20 goal 1: the slowest 1 % are the releases in flight during a scavenge):
 *
 *   node --import tsx bench/release-gc.ts <checkout dir> [postgres|pglite] [seconds] [rounds]
 *
 * Starts that checkout's bench server (its bench/release.ts, flags as its npm start plus
 * `--trace-gc-nvp`; BENCH_SERVER_NODE_FLAGS replaces the first part), loads `POST /v1/releases` at
 * BENCH_RATE/s (default 1,000; 10 connections) for 3 s and then `seconds` (default 10) measured,
 * and prints per isolate (the server's main thread, and on PGlite the database's worker) the
 * scavenges of the measured window: releases per scavenge, bytes allocated, copied within the
 * young generation (`new_space_survived`) and promoted per release, embedder objects that died
 * young (`nodes_died_in_new`: weak global handles, e.g. one per crypto Decipheriv) per release,
 * and the medians of the pause's parts (ms). Unlike release-trace.ts it preloads nothing into the
 * server, so nothing of the tool's own is among the survivors. Not part of `npm run bench`.
 * CG_GC_SETTLE=<s>: keep loading, unmeasured, in 10 s stretches with CG_GC_IDLE s (default 5) of no
 * load between (traffic with lulls), until the server is that old before the window (a
 * long-running server: past V8's memory reducer, ~106 s and ~213 s); after the window it prints the
 * server's resident set and V8's committed heap (the young generation's cost in memory), and per
 * 10,000 releases the scavenges, bytes promoted and pause time.
 */
const [dir, engine, seconds, rounds] = [resolve(process.argv[2] ?? '.'), (process.argv[3] ?? 'postgres') as 'postgres' | 'pglite', Number(process.argv[4] ?? 10), Number(process.argv[5] ?? 1)];
const START = '=== cg-gc window start';
/** Server age (s) at which the measured window starts (CG_GC_SETTLE; 0 = after the 3 s warm-up). */
const SETTLE_S = Number(process.env.CG_GC_SETTLE ?? 0);
/** Seconds without load between the settle's 10 s stretches (CG_GC_IDLE). */
const IDLE_S = Number(process.env.CG_GC_IDLE ?? 5);
/** The checkout's `npm start` flags, or BENCH_SERVER_NODE_FLAGS. */
const flags = process.env.BENCH_SERVER_NODE_FLAGS ?? startNodeFlags(dir).join(' ');
const END = '=== cg-gc window end ';

/** The bench server's memory (bench/release.ts answers 'mem' over IPC). */
const askMem = async (child: ChildProcess): Promise<unknown> => (await askServer(child, 'mem')).mem;

if (process.env.CG_GC_CHILD) {
  // The child: runs the checkout's bench server with V8's GC trace on this process's stdout.
  const bench = (await import(pathToFileURL(join(dir, 'bench/release.ts')).href)) as typeof import('./release.ts');
  const spawned = Date.now();
  const s = await bench.startServer(engine);
  const o = { rate: Number(process.env.BENCH_RATE ?? 1000), connections: 10 };
  await bench.loadAtRate(s.info, 'release', { ...o, seconds: 3 });
  // CG_GC_SETTLE: load on, unmeasured, until the server is that many seconds old — past V8's
  // memory reducer (~106 s and ~213 s), which shrinks the young generation for good.
  // The load pauses IDLE_S between 10 s stretches, as a server's traffic has lulls (and as each side
  // of release-ab.ts idles while the other runs): the reducer acts on a low allocation rate.
  while (Date.now() - spawned < SETTLE_S * 1000) {
    await bench.loadAtRate(s.info, 'release', { ...o, seconds: 10 });
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  }
  await bench.loadAtRate(s.info, 'release', { ...o, seconds: 3 });
  const age = Math.round((Date.now() - spawned) / 1000);
  const memBefore = await askMem(s.child);
  process.stdout.write(`\n${START}\n`);
  const t0 = Date.now() - spawned;
  const r = await bench.loadAtRate(s.info, 'release', { ...o, seconds });
  const t1 = Date.now() - spawned;
  const mem = await askMem(s.child);
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))?.[1];
  process.stdout.write(`\n${END}${JSON.stringify({ ...r, window_ms: [t0, t1], age_s: age, mem_before: memBefore, mem, rss_peak: Number(hwm ?? 0) * 1024 })}\n`);
  await bench.stopServer(s.child);
  process.exit(0);
}

const PARTS = ['pause', 'heap.external_weak_global_handles', 'scavenge.parallel', 'scavenge.sweep_array_buffers', 'scavenge.weak_global_handles.process', 'scavenge.roots'];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};

async function round(): Promise<void> {
  const load0 = loadavg()[0]!;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    env: { ...process.env, CG_GC_CHILD: '1', BENCH_SERVER_STDOUT: '1', BENCH_SERVER_NODE_FLAGS: `${flags} --trace-gc-nvp` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  // 'close', not 'exit': the server's trace reaches this pipe through the child, and 'exit' can
  // come before the last of it has been read.
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0 || !out.includes(END)) throw new Error(`the run failed (exit ${code})`);
  if (process.env.CG_GC_RAW) writeFileSync(process.env.CG_GC_RAW, out);
  const result = JSON.parse(out.slice(out.indexOf(END) + END.length).split('\n')[0]!) as { window_ms: [number, number]; requests: number; rps: number; p50_ms: number; p99_ms: number; max_ms: number; age_s: number; rss_peak: number; mem_before: { newSpace: number }; mem: { rss: number; heapTotal: number; newSpace: number } };
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log(`${engine}, ${dir}, ${flags}: server ${result.age_s} s old at the window; ${result.rps}/s reached, client p50 ${result.p50_ms} / p99 ${result.p99_ms} / max ${result.max_ms} ms, load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
  // Memory-reducing mark-compacts of the server's whole life (its main thread: the isolate of most GCs).
  const reduces = out.split('\n').filter((l) => l.includes(' gc=mc ') && l.includes(' reduce_memory=1 ')).map((l) => l.replace(/^\[(\S+)\]\s+(\d+) ms.*$/, '$2 ms ($1)'));
  console.log(`  memory-reducing mark-compacts: ${reduces.join(', ') || 'none'}; new space committed before the window ${mb(result.mem_before.newSpace)} MB`);
  console.log(`  memory after the window (MB): rss ${mb(result.mem.rss)} (peak ${mb(result.rss_peak)}), V8 heap committed ${mb(result.mem.heapTotal)}, of it new space ${mb(result.mem.newSpace)}`);
  // `[pid:0xisolate]  1234 ms: pause=… gc=s …` — one line per GC, scavenges only, by isolate.
  const byIsolate = new Map<string, Array<Record<string, number>>>();
  // The window by the trace's own clock, not by where the lines fall between the markers: V8 prints
  // them with stdio, which buffers a pipe (4 KiB, ~3 lines), so they reach the pipe late — after
  // the end marker when scavenges are rare (a 64 MB young generation: none counted, 2026-12-07).
  // A line's `N ms` is its isolate's age; the server's main isolate starts a few ms after the spawn
  // this child timed, PGlite's worker within the server's start-up (its window is off by that).
  const [t0, t1] = result.window_ms;
  for (const line of out.split('\n')) {
    if (!line.includes(' gc=s ')) continue;
    const t = Number(/^\[[^\]]+\]\s+(\d+) ms:/.exec(line)?.[1] ?? NaN);
    if (!(t >= t0 && t <= t1)) continue;
    const iso = line.slice(0, line.indexOf(']') + 1);
    const f: Record<string, number> = {};
    for (const kv of line.split(' ')) {
      const i = kv.indexOf('=');
      if (i > 0) f[kv.slice(0, i)] = parseFloat(kv.slice(i + 1));
    }
    (byIsolate.get(iso) ?? byIsolate.set(iso, []).get(iso)!).push(f);
  }
  for (const [iso, gcs] of byIsolate) {
    const sum = (k: string) => gcs.reduce((n, g) => n + (g[k] ?? 0), 0);
    const n = result.requests;
    // Per release over the window: a scavenge's counts are the releases since the one before.
    // Per MiB allocated is exact whatever part of a cycle the window cut; per release is not, when
    // the window holds few scavenges (its first scavenge counts bytes allocated before it began).
    const mib = sum('allocated') / 1048576;
    console.log(
      `  ${iso} ${gcs.length} scavenges, one per ${Math.round(n / gcs.length)} releases; per release: allocated ${(sum('allocated') / n / 1024).toFixed(1)} KiB, copied ${Math.round(sum('new_space_survived') / n)} B, promoted ${Math.round(sum('promoted') / n)} B, weak handles died ${(sum('nodes_died_in_new') / n).toFixed(2)}; per MiB allocated: copied ${(sum('new_space_survived') / 1024 / mib).toFixed(1)} KiB, promoted ${(sum('promoted') / 1024 / mib).toFixed(1)} KiB, weak handles ${(sum('nodes_died_in_new') / mib).toFixed(1)}`,
    );
    const pauses = gcs.map((g) => g.pause ?? 0);
    console.log(`    per 10,000 releases ${(gcs.length * 10000 / n).toFixed(1)} scavenges, ${mb((sum('promoted') * 10000) / n)} MB promoted; pause median ${median(pauses)} max ${Math.max(...pauses)} ms, sum ${(pauses.reduce((a, b) => a + b, 0) * 10000 / n).toFixed(1)} ms`);
    console.log(`    medians (ms): ${PARTS.map((p) => `${p.replace('heap.external_weak_global_handles', 'weak callbacks').replace('scavenge.', '')} ${median(gcs.map((g) => g[p] ?? 0))}`).join(', ')}; pauses ${gcs.map((g) => g.pause).join(' ')}`);
  }
}

for (let i = 0; i < rounds; i++) await round();
