import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * JS heap allocated per release, by function (issue 20 goal 1: a scavenge catches the releases in
 * flight, so fewer bytes per release means fewer releases caught):
 *
 *   node --import tsx bench/release-heap.ts <checkout dir> <profile.json>   # run and analyse
 *   node --import tsx bench/release-heap.ts <checkout dir> <profile.json> x # analyse only
 *
 * Starts that checkout's bench server (bench/release.ts, PostgreSQL or with CG_HEAP_ENGINE=pglite PGlite, flags as npm start) with
 * bench/release-heap-preload.mjs, loads it at BENCH_RATE/s for 4 s and then SECS seconds (default
 * 6), samples the heap (every 512 bytes on average, CG_HEAP_INTERVAL) from the CG_HEAP_WARM-th
 * release (default 3,000) until the server stops, and prints bytes per release by innermost src/ frame, by allocating
 * function and inclusive. Bytes per release hardly depend on the machine's load (unlike time);
 * the batch size does, a little (per-batch allocations spread over fewer releases).
 * CG_HEAP_SIDE=bare: the bare route instead (the same body parsed by a route that does nothing
 * else, in the same process): what Node's HTTP and Fastify allocate per request, the floor.
 * CG_HEAP_SURVIVORS=1: only what survived a scavenge (objects collected by minor GCs left out, two
 * minor GCs before the profile is read), i.e. what each scavenge copies or promotes, by allocating function.
 * Objects allocated straight into the old space count too, and a mark-compact inside the window
 * keeps everything young it collected (one run read 40 KB per release that way): check the
 * server with --trace-gc (BENCH_SERVER_NODE_FLAGS) before reading it.
 */
const [dir, outFile, analyseOnly] = [resolve(process.argv[2] ?? '.'), process.argv[3] ?? 'release-heap.json', process.argv[4]];
if (!analyseOnly) {
  const preload = join(fileURLToPath(new URL('.', import.meta.url)), 'release-heap-preload.mjs');
  if (!existsSync(preload)) throw new Error(`no ${preload}`);
  process.env.CG_BENCH_SERVER_IMPORT = preload;
  process.env.CG_HEAP_OUT = resolve(outFile);
  // The checkout's own bench server (its src), loaded through its release.ts.
  const bench = (await import(pathToFileURL(join(dir, 'bench/release.ts')).href)) as typeof import('./release.ts');
  // CG_HEAP_ENGINE=pglite: the PGlite server (its main thread; the database's worker is not profiled).
  const s = await bench.startServer(process.env.CG_HEAP_ENGINE === 'pglite' ? 'pglite' : 'postgres');
  const o = { rate: Number(process.env.BENCH_RATE ?? 1000), connections: 10 };
  // CG_HEAP_SIDE=bare: the bare route (same body, same process) instead, for the floor a request sets.
  const side = process.env.CG_HEAP_SIDE === 'bare' ? 'bare' : 'release';
  await bench.loadAtRate(s.info, side, { ...o, seconds: 4 });
  console.log(JSON.stringify(await bench.loadAtRate(s.info, side, { ...o, seconds: Number(process.env.SECS ?? 6) })));
  await bench.stopServer(s.child);
}
const { releases, profile } = JSON.parse(readFileSync(outFile, 'utf8'));
type N = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; id: number; children: N[] };
const samples: Array<{ size: number; nodeId: number; ordinal: number }> = profile.samples;
const parent = new Map<number, N>(); const byId = new Map<number, N>();
const walk = (n: N) => { byId.set(n.id, n); for (const c of n.children) { parent.set(c.id, n); walk(c); } };
walk(profile.head);
const total = samples.reduce((a, s) => a + s.size, 0);
console.log(`releases ${releases}, sampled bytes ${total}, per release ${(total / releases).toFixed(0)} B`);
const short = (u: string) => u.replace(/^.*node_modules\//, 'npm:').replace(/^.*\/(src|bench)\//, '$1/').replace(/^file:\/\//, '');
/** The area a frame belongs to (issue 20's breakdown), '' for Node's and Fastify's own frames. */
function areaOf(u: string): string {
  if (/^npm:@fastify\/rate-limit/.test(u)) return 'rate limit (@fastify/rate-limit)';
  if (/^npm:zod/.test(u)) return 'zod';
  if (/^npm:prom-client|^src\/metrics\/|^src\/http\/metrics\.ts/.test(u)) return 'metrics (prom-client, ours)';
  if (/^npm:pg|^src\/store\/postgres\.ts|^src\/store\/pglite/.test(u)) return 'database client (pg, pg-pool, pg-protocol, src/store/postgres.ts)';
  if (!u.startsWith('src/')) return '';
  if (/^src\/http\/|^src\/app\/api-keys\.ts|^src\/app\/client-certs\.ts/.test(u)) return 'own hooks and route (src/http, API key, client cert)';
  if (/^src\/app\/vault-service|^src\/vault\//.test(u)) return 'vault (cache, deciphers)';
  if (/^src\/core\/gate\/|^src\/policy\/|^src\/core\/frozen-json/.test(u)) return 'gate (statutory, Cedar)';
  if (/^src\/app\/decision-entry|^src\/store\/decision-json|^src\/ledger\/|^src\/app\/ids\.ts|^src\/core\/canonical/.test(u)) return 'log entry, ids, hashes';
  if (/^src\/store\/(journal|group-commit|decisions-repo|binary-arrays|bulk-|ledger-appender|decision-traces)/.test(u)) return 'journal, batch statement';
  if (/^src\/app\/release-service|^src\/core\/transform\/|^src\/app\/issuers/.test(u)) return 'release service, forms';
  return 'other ' + u;
}
const byArea = new Map<string, number>(), areaSelf = new Map<string, number>();
const self = new Map<string, number>(), incl = new Map<string, number>(), mod = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
for (const s of samples) {
  let n: N | undefined = byId.get(s.nodeId)!;
  add(self, `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`, s.size);
  const seen = new Set<string>(); const seenM = new Set<string>();
  let firstOwn = '';
  for (; n; n = parent.get(n.id)) {
    const k = `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    if (!seen.has(k)) { seen.add(k); add(incl, k, s.size); }
    const u = short(n.callFrame.url);
    if (!firstOwn && /^src\//.test(u)) firstOwn = u;
  }
  add(mod, firstOwn || '(no src frame)', s.size);
  let a = '';
  for (let m: N | undefined = byId.get(s.nodeId)!; m && !a; m = parent.get(m.id)) {
    // What Node and Fastify allocate once a body is handed to `reply.send` (serialisation, the
    // headers, the socket write) is the response's, whichever of our frames sent it: the release
    // answers from the journal's batch, so by innermost frame it counted as the journal's
    // (PGlite) or the route's (PostgreSQL), by which code happened to call `send`.
    if (m.callFrame.functionName === 'Reply.send' && /fastify\/lib\/reply\.js$/.test(m.callFrame.url)) a = 'response: serialisation, headers, write (Fastify, Node)';
    else a = areaOf(short(m.callFrame.url));
  }
  add(byArea, a || 'Node HTTP, Fastify, V8 (no own or named-library frame)', s.size);
  const leaf = byId.get(s.nodeId)!.callFrame;
  add(areaSelf, `${a || 'Node HTTP, Fastify, V8'} | ${leaf.functionName || '(anon)'} ${short(leaf.url)}`, s.size);
}
const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, b]) => `${(b / releases).toFixed(0).padStart(7)} B  ${name}`).join('\n');
console.log('== by area (innermost frame that is ours or a named library; Node and Fastify frames count for it) ==\n' + top(byArea, 20));
console.log('== by area | allocating function ==\n' + top(areaSelf, 90));
console.log('== by first src/ frame (innermost) ==\n' + top(mod, 30));
console.log('== self ==\n' + top(self, 110));
console.log('== inclusive ==\n' + top(incl, 70));
