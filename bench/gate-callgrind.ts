import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The statutory decision under callgrind (instruction counts and simulated cache misses, which
 * machine load does not change): `bench/gate-callgrind.sh [tree] [chunks]` runs this under
 * valgrind and prints the counts per decision. It builds the gate bench's world and requests
 * (bench/gate.ts) with the code of `tree` (default: this checkout), warms the JIT, and then —
 * instrumented from the driver's `callgrind_control -i on` to its dump — runs `chunks` chunks of
 * 500 consecutive requests, each after a 64 MB sweep of memory that evicts the simulated caches
 * as Cedar-wasm evicts the real ones between the bench's chunks. The driver leaves the sweep and
 * the JIT compiler out of the per-decision figures. Not part of `npm run bench`.
 */
const tree = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const flags = process.argv[3]!;
const CHUNKS = Number(process.argv[4] ?? 40);
const url = (p: string) => pathToFileURL(`${tree}/${p}`).href;
const { decide } = (await import(url('src/core/gate/decide.ts'))) as { decide: (r: unknown, ctx: unknown) => { allow: boolean } };
const { benchSample } = (await import(url('bench/gate.ts'))) as { benchSample: () => { reqs: unknown[]; ctx: unknown } };
const { reqs, ctx } = benchSample();

const memory = new Int32Array((64 << 20) >> 2);
let sink = 0;
function sweep(): void {
  for (let i = 0; i < memory.length; i += 16) sink += memory[i]!;
}
function chunk(k: number): number {
  sweep();
  let allows = 0;
  const from = (k * 500 * 7) % (reqs.length - 500);
  for (let i = from; i < from + 500; i++) if (decide(reqs[i], ctx).allow) allows++;
  return allows;
}
function run(): number {
  let allows = 0;
  for (let k = 0; k < CHUNKS; k++) allows += chunk(k);
  return allows;
}
// The harness's loop stays unoptimized, so that `decide` (and what it inlines) is never inlined
// into it: its instructions are then counted under its own name, and the loop's are left out.
const neverOptimize = new Function('f', '%NeverOptimizeFunction(f)') as (f: unknown) => void;
neverOptimize(chunk);
neverOptimize(run);

for (let i = 0; i < 300_000; i++) decide(reqs[i % reqs.length], ctx);
for (let w = 0; w < 3; w++) run();
const wait = (name: string) => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(`${flags}/${name}`)) Atomics.wait(cell, 0, 0, 20);
};
writeFileSync(`${flags}/ready`, '');
wait('go');
const allows = run();
writeFileSync(`${flags}/done`, `${CHUNKS * 500} ${allows} ${sink}\n`);
wait('exit');
