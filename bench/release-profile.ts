import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAtRate, startServer, stopServer } from './release.ts';

/**
 * Where the release server's CPU goes at the fixed rate (issue 20 goal 2):
 *
 *   node --import tsx bench/release-profile.ts [pglite|postgres] [profile.cpuprofile]
 *
 * Starts the bench server (bench/release.ts) with `--cpu-prof`, loads `POST /v1/releases` at
 * BENCH_RATE/s (default 1,000) for 3 s of warm-up and 8 s measured, stops it, and prints the
 * main thread's on-CPU samples of the measured window grouped by module (self and inclusive) and
 * by function, plus who calls `writev`; on PGlite also the database thread's samples of the same
 * window, by function (PostgreSQL's functions named from the WASM module's export table). With a
 * profile file as second argument (and the database thread's as third) it only analyses those.
 * Not part of `npm run bench`: the profiler itself costs CPU.
 */
const engine = (process.argv[2] ?? 'postgres') as 'pglite' | 'postgres';
const existing = process.argv[3];
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const MEASURED_S = 8;

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

let file = existing;
let databaseFile = process.argv[4];
let responses = 0;
if (!file) {
  const dir = join(tmpdir(), `cg-release-profile-${engine}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.env.CG_BENCH_PROF = dir;
  const s = await startServer(engine);
  const go = (seconds: number) => loadAtRate(s.info, 'release', { rate: RATE, connections: 10, seconds });
  await go(3);
  const r = await go(MEASURED_S);
  responses = r.requests;
  console.log(JSON.stringify(r));
  await stopServer(s.child);
  // The main thread's profile (thread id 0); tsx's loader thread writes its own.
  file = readdirSync(dir)
    .filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))
    .map((f) => join(dir, f))
    .sort()
    .pop();
  if (!file) throw new Error(`no main-thread profile in ${dir}`);
  console.log(`profile: ${file}`);
  // PGlite's worker thread writes its own profile (pglite-proxy.ts passes --cpu-prof on): the
  // one with the most WebAssembly frames (tsx's loader thread has a few of its own, from
  // es-module-lexer, and was picked before when it came first).
  const wasmFrames = (f: string) => readFileSync(f, 'utf8').split('"wasm://').length - 1;
  databaseFile = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && join(dir, f) !== file)
    .map((f) => ({ f: join(dir, f), n: wasmFrames(join(dir, f)) }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n)[0]?.f;
}

const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** A frame's module: src/<dir>/<file>, npm:<package>, node:<internal>, or the V8 pseudo-frame. */
const moduleOf = (url: string, fn: string) => {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  // WebAssembly modules are named by a hash; in the release server that is PGlite's Postgres.
  if (url.startsWith('wasm://')) return '(wasm)';
  const npm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (npm) return 'npm:' + npm[1];
  const src = url.match(/\/(src\/[^/]+(?:\/[^/]+)?)/);
  if (src) return src[1]!.replace(/\.ts$/, '');
  return url.startsWith('node:') ? url : url.replace(/^.*\//, '');
};
const chainOf = (id: number) => {
  const chain: Array<{ module: string; fn: string }> = [];
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
    const { url, functionName } = byId.get(x)!.callFrame;
    chain.push({ module: moduleOf(url, functionName), fn: functionName || '(anonymous)' });
  }
  return chain;
};

// The measured window: the MEASURED_S seconds of samples up to the last one inside the release
// handler (the profile also holds start-up, seeding, warm-up and shutdown).
const times: number[] = [];
let t = 0;
for (const d of p.timeDeltas) times.push((t += d));
let end = 0;
p.samples.forEach((id, k) => {
  if (chainOf(id).some((f) => f.fn === 'releaseOnce' || f.fn === 'releaseTo')) end = times[k]!;
});
const start = end - MEASURED_S * 1e6;

/**
 * Areas of the release path, by the module of the sampled frame (self time, so they add up to
 * 100 %); a socket write, a hash or cipher call or another native frame counts for the first
 * module above it that has an area of its own (vault decryption for the vault, a leaf hash for the
 * record).
 */
const AREAS: Array<[string, RegExp]> = [
  ['database: PGlite (wasm + JS)', /^\(wasm\)$|^npm:@electric-sql\/pglite/],
  ['database client (pg)', /^npm:pg/],
  ['HTTP: Node http, Fastify, body parsing', /^npm:(fastify|find-my-way|secure-json-parse|light-my-request|@fastify\/.*|fast-json-stringify|avvio|fast-querystring)$|^node:(_http|internal\/http|http)/],
  ['vault: AES-GCM and key handling', /^src\/vault/],
  ['policy: Cedar rules', /^src\/policy/],
  ['gate and transforms (src/core)', /^src\/core/],
  ['record: journal, decision row, log leaves', /^src\/(store|ledger)|^src\/app\/decision-entry/],
  ['service and routes (src/app, src/http)', /^src\/(app|http)/],
  ['validation (zod)', /^npm:zod$/],
  ['garbage collector', /^\(garbage collector\)$/],
];
const areaOf = (chain: Array<{ module: string }>) => {
  for (const f of chain) {
    const hit = AREAS.find(([, re]) => re.test(f.module));
    if (hit) return hit[0];
    // Pass-through frames: socket writes, streams, buffers and crypto count for their caller.
    if (!(f.module === '(native)' || /^node:(internal\/stream|internal\/crypto|crypto$|net$|events$|buffer$)/.test(f.module))) break;
  }
  return 'other (Node internals, streams, timers, V8)';
};
const byArea = new Map<string, number>();
const selfByModule = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const inclusive = new Map<string, number>();
const writevCallers = new Map<string, number>();
let busy = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
p.samples.forEach((id, k) => {
  if (times[k]! < start || times[k]! > end) return;
  const dt = p.timeDeltas[k] ?? 0;
  const chain = chainOf(id);
  const leaf = chain[0]!;
  if (leaf.module === '(idle)') return;
  busy += dt;
  add(byArea, areaOf(chain), dt);
  add(selfByModule, leaf.module === '(native)' ? `(native) ${leaf.fn}` : leaf.module, dt);
  add(selfByFunction, `${leaf.module} ${leaf.fn}`, dt);
  for (const m of new Set(chain.map((f) => f.module))) add(inclusive, m, dt);
  if (leaf.fn === 'writev') {
    const caller = chain.slice(1).find((f) => f.module.startsWith('npm:') || f.module.startsWith('src/'));
    add(writevCallers, caller ? `${caller.module} ${caller.fn}` : '(unknown)', dt);
  }
});

const top = (m: Map<string, number>, k: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
console.log(`on-CPU samples in the window: ${(busy / 1e6).toFixed(2)} s${responses ? ` for ${responses} responses (${Math.round(busy / responses)} µs each, profiler included)` : ''}`);
console.log(`== by area of the release path ==\n${top(byArea, 20)}`);
console.log(`== self, by module ==\n${top(selfByModule, 25)}`);
console.log(`== self, by function ==\n${top(selfByFunction, 25)}`);
console.log(`== inclusive, by module ==\n${top(inclusive, 40)}`);
console.log(`== writev (socket writes), by first npm/src caller ==\n${top(writevCallers, 6)}`);

if (databaseFile) databaseThread(databaseFile);
process.exit(0);

/**
 * The database thread's on-CPU samples in the main thread's window (profiles of one process
 * share a clock), self and inclusive by function, in µs per response when responses are known.
 */
function databaseThread(path: string): void {
  const w = JSON.parse(readFileSync(path, 'utf8')) as Profile & { startTime: number };
  const mainStart = (p as Profile & { startTime: number }).startTime;
  const names = wasmExportNames();
  const ids = new Map(w.nodes.map((n) => [n.id, n]));
  const up = new Map<number, number>();
  for (const n of w.nodes) for (const c of n.children ?? []) up.set(c, n.id);
  const nameOf = (id: number) => {
    const { url, functionName } = ids.get(id)!.callFrame;
    const wasm = /^wasm-function\[(\d+)\]$/.exec(functionName);
    if (wasm) return `(wasm) ${names.get(Number(wasm[1])) ?? '(not exported: internal functions together)'}`;
    return `${moduleOf(url, functionName)} ${functionName || '(anonymous)'}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let on = 0;
  let at = w.startTime;
  w.samples.forEach((id, k) => {
    at += w.timeDeltas[k] ?? 0;
    const rel = at - mainStart;
    if (rel < start || rel > end) return;
    const dt = w.timeDeltas[k] ?? 0;
    if (ids.get(id)!.callFrame.functionName === '(idle)') return;
    on += dt;
    add(self, nameOf(id), dt);
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = up.get(x)) seen.add(nameOf(x));
    for (const f of seen) add(incl, f, dt);
  });
  const per = (us: number) => (responses ? `${(us / responses).toFixed(1).padStart(6)} µs` : '');
  const list = (m: Map<string, number>, k: number, skip: RegExp) =>
    [...m]
      .filter(([f]) => !skip.test(f))
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([f, us]) => `${((100 * us) / on).toFixed(1).padStart(5)}% ${per(us)}  ${f}`)
      .join('\n');
  console.log(`\n== database thread (${path}) ==\non-CPU ${(on / 1e6).toFixed(2)} s in the window${responses ? ` (${Math.round(on / responses)} µs per response)` : ''}`);
  console.log(`== database thread, self by function ==\n${list(self, Number(process.env.TOPN ?? 25), /^$/)}`);
  console.log(`== database thread, inclusive by function ==\n${list(incl, Number(process.env.TOPN ?? 30), /not exported|wasm-to-js|js-to-wasm|\(root\)/)}`);
}

/** Function index → name from the export section of PGlite's WASM module (it has no name section). */
function wasmExportNames(): Map<number, string> {
  const names = new Map<number, string>();
  let b: Buffer;
  try {
    b = readFileSync(new URL(import.meta.resolve('@electric-sql/pglite')).pathname.replace(/index\.js$/, 'pglite.wasm'));
  } catch {
    return names;
  }
  let i = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    let x: number;
    do {
      x = b[i++]!;
      r |= (x & 0x7f) << shift;
      shift += 7;
    } while (x & 0x80);
    return r >>> 0;
  };
  while (i < b.length) {
    const section = b[i++]!;
    const size = leb();
    const endOfSection = i + size;
    if (section === 7) {
      for (let n = leb(); n > 0; n--) {
        const len = leb();
        const name = b.toString('utf8', i, i + len);
        i += len;
        const kind = b[i++]!;
        const index = leb();
        if (kind === 0) names.set(index, name);
      }
    }
    i = endOfSection;
  }
  return names;
}
