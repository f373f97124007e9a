import { isDeepStrictEqual } from 'node:util';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { round, summarize } from './lib.ts';
import { cedarCall, cedarEntities, statutoryPolicies } from './gate.ts';
import { loadTree } from './gate-trees.ts';

/**
 * Before/after of the statutory decision in one process, under the same machine load:
 *
 *   git worktree add --detach /tmp/gate-before <commit>   # the tree to compare with
 *   node --import tsx bench/gate-ab.ts /tmp/gate-before [rounds]
 *
 * Each tree builds the gate bench's world and requests with its own code (bench/gate.ts, same
 * seed); both then decide the same request objects (this tree's, parsed as the server's are), the decisions are checked to be the same (allow/deny, code, items, trace), then both
 * `decide`s run over the same requests in alternating chunks of 500, per-call timed, for several
 * rounds; p50/p99 per round and the median of the rounds are printed. Every fourth chunk also
 * runs Cedar-wasm on the same requests (bench/gate.ts's statutory policies), so the ratio to Cedar
 * before and after comes from the same run, on the same chunks. Not part of `npm run bench`.
 */
const other = resolve(process.argv[2] ?? '/tmp/gate-before');
const ROUNDS = Number(process.argv[3] ?? 5);

const before = await loadTree('before', other);
const after = await loadTree('after', resolve(new URL('..', import.meta.url).pathname));
// Both sides decide requests built the same way (as the server receives them, when this tree says how).
const { asReceived } = (await import('./gate.ts')) as { asReceived?: (r: unknown) => unknown };
if (asReceived) after.reqs = after.reqs.map(asReceived);
// And both decide the same request objects: where a set of 100k parsed requests lies in the heap
// moves a tree's p50 by up to 14% (an A/A with one set each favoured the set parsed second:
// docs/gate-history.md, seventh round), which is the requests' layout, not the code.
if (before.reqs.length !== after.reqs.length || before.reqs.some((r, i) => JSON.stringify(r) !== JSON.stringify(after.reqs[i]))) {
  throw new Error('the two trees build different requests: nothing to compare');
}
before.reqs = after.reqs;

let same = 0;
for (let i = 0; i < before.reqs.length; i++) {
  const a = before.decide(before.reqs[i], before.ctx);
  const b = after.decide(after.reqs[i], after.ctx);
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))) same++;
  else if (same + 5 > i) console.log('differs', i, JSON.stringify(a).slice(0, 300), JSON.stringify(b).slice(0, 300));
}
console.log(`same decision on ${same}/${before.reqs.length} requests`);

for (const t of [before, after]) for (let i = 0; i < 50_000; i++) t.decide(t.reqs[i % t.reqs.length], t.ctx);
type Registry = Parameters<typeof statutoryPolicies>[0];
type World = Parameters<typeof cedarEntities>[1];
type Req = Parameters<typeof cedarCall>[0];
const pre = cedar.preparsePolicySet('statutory', { staticPolicies: statutoryPolicies(after.registry as Registry) });
if (pre.type !== 'success') throw new Error('statutory Cedar policies do not parse');
const entities = cedarEntities(after.registry as Registry, after.world as World);
const calls = (after.reqs as Req[]).map((r) => cedarCall(r, entities));
for (let i = 0; i < 2_000; i++) cedar.statefulIsAuthorized(calls[i]!);

const rounds: Array<{ before: number; after: number; p99b: number; p99a: number; cedar: number; beforeSub: number; afterSub: number }> = [];
const n = before.reqs.length;
for (let r = 0; r < ROUNDS; r++) {
  const lat = { before: new Float64Array(n), after: new Float64Array(n) };
  const sub = { before: [] as number[], after: [] as number[], cedar: [] as number[] };
  for (let start = 0; start < n; start += 500) {
    const end = Math.min(n, start + 500);
    const chunk = start / 500;
    // Alternate which goes first, so neither always runs on the warmer cache.
    for (const t of chunk % 2 === 0 ? [before, after] : [after, before]) {
      const out = lat[t.name as 'before' | 'after'];
      for (let i = start; i < end; i++) {
        const t0 = process.hrtime.bigint();
        t.decide(t.reqs[i], t.ctx);
        out[i] = Number(process.hrtime.bigint() - t0) / 1000;
      }
      if (chunk % 4 === 0) for (let i = start; i < end; i++) sub[t.name as 'before' | 'after'].push(out[i]!);
    }
    if (chunk % 4 === 0) {
      for (let i = start; i < end; i++) {
        const t0 = process.hrtime.bigint();
        cedar.statefulIsAuthorized(calls[i]!);
        sub.cedar.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  const b = summarize(lat.before, 1);
  const a = summarize(lat.after, 1);
  const row = { before: b.p50_us, after: a.p50_us, p99b: b.p99_us, p99a: a.p99_us, cedar: summarize(sub.cedar, 1).p50_us, beforeSub: summarize(sub.before, 1).p50_us, afterSub: summarize(sub.after, 1).p50_us };
  rounds.push(row);
  console.log(
    `round ${r + 1}: before p50 ${row.before} µs p99 ${row.p99b} | after p50 ${row.after} µs p99 ${row.p99a} | on the Cedar chunks: Cedar p50 ${row.cedar} µs, ` +
      `before ${round(row.cedar / row.beforeSub, 1)}×, after ${round(row.cedar / row.afterSub, 1)}×`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
console.log(
  `median of ${ROUNDS} rounds: before p50 ${m((r) => r.before)} µs p99 ${m((r) => r.p99b)}, after p50 ${m((r) => r.after)} µs p99 ${m((r) => r.p99a)} ` +
    `(${round(m((r) => r.before) / m((r) => r.after), 2)}× faster); Cedar p50 ${m((r) => r.cedar)} µs: before ${round(m((r) => r.cedar / r.beforeSub), 1)}×, after ${round(m((r) => r.cedar / r.afterSub), 1)}×; ` +
    `load ${loadavg().map((x) => round(x, 2)).join(' ')}`,
);
