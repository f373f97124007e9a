import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Which data a decision's simulated LL misses are on (issue 20, goal 4; docs/gate-history.md, twelfth
 * round): `bench/gate-callgrind-parts.sh [tree] [chunks]` runs this under callgrind. The world,
 * requests and chunks of bench/gate-callgrind.ts (chunks of 500 requests, each after a 64 MB sweep
 * that evicts the simulated caches), run once per variant; before each chunk's decisions a
 * "warmer" touches one kind of data for the chunk's requests, and the LL read misses the
 * decisions lose against "nothing" are that data's. The warmers are plain loads in this file
 * (its functions are left out of the counts by name; they call no builtins), except "shared",
 * which decides 500 other requests (other subjects and members: the shared tables and code warm,
 * the chunk's own data not) and is measured against "shared-alone" (those 500 alone), and
 * "again", the chunk decided twice, against "nothing". Load-independent. Not part of `npm run bench`.
 */
const tree = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const flags = process.argv[3]!;
const CHUNKS = Number(process.argv[4] ?? 20);
const url = (p: string) => pathToFileURL(`${tree}/${p}`).href;
const { decide } = (await import(url('src/core/gate/decide.ts'))) as { decide: (r: unknown, ctx: unknown) => { allow: boolean } };
const { benchSample } = (await import(url('bench/gate.ts'))) as { benchSample: () => { reqs: Req[]; ctx: Ctx; world: { records: unknown } } };
interface Req { recipientId: string; subject: string; purpose: string; orderRef?: string; items?: string[]; at: number }
interface Ctx { members: unknown; subjects: unknown }
const { reqs, ctx, world } = benchSample();

// Private parts of the tables, for the warmers (found before anything is measured).
const records = world.records as { cells: unknown[]; table: Int32Array; slotOf(id: string): number };
const members = ctx.members as { cells: unknown[]; slotOf(id: string): number };
const slot = reqs.map((r) => records.slotOf(r.subject));
const base = slot.map((s) => (s < 0 ? -1 : records.table[s + 1]!));
// A region's cells in use: header and id, orders, consent keys, then DATA (8) cells per key cell.
const used = base.map((b) => {
  if (b < 0) return 0;
  const c = records.cells;
  const keysEnd = c[b + 5] as number;
  return keysEnd + (keysEnd - (c[b + 4] as number)) * 8;
});
const mslot = reqs.map((r) => members.slotOf(r.recipientId));

const memory = new Int32Array((64 << 20) >> 2);
let sink = 0;
function sweep(): void {
  for (let i = 0; i < memory.length; i += 16) sink += memory[i]!;
}
function touchString(s: string | undefined): void {
  if (s !== undefined && s.length > 0) sink += s.charCodeAt(0) + s.charCodeAt(s.length - 1);
}
function touchObject(v: unknown): void {
  if (typeof v === 'string') touchString(v);
  else if (Array.isArray(v)) sink += v.length > 0 ? 1 : 0;
  else if (typeof v === 'object' && v !== null) sink += (v as { base?: number; grant?: boolean }).grant === true ? 1 : 0;
}
type Warmer = (from: number) => void;
const warmers: Record<string, Warmer> = {
  nothing: () => {},
  // The request object's own fields: pointers compared with undefined, not followed (not `at`, whose box a load reads).
  'request object': (from) => {
    for (let i = from; i < from + 500; i++) {
      const r = reqs[i]!;
      sink += (r.recipientId !== undefined ? 1 : 0) + (r.subject !== undefined ? 1 : 0) + (r.purpose !== undefined ? 1 : 0) + (r.orderRef === undefined ? 1 : 0) + (r.items === undefined ? 1 : 0);
    }
  },
  // All of the request: its object, its time's box, its strings, its items.
  request: (from) => {
    for (let i = from; i < from + 500; i++) {
      const r = reqs[i]!;
      sink += r.at;
      touchString(r.recipientId);
      touchString(r.subject);
      touchString(r.purpose);
      touchString(r.orderRef);
      const xs = r.items;
      if (xs !== undefined) for (let k = 0; k < xs.length; k++) touchString(xs[k]);
    }
  },
  // The request's time: the object and the number's box.
  'request time': (from) => {
    for (let i = from; i < from + 500; i++) sink += reqs[i]!.at;
  },
  'request strings': (from) => {
    for (let i = from; i < from + 500; i++) {
      const r = reqs[i]!;
      touchString(r.recipientId);
      touchString(r.subject);
      touchString(r.purpose);
      touchString(r.orderRef);
    }
  },
  'request items': (from) => {
    for (let i = from; i < from + 500; i++) {
      const xs = reqs[i]!.items;
      if (xs === undefined) continue;
      for (let k = 0; k < xs.length; k++) touchString(xs[k]);
    }
  },
  'subject slot': (from) => {
    for (let i = from; i < from + 500; i++) if (slot[i]! >= 0) sink += records.table[slot[i]!]!;
  },
  'region': (from) => {
    const c = records.cells;
    for (let i = from; i < from + 500; i++) {
      const b = base[i]!;
      for (let k = 0; k < used[i]!; k++) sink += c[b + k] === undefined ? 1 : 0;
    }
  },
  // What the region's cells point to: the record object, consent slots, strings and lists (the shared ones are warm anyway).
  'region pointees': (from) => {
    const c = records.cells;
    for (let i = from; i < from + 500; i++) {
      const b = base[i]!;
      for (let k = 0; k < used[i]!; k++) touchObject(c[b + k]);
    }
  },
  'member slot': (from) => {
    const c = members.cells;
    for (let i = from; i < from + 500; i++) {
      const s = mslot[i]!;
      if (s >= 0) for (let k = 0; k < 6; k++) sink += c[s + k] === null ? 1 : 0;
    }
  },
  shared: (from) => {
    const o = (from + 50_000) % (reqs.length - 500);
    for (let i = o; i < o + 500; i++) decide(reqs[i], ctx);
  },
  again: (from) => {
    for (let i = from; i < from + 500; i++) decide(reqs[i], ctx);
  },
};
function chunk(k: number, warm: Warmer, alone: boolean): number {
  sweep();
  const from = (k * 500 * 7) % (reqs.length - 500);
  warm(from);
  if (alone) return 0;
  let allows = 0;
  for (let i = from; i < from + 500; i++) if (decide(reqs[i], ctx).allow) allows++;
  return allows;
}
function run(warm: Warmer, alone: boolean): number {
  let allows = 0;
  for (let k = 0; k < CHUNKS; k++) allows += chunk(k, warm, alone);
  return allows;
}
const neverOptimize = new Function('f', '%NeverOptimizeFunction(f)') as (f: unknown) => void;
neverOptimize(chunk);
neverOptimize(run);
neverOptimize(warmers.shared);
neverOptimize(warmers.again);
// Variant names: the warmers, and "shared-alone" (the shared warmer without the chunk's decisions).
// GATE_PARTS=nothing,region,... runs only those ("nothing" always; "shared" brings "shared-alone").
const only = process.env.GATE_PARTS?.split(',');
const all: [string, Warmer, boolean][] = Object.entries(warmers).map(([n, w]): [string, Warmer, boolean] => [n, w, false]);
all.push(['shared-alone', warmers.shared!, true]);
const variants = all.filter(([n]) => only === undefined || n === 'nothing' || only.includes(n) || (n === 'shared-alone' && only.includes('shared')));

for (let i = 0; i < 300_000; i++) decide(reqs[i % reqs.length], ctx);
for (let w = 0; w < 2; w++) for (const [, warm, alone] of variants) run(warm, alone);
const wait = (name: string) => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(`${flags}/${name}`)) Atomics.wait(cell, 0, 0, 20);
};
writeFileSync(`${flags}/variants`, variants.map(([n]) => n).join('\n') + '\n');
for (let v = 0; v < variants.length; v++) {
  const [, warm, alone] = variants[v]!;
  writeFileSync(`${flags}/ready.${v}`, '');
  wait(`go.${v}`);
  const allows = run(warm, alone);
  writeFileSync(`${flags}/done.${v}`, `${CHUNKS * 500} ${allows} ${sink}\n`);
}
wait('exit');
