/**
 * Instructions per release by function and area (issue 20 goal 2), load-independent: the bench
 * server (bench/release.ts of <tree>, PostgreSQL) runs under valgrind's callgrind with node's
 * --perf-basic-prof; <warm> requests (closed loop, <conns> keep-alive connections) warm it up
 * uninstrumented, then callgrind counts <measured> more. A preload counts pg `Client.query`
 * calls over the measured window (the batch statements: releases per statement varies with
 * timing under valgrind, so per-batch work does too). Prints one JSON line with the callgrind
 * file and perf map; then
 *
 *   python3 bench/release-callgrind-summary.py <out>/cg.out.1 <map> <measured> [top]
 *
 * gives Ir per request by area (natives charged to their nearest JS caller, node: frames to
 * theirs; V8's compiler and GC apart) and the top JS frames; CALLERS=<regex> lists callers.
 *
 *   node --import tsx bench/release-callgrind.ts <tree> [warm=8000] [measured=2000] [conns=10] [bare]
 *
 * Caveats: valgrind's CPUID hides SHA-NI, so OpenSSL hashes with AVX2 (~2,000 instructions per
 * 64-byte block), and SIMD-heavy natives (UTF-8, memcpy) count differently from their time;
 * compare inclusive counts of the same functions between trees rather than totals. Takes 1–3
 * minutes. Not part of `npm run bench`.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { startNodeFlags } from './start-flags.ts';
import http from 'node:http';
import { loadavg } from 'node:os';
const [tree, warmS, measS, connS, side] = process.argv.slice(2);
const warm = Number(warmS ?? 3000), meas = Number(measS ?? 2000), conns = Number(connS ?? 5);
const out = mkdtempSync('/tmp/cpu5-cg-');
const preload = `${out}/count.mjs`;
writeFileSync(preload, `import { createRequire } from 'node:module';
const pg = createRequire('${tree}/package.json')('pg');
globalThis.__cgq = 0; const q = pg.Client.prototype.query;
pg.Client.prototype.query = function (...a) { globalThis.__cgq++; return q.apply(this, a); };
process.on('message', (m) => { if (m === 'q') process.send({ q: globalThis.__cgq }); });
`);
const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}/cg.out`,
  process.execPath, '--perf-basic-prof', ...startNodeFlags(tree!), '--import', 'tsx', '--import', preload, `${tree}/bench/release.ts`], {
  cwd: tree,
  env: { ...process.env, CG_BENCH_ROLE: 'server', CG_BENCH_ENGINE: 'postgres', CONSENTGATE_MASTER_KEY: randomBytes(32).toString('base64') },
  stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
});
child.stderr!.on('data', (d) => { const s = String(d); if (!s.startsWith('==')) process.stderr.write(s); });
interface Info { releasePort: number; barePort: number; key: string; subjects: string[] }
const info = await new Promise<Info>((res) => child.on('message', (m: { info?: Info }) => m.info && res(m.info)));
const ask = (): Promise<number> =>
  new Promise((res) => {
    const f = (m: { q?: number }) => {
      if (m.q !== undefined) {
        child.off('message', f);
        res(m.q);
      }
    };
    child.on('message', f);
    child.send('q');
  });
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
let i = 0;
const one = () => new Promise<number>((res, rej) => {
  const s = info.subjects[i++ % info.subjects.length]!;
  const body = JSON.stringify({ subject: s, purpose: 'order_fulfilment', order_ref: `order-${s}` });
  const r = http.request({ host: '127.0.0.1', port: side === 'bare' ? info.barePort : info.releasePort, path: side === 'bare' ? '/bare' : '/v1/releases', method: 'POST', agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${info.key}`, 'content-length': Buffer.byteLength(body) } }, (resp) => {
    resp.resume(); resp.on('end', () => res(resp.statusCode!));
  });
  r.on('error', rej); r.end(body);
});
const drive = async (n: number) => {
  let left = n, bad = 0;
  await Promise.all(Array.from({ length: conns }, async () => { while (left-- > 0) if ((await one()) !== 200) bad++; }));
  if (bad) console.log('non-200:', bad);
};
const t0 = Date.now();
await drive(warm);
const q0 = await ask();
execFileSync('callgrind_control', ['-i', 'on', String(child.pid)]); execFileSync('callgrind_control', ['-z', String(child.pid)]);
const t1 = Date.now();
await drive(meas);
execFileSync('callgrind_control', ['-d', 'measured', String(child.pid)]); execFileSync('callgrind_control', ['-i', 'off', String(child.pid)]);
const q1 = await ask();
console.log(JSON.stringify({ tree, side: side ?? 'release', warm, meas, conns, statements: q1 - q0, per_statement: +(meas / (q1 - q0)).toFixed(2), warm_s: (t1 - t0) / 1000, meas_s: (Date.now() - t1) / 1000, load: loadavg().map((x) => +x.toFixed(2)), out, map: `/tmp/perf-${child.pid}.map` }));
agent.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
