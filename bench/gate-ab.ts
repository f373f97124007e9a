import { isDeepStrictEqual } from 'node:util';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { round, summarize } from './lib.ts';

/**
 * Before/after of the statutory decision in one process, under the same machine load:
 *
 *   git worktree add --detach /tmp/gate-before <commit>   # the tree to compare with
 *   node --import tsx bench/gate-ab.ts /tmp/gate-before [rounds]
 *
 * Each tree builds the gate bench's world and requests with its own code (bench/gate.ts, same
 * seed), the decisions are checked to be the same (allow/deny, code, items, trace), then both
 * `decide`s run over the same requests in alternating chunks of 500, per-call timed, for several
 * rounds; p50/p99 per round and the median of the rounds are printed. Not part of `npm run bench`.
 */
const other = resolve(process.argv[2] ?? '/tmp/gate-before');
const ROUNDS = Number(process.argv[3] ?? 5);

interface Tree {
  name: string;
  decide: (r: unknown, ctx: unknown) => { allow: boolean };
  ctx: unknown;
  reqs: unknown[];
}

async function load(name: string, root: string): Promise<Tree> {
  const url = (p: string) => pathToFileURL(`${root}/${p}`).href;
  const [{ mulberry32 }, gate, { decide }, { SuspensionIndex }, { RightsStopIndex }, { demoRegistry }] = await Promise.all([
    import(url('src/core/seeded-random.ts')),
    import(url('bench/gate.ts')),
    import(url('src/core/gate/decide.ts')),
    import(url('src/core/gate/suspension-index.ts')),
    import(url('src/core/rights/stops.ts')),
    import(url('test/gate/fakes.ts')),
  ]);
  const registry = demoRegistry();
  const rnd = mulberry32(20261123);
  const world = gate.buildWorld(registry, rnd);
  const reqs = gate.buildRequests(registry, world, rnd);
  const ctx = {
    registry,
    consents: world.consents,
    members: world.members,
    subjects: world.subjectInfo,
    orders: world.orders,
    suspensions: new SuspensionIndex(),
    rightsStops: new RightsStopIndex(),
  };
  return { name, decide, ctx, reqs };
}

const before = await load('before', other);
const after = await load('after', resolve(new URL('..', import.meta.url).pathname));

let same = 0;
for (let i = 0; i < before.reqs.length; i++) {
  const a = before.decide(before.reqs[i], before.ctx);
  const b = after.decide(after.reqs[i], after.ctx);
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))) same++;
  else if (same + 5 > i) console.log('differs', i, JSON.stringify(a).slice(0, 300), JSON.stringify(b).slice(0, 300));
}
console.log(`same decision on ${same}/${before.reqs.length} requests`);

for (const t of [before, after]) for (let i = 0; i < 50_000; i++) t.decide(t.reqs[i % t.reqs.length], t.ctx);

const rounds: Array<Record<string, { p50_us: number; p99_us: number; mean_us: number }>> = [];
const n = before.reqs.length;
for (let r = 0; r < ROUNDS; r++) {
  const lat = { before: new Float64Array(n), after: new Float64Array(n) };
  for (let start = 0; start < n; start += 500) {
    const end = Math.min(n, start + 500);
    // Alternate which goes first, so neither always runs on the warmer cache.
    for (const t of (start / 500) % 2 === 0 ? [before, after] : [after, before]) {
      const out = lat[t.name as 'before' | 'after'];
      for (let i = start; i < end; i++) {
        const t0 = process.hrtime.bigint();
        t.decide(t.reqs[i], t.ctx);
        out[i] = Number(process.hrtime.bigint() - t0) / 1000;
      }
    }
  }
  const s = { before: summarize(lat.before, 1), after: summarize(lat.after, 1) };
  rounds.push(s);
  console.log(`round ${r + 1}: before p50 ${s.before.p50_us} µs p99 ${s.before.p99_us} mean ${s.before.mean_us} | after p50 ${s.after.p50_us} µs p99 ${s.after.p99_us} mean ${s.after.mean_us}`);
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p50b = median(rounds.map((r) => r.before!.p50_us));
const p50a = median(rounds.map((r) => r.after!.p50_us));
console.log(`median of ${ROUNDS} rounds: before p50 ${p50b} µs, after p50 ${p50a} µs (${round(p50b / p50a, 2)}× faster); load ${loadavg().map((x) => round(x, 2)).join(' ')}`);
