import { Session } from 'node:inspector/promises';
import { decide } from '../src/core/gate/decide.ts';
import type { ReleaseRequest } from '../src/core/gate/types.ts';
import { allocatedBytesPerCall } from '../test/support/alloc.ts';
import { benchSample } from './gate.ts';

/**
 * Where each microsecond of the statutory decision goes (issue 20 goal 4):
 *
 *   node --import tsx bench/gate-profile.ts [seconds]
 *
 * Builds the gate bench's world and requests (bench/gate.ts), then, on the allow requests alone
 * and on all of them: bytes allocated per decision (bench/alloc.ts), a CPU profile of a few
 * seconds of decisions (self time by function), and a sampling heap profile of allocations by
 * function. Not part of `npm run bench`: the profiler itself costs CPU.
 */
const SECONDS = Number(process.argv[2] ?? 3);

const { world, reqs, ctx } = benchSample();
const allows = reqs.filter((r) => decide(r, ctx).allow);
const denies = reqs.filter((r) => !decide(r, ctx).allow);
for (let i = 0; i < 200_000; i++) decide(reqs[i % reqs.length]!, ctx);

const run = (xs: readonly ReleaseRequest[]) => (i: number) => decide(xs[i % xs.length]!, ctx);
console.log(`bytes allocated per decision: allow ${allocatedBytesPerCall(run(allows))}, deny ${allocatedBytesPerCall(run(denies))}, all ${allocatedBytesPerCall(run(reqs))}`);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
for (const [name, xs] of [['allow', allows], ['all', reqs]] as const) {
  await session.post('Profiler.start');
  const until = Date.now() + SECONDS * 1000;
  let n = 0;
  while (Date.now() < until) for (let i = 0; i < 10_000; i++, n++) decide(xs[n % xs.length]!, ctx);
  const { profile } = await session.post('Profiler.stop');
  console.log(`\n-- CPU, ${name} requests: ${n} decisions, ${((SECONDS * 1e6) / n).toFixed(3)} µs each (profiler on) --`);
  printSelf(profile as unknown as CpuProfile);
}

await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
for (let i = 0; i < 1_000_000; i++) decide(allows[i % allows.length]!, ctx);
const { profile: heap } = await session.post('HeapProfiler.stopSampling');
console.log('\n-- allocations sampled over 1e6 allow decisions (bytes, by allocating function) --');
printHeap(heap as unknown as HeapNode);
session.disconnect();

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
}

function printSelf(p: CpuProfile): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const s of p.samples) {
    const f = byId.get(s)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = p.samples.length;
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

interface HeapNode {
  head: { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: HeapNode['head'][] };
}

function printHeap(p: HeapNode): void {
  const by = new Map<string, number>();
  const walk = (n: HeapNode['head']) => {
    if (n.selfSize > 0) {
      const f = n.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
      by.set(key, (by.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c);
  };
  walk(p.head);
  const rows = [...by].sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (rows.length === 0) console.log('(none sampled)');
  for (const [k, v] of rows) console.log(`${String(v).padStart(10)}  ${k}`);
}
