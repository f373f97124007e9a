import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What the release server's scavenges are made of, in counts that hardly move with the machine's
 * load (issue 20 goal 1: the slowest 1 % are the releases in flight during a scavenge):
 *
 *   node --import tsx bench/release-gc.ts <checkout dir> [postgres|pglite] [seconds] [rounds]
 *
 * Starts that checkout's bench server (its bench/release.ts, flags as npm start plus
 * `--trace-gc-nvp`; BENCH_SERVER_NODE_FLAGS replaces the first part), loads `POST /v1/releases` at
 * BENCH_RATE/s (default 1,000; 10 connections) for 3 s and then `seconds` (default 10) measured,
 * and prints per isolate (the server's main thread, and on PGlite the database's worker) the
 * scavenges of the measured window: releases per scavenge, bytes allocated, copied within the
 * young generation (`new_space_survived`) and promoted per release, embedder objects that died
 * young (`nodes_died_in_new`: weak global handles, e.g. one per crypto Decipheriv) per release,
 * and the medians of the pause's parts (ms). Unlike release-trace.ts it preloads nothing into the
 * server, so nothing of the tool's own is among the survivors. Not part of `npm run bench`.
 */
const [dir, engine, seconds, rounds] = [resolve(process.argv[2] ?? '.'), (process.argv[3] ?? 'postgres') as 'postgres' | 'pglite', Number(process.argv[4] ?? 10), Number(process.argv[5] ?? 1)];
const START = '=== cg-gc window start';
const END = '=== cg-gc window end ';

if (process.env.CG_GC_CHILD) {
  // The child: runs the checkout's bench server with V8's GC trace on this process's stdout.
  const bench = (await import(pathToFileURL(join(dir, 'bench/release.ts')).href)) as typeof import('./release.ts');
  const s = await bench.startServer(engine);
  const o = { rate: Number(process.env.BENCH_RATE ?? 1000), connections: 10 };
  await bench.loadAtRate(s.info, 'release', { ...o, seconds: 3 });
  process.stdout.write(`\n${START}\n`);
  const r = await bench.loadAtRate(s.info, 'release', { ...o, seconds });
  process.stdout.write(`\n${END}${JSON.stringify(r)}\n`);
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
    env: { ...process.env, CG_GC_CHILD: '1', BENCH_SERVER_STDOUT: '1', BENCH_SERVER_NODE_FLAGS: `${process.env.BENCH_SERVER_NODE_FLAGS ?? '--max-semi-space-size=64'} --trace-gc-nvp` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  // 'close', not 'exit': the server's trace reaches this pipe through the child, and 'exit' can
  // come before the last of it has been read.
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0 || !out.includes(END)) throw new Error(`the run failed (exit ${code})`);
  const window = out.slice(out.indexOf(START), out.indexOf(END));
  const result = JSON.parse(out.slice(out.indexOf(END) + END.length).split('\n')[0]!) as { requests: number; rps: number; p99_ms: number };
  console.log(`${engine}, ${dir}: ${result.rps}/s reached, client p99 ${result.p99_ms} ms, load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
  // `[pid:0xisolate]  1234 ms: pause=… gc=s …` — one line per GC, scavenges only, by isolate.
  const byIsolate = new Map<string, Array<Record<string, number>>>();
  // Matched anywhere in a line, not from its start: the server's isolates (main thread, workers)
  // and this child write to one pipe, and a line can arrive glued to another's unfinished one.
  const GC = /\[(\d+:0x[0-9a-f]+)\]\s+(\d+) ms: (pause=.*? gc=s .*)$/;
  let traceLines = 0;
  for (const raw of window.split('\n')) {
    if (raw.includes(' ms: pause=')) traceLines++;
    const m = GC.exec(raw);
    if (!m) continue;
    const iso = `[${m[1]}]`;
    const line = m[3]!;
    const f: Record<string, number> = {};
    f.t_ms = Number(m[2]);
    for (const kv of line.split(' ')) {
      const i = kv.indexOf('=');
      if (i > 0) f[kv.slice(0, i)] = parseFloat(kv.slice(i + 1));
    }
    (byIsolate.get(iso) ?? byIsolate.set(iso, []).get(iso)!).push(f);
  }
  if (byIsolate.size === 0) console.log(`  no scavenge in the window (${traceLines} GC trace lines in it, ${out.split('\n').filter((l) => l.includes(' ms: pause=')).length} in the whole output): was the server started with --trace-gc-nvp and BENCH_SERVER_STDOUT=1?`);
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
    // Between the window's first and last scavenge (the server's own clock, at the reached rate):
    // whole cycles only, so neither end of the window counts part of one.
    if (gcs.length >= 3) {
      const cyc = gcs.slice(1);
      const span = (gcs[gcs.length - 1]!.t_ms! - gcs[0]!.t_ms!) / 1000;
      const rel = span * result.rps;
      const s2 = (k: string) => cyc.reduce((a, g) => a + (g[k] ?? 0), 0);
      console.log(
        `    whole cycles (${cyc.length} scavenges over ${span.toFixed(2)} s at ${result.rps}/s): one per ${Math.round(rel / cyc.length)} releases, ${(10000 * cyc.length / rel).toFixed(2)} per 10,000; per release: allocated ${(s2('allocated') / rel / 1024).toFixed(1)} KiB, weak handles died ${(s2('nodes_died_in_new') / rel).toFixed(2)}`,
      );
    }
    console.log(`    medians (ms): ${PARTS.map((p) => `${p.replace('heap.external_weak_global_handles', 'weak callbacks').replace('scavenge.', '')} ${median(gcs.map((g) => g[p] ?? 0))}`).join(', ')}; pauses ${gcs.map((g) => g.pause).join(' ')}`);
  }
}

for (let i = 0; i < rounds; i++) await round();
