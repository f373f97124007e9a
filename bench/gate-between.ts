import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { round } from './lib.ts';
import { asReceived, cedarCall, cedarEntities, statutoryPolicies } from './gate.ts';
import { loadTree } from './gate-trees.ts';

/**
 * What runs between the chunks decides what a gain is worth (issue 20, goal 4; docs/gate-history.md,
 * "seventh round"): the committed gate bench runs 500 Cedar calls before every chunk of 500
 * decisions, `bench/gate-ab.ts` Cedar only before every fourth. This runs two trees' `decide`
 * (each over its own world, as gate-ab does) with one of several things just before each chunk,
 * rotated chunk by chunk so each sees the same machine load:
 *
 *   node --max-semi-space-size=64 --import tsx bench/gate-between.ts <treeA> [treeB] [rounds]
 *
 *   cedar    500 Cedar-wasm calls on the chunk's requests (the committed bench's pattern)
 *   none     nothing (what ran last is the other tree's chunk: gate-ab's usual case)
 *   sweep2   a sequential read of 2 MB (evicts L1 and L2, not the 32 MB L3)
 *   sweep64  a sequential read of 64 MB (evicts every cache level, and the data TLB)
 *   pages    one read per 4 KB page over 256 MB (the TLBs and page-walk caches, ~16 MB of lines)
 *   garbage  ~40 MB of short-lived JS objects (young-generation churn, as Cedar's results make)
 *
 * Prints the p50 of each tree's decisions per disturbance, per round, and the medians.
 * Not part of `npm run bench`.
 */
const treeA = resolve(process.argv[2] ?? '/tmp/gate-before');
const treeB = process.argv[3] && !/^\d+$/.test(process.argv[3]) ? resolve(process.argv[3]) : undefined;
const ROUNDS = Number((treeB ? process.argv[4] : process.argv[3]) ?? 3);

// Requests as the server receives them (asReceived), for each tree alike.
const received = async (name: string, root: string) => {
  const t = await loadTree(name, root);
  t.reqs = t.reqs.map((r) => asReceived(r as Parameters<typeof asReceived>[0]));
  return t;
};
const trees = [await received('A', treeA)];
if (treeB) trees.push(await received('B', treeB));
// Diagnostics: both trees decide one tree's request objects (REQS=A or REQS=B), to tell the
// requests' memory layout from the world's.
if (process.env.REQS === 'A' || process.env.REQS === 'B') {
  const from = process.env.REQS === 'A' ? trees[0]! : trees[trees.length - 1]!;
  for (const t of trees) t.reqs = from.reqs;
}
for (const t of trees) for (let i = 0; i < 200_000; i++) t.decide(t.reqs[i % t.reqs.length], t.ctx);

type Registry = Parameters<typeof statutoryPolicies>[0];
type World = Parameters<typeof cedarEntities>[1];
type Req = Parameters<typeof cedarCall>[0];
const first = trees[0]!;
const pre = cedar.preparsePolicySet('statutory', { staticPolicies: statutoryPolicies(first.registry as Registry) });
if (pre.type !== 'success') throw new Error('statutory Cedar policies do not parse');
const entities = cedarEntities(first.registry as Registry, first.world as World);
const calls = (first.reqs as Req[]).map((r) => cedarCall(r, entities));
for (let i = 0; i < 2_000; i++) cedar.statefulIsAuthorized(calls[i]!);

const big = new Int32Array((256 << 20) >> 2);
for (let i = 0; i < big.length; i += 1024) big[i] = i;
let sink = 0;
const sweep = (bytes: number): void => {
  for (let i = 0; i < bytes >> 2; i += 16) sink += big[i]!;
};
const disturbances: Record<string, (start: number, end: number) => void> = {
  cedar: (start, end) => {
    for (let i = start; i < end; i++) cedar.statefulIsAuthorized(calls[i]!);
  },
  none: () => {},
  sweep2: () => sweep(2 << 20),
  sweep64: () => sweep(64 << 20),
  pages: () => {
    // A different line in each page (offset by the page number), so the reads are not all in one cache set.
    for (let p = 0; p < big.length >> 10; p++) sink += big[(p << 10) + ((p & 63) << 4)]!;
  },
  garbage: () => {
    let keep: unknown = null;
    for (let i = 0; i < 500_000; i++) keep = { i, next: keep === null ? null : i & 1 ? keep : null, s: 'x' };
    sink += keep === null ? 0 : 1;
  },
};
const names = Object.keys(disturbances);
const n = first.reqs.length;
const perRound: Array<Record<string, number>> = [];
for (let r = 0; r < ROUNDS; r++) {
  const lat: Record<string, number[]> = {};
  for (const t of trees) for (const d of names) lat[`${t.name} ${d}`] = [];
  let k = r;
  for (let start = 0; start + 500 <= n; start += 500, k++) {
    const d = names[k % names.length]!;
    const order = (k >> 3) % 2 === 0 ? trees : [...trees].reverse();
    for (const t of order) {
      disturbances[d]!(start, start + 500);
      const out = lat[`${t.name} ${d}`]!;
      for (let i = start; i < start + 500; i++) {
        const t0 = process.hrtime.bigint();
        t.decide(t.reqs[i], t.ctx);
        out.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const row: Record<string, number> = {};
  for (const key of Object.keys(lat)) row[key] = p50(lat[key]!);
  perRound.push(row);
  console.log(`round ${r + 1}: ${names.map((d) => `${d} ${trees.map((t) => round(row[`${t.name} ${d}`]!, 3)).join('/')}`).join(' | ')}; load ${loadavg().map((x) => round(x, 2)).join(' ')}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  `median p50 (µs${trees.length > 1 ? ', A/B' : ''}): ${names
    .map((d) => {
      const ms = trees.map((t) => median(perRound.map((row) => row[`${t.name} ${d}`]!)));
      return `${d} ${ms.map((x) => round(x, 3)).join('/')}${ms.length > 1 ? ` (${round(ms[0]! / ms[1]!, 2)}×)` : ''}`;
    })
    .join(' | ')}${sink === 0.5 ? '' : ''}`,
);
