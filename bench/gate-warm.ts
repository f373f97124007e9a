import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { loadavg } from 'node:os';
import { decide } from '../src/core/gate/decide.ts';
import type { ReleaseRequest } from '../src/core/gate/types.ts';
import { benchSample, cedarCall, cedarEntities, statutoryPolicies } from './gate.ts';
import { round } from './lib.ts';
import { idHash } from '../src/core/gate/open-addressing.ts';

/**
 * Which memory a decision waits on after Cedar-wasm has run (issue 20, goal 4):
 *
 *   node --max-semi-space-size=64 --import tsx bench/gate-warm.ts [rounds]
 *
 * The gate bench's pattern (bench/gate.ts): 500 Cedar calls, then our 500 decisions on the next
 * requests, per-call timed. Before each chunk's decisions one "warmer" touches one thing for the
 * chunk's requests — nothing, the member's entry, the subject's table slot alone, its region's first line alone, both, the subject's table slot and record (a
 * `subjects.get`, which compares the id in the record's first cells), the record's later cells,
 * the request's own strings, or the whole decision once (a second pass) — and the p50 of the
 * chunk's decisions says what that thing costs when it is cold. Warmers rotate chunk by chunk,
 * so each sees the same machine load. Not part of `npm run bench`.
 */
const ROUNDS = Number(process.argv[2] ?? 2);
const { registry, world, reqs, ctx } = benchSample();
const pre = cedar.preparsePolicySet('statutory', { staticPolicies: statutoryPolicies(registry) });
if (pre.type !== 'success') throw new Error('statutory Cedar policies do not parse');
const entities = cedarEntities(registry, world);
const calls = reqs.map((r) => cedarCall(r, entities));
for (let i = 0; i < 300_000; i++) decide(reqs[i % reqs.length]!, ctx);

let sink = 0;
type Cells = { readonly [i: number]: unknown };
// Each request's subject-table slot and region base, found before timing, so that a warmer can
// touch the slot alone or the region's first line alone (GateRecords' private table: (hash,
// region) int32 pairs; docs/gate-history.md, tenth round).
const records = world.records as unknown as { table: Int32Array; slots: number; cells: unknown[]; get(id: string): { base: number } | undefined };
const slotOf = reqs.map((r) => {
  const rec = records.get(r.subject);
  if (rec === undefined) return -1;
  const mask = records.slots - 1;
  for (let i = idHash(r.subject) & mask; ; i = (i + 1) & mask) if (records.table[2 * i + 1] === rec.base) return 2 * i;
});
const warmers: Record<string, (r: ReleaseRequest, i: number) => void> = {
  nothing: () => {},
  // The subject's table slot only, its region's first line only, and both (no id compare, no request string).
  slot: (_r, i) => {
    const s = slotOf[i]!;
    if (s >= 0) sink += records.table[s]!;
  },
  'region head': (_r, i) => {
    const s = slotOf[i]!;
    if (s >= 0) sink += records.cells[records.table[s + 1]! + 1] as number;
  },
  'slot and head': (_r, i) => {
    const s = slotOf[i]!;
    if (s >= 0) sink += records.table[s]! + (records.cells[records.table[s + 1]! + 1] as number);
  },
  member: (r) => {
    sink += ctx.members.get(r.recipientId)?.key ?? 0;
  },
  record: (r) => {
    if (ctx.subjects.get(r.subject) !== undefined) sink++;
  },
  'record and cells': (r) => {
    const s = ctx.subjects.get(r.subject) as unknown as Cells | undefined;
    if (s !== undefined) for (let i = 0; i < 128; i += 4) if (typeof s[i] === 'number') sink++;
  },
  request: (r) => {
    sink += r.subject.length + r.purpose.length + (r.items?.length ?? 0) + (r.orderRef?.length ?? 0) + r.at;
  },
  // The whole region (every cell: header, id, orders, consent keys and data), and the stored
  // order refs' characters: what a seller's decision reads beyond the region's first lines.
  region: (r) => {
    const rec = ctx.subjects.get(r.subject) as unknown as { base: number; n: number; owner?: unknown } | undefined;
    const cells = (world.records as unknown as { cells: unknown[] }).cells;
    if (rec === undefined) return;
    for (let i = rec.base; i < rec.base + rec.n; i += 4) {
      const v = cells[i];
      if (typeof v === 'string') sink += v.length + v.charCodeAt(v.length - 1);
      else if (v !== undefined) sink++;
    }
  },
  // The region's cells only (pointers, not what they point to), and the stored refs' characters only.
  'region cells': (r) => {
    const rec = ctx.subjects.get(r.subject) as unknown as { base: number; n: number } | undefined;
    const cells = (world.records as unknown as { cells: unknown[] }).cells;
    if (rec === undefined) return;
    for (let i = rec.base; i < rec.base + rec.n; i += 4) if (cells[i] !== undefined) sink++;
  },
  'order refs': (r) => {
    const rec = ctx.subjects.get(r.subject) as unknown as { base: number; n: number } | undefined;
    const cells = (world.records as unknown as { cells: unknown[] }).cells;
    if (rec === undefined) return;
    for (let i = rec.base + 8; i < rec.base + 40; i++) {
      const v = cells[i];
      if (typeof v === 'string' && v.length > 12) sink += v.charCodeAt(v.length - 1);
    }
  },
  // The code and the shared tables, not this chunk's data: the same kinds of decision over
  // requests of other subjects and members (the chunk 50 000 requests on).
  code: (_r, i) => {
    if (decide(reqs[(i + 50_000) % reqs.length]!, ctx).allow) sink++;
  },
  // The code and the shared tables with almost no per-subject data: 500 decisions over 50 requests.
  code50: (_r, i) => {
    if (decide(reqs[50_000 + (i % 50)]!, ctx).allow) sink++;
  },
  'the decision': (r) => {
    if (decide(r, ctx).allow) sink++;
  },
};
const names = Object.keys(warmers);
const lat: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
const sellerLat: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
let k = 0;
for (let pass = 0; pass < ROUNDS; pass++) {
  for (let s = 0; s + 500 <= reqs.length; s += 500, k++) {
    const name = names[k % names.length]!;
    for (let i = s; i < s + 500; i++) cedar.statefulIsAuthorized(calls[i]!);
    const warm = warmers[name]!;
    for (let i = s; i < s + 500; i++) warm(reqs[i]!, i);
    for (let i = s; i < s + 500; i++) {
      const t0 = process.hrtime.bigint();
      decide(reqs[i]!, ctx);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      lat[name]!.push(us);
      if (reqs[i]!.recipientId.startsWith('seller_')) sellerLat[name]!.push(us);
    }
  }
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`sellers only: ${names.map((n) => `${n} ${round(p50(sellerLat[n]!), 3)}`).join(' | ')}`);
console.log(`p50 µs with warm before each chunk: ${names.map((n) => `${n} ${round(p50(lat[n]!), 3)}`).join(' | ')}; load ${loadavg().map((x) => round(x, 2)).join(' ')}${sink < 0 ? '' : ''}`);
