import { decide } from '../src/core/gate/decide.ts';
import { benchSample } from './gate.ts';

/**
 * Which cells of the per-subject records a decision reads, and on how many cache lines
 * (issue 20, goal 4; docs/gate-history.md, eleventh round). Load-independent: no timing.
 *
 *   node --import tsx bench/gate-lines.ts [requests (default 20000)]
 *
 * The gate bench's world and requests (bench/gate.ts); `GateRecords.cells` is wrapped in a Proxy
 * that notes every index read, and each request is decided once. Per decision that reads the
 * records: the distinct cells read, and the distinct 64-byte lines they lie on
 *   - now: 8-byte cells, cell k at byte 24 + 8k of a line-aligned run (the array's elements start
 *     8 bytes into a line, after a 16-byte header: docs/gate-history.md, tenth round);
 *     and the aligned 128-byte pairs of lines they lie on (Intel's L2 fetches a line's pair along);
 *   - split: the cells holding int32 integers (packed ids and refs, keys, sizes, times as two
 *     integers with the NO_TIME marker) in an Int32Array at the same index (4 bytes, its
 *     data line-aligned), the others (pointers, booleans) where they are now;
 *   - at any alignment: the same cells with the region starting at each of a line's 8 cells, averaged;
 *   - contiguous: the cells read, and only they, side by side (8 bytes each), and split that way
 *     (integers 4 bytes, the rest 8): the least any layout of these cells could touch.
 * Not part of `npm run bench`.
 */
const N = Number(process.argv[2] ?? 20_000);
const { world, reqs, ctx } = benchSample();
const records = world.records as unknown as { cells: unknown[] };
const cells = records.cells;
let read: number[] = [];
const proxied = new Proxy(cells, {
  get(t, k, r) {
    if (typeof k === 'string' && /^\d+$/.test(k)) read.push(Number(k));
    return Reflect.get(t, k, r) as unknown;
  },
});
records.cells = proxied;
const int32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
const sum = { all: { n: 0, cells: 0, now: 0, pairs: 0, split: 0, contiguous: 0, contiguousSplit: 0, anyAlign: 0 }, allow: { n: 0, cells: 0, now: 0, pairs: 0, split: 0, contiguous: 0, contiguousSplit: 0, anyAlign: 0 } };
/** Decisions by the cell of its line a region's first cell lies in (0-7). */
const baseMod8 = [0, 0, 0, 0, 0, 0, 0, 0];
/** The allows' lines with their regions starting at cell 0-7 of a line. */
const allowAt = [0, 0, 0, 0, 0, 0, 0, 0];
// Each line a decision touches, by the part of the region its first cell read lies in (offsets as
// in GateRecord's layout: header 0-7, the packed id from 8, the order entries to ordersEnd (cell
// 4), the consent keys to keysEnd (cell 5), then the consents' data).
const PARTS = ['header', 'id', 'orders', 'consent keys', 'consent data', 'elsewhere'] as const;
const byPart = new Map<string, number>(PARTS.map((p) => [p, 0]));
const get = (world.records as unknown as { get(id: string): { base: number } | undefined }).get.bind(world.records);
for (let q = 0; q < Math.min(N, reqs.length); q++) {
  read = [];
  const base = (() => {
    records.cells = cells;
    const b = get(reqs[q]!.subject)?.base ?? -1;
    records.cells = proxied;
    return b;
  })();
  read = [];
  const { allow } = decide(reqs[q]!, ctx as never) as { allow: boolean };
  if (read.length === 0) continue;
  const ks = [...new Set(read)];
  const seen = new Set<number>();
  for (const k of ks) {
    const line = Math.floor((24 + 8 * k) / 64);
    if (seen.has(line)) continue;
    seen.add(line);
    const o = k - base;
    const idEnd = 8 + (cells[base + 3] as number);
    const part = base < 0 || o < 0 ? 'elsewhere' : o < 8 ? 'header' : o < idEnd ? 'id' : o < (cells[base + 4] as number) ? 'orders' : o < (cells[base + 5] as number) ? 'consent keys' : o < 1e4 ? 'consent data' : 'elsewhere';
    if (allow) byPart.set(part, byPart.get(part)! + 1);
  }
  const ints = ks.filter((k) => int32(cells[k]));
  const others = ks.filter((k) => !int32(cells[k]));
  const lines = (xs: number[], at: (k: number) => number) => new Set(xs.map((k) => Math.floor(at(k) / 64))).size;
  const row = {
    cells: ks.length,
    now: lines(ks, (k) => 24 + 8 * k),
    pairs: lines(ks, (k) => (24 + 8 * k) / 2),
    split: lines(ints, (k) => 4 * k) + lines(others, (k) => 24 + 8 * k),
    contiguous: Math.ceil((8 * ks.length) / 64),
    contiguousSplit: Math.ceil((4 * ints.length) / 64) + Math.ceil((8 * others.length) / 64),
    // The same cells with the region at each of the 8 positions a line can start it, averaged:
    // the layout's lines whatever the alignment (the bench's regions all have the same shape, so
    // where they happen to start in a line is much the same for all of them).
    anyAlign: base < 0 ? lines(ks, (k) => 24 + 8 * k) : [0, 1, 2, 3, 4, 5, 6, 7].reduce((t, sh) => t + lines(ks, (k) => 8 * (k - base + sh)), 0) / 8,
  };
  if (base >= 0) baseMod8[(24 + 8 * base) / 8 % 8]!++;
  if (base >= 0 && allow) for (let sh = 0; sh < 8; sh++) allowAt[sh]! += lines(ks, (k) => 8 * (k - base + sh));
  for (const s of allow ? [sum.all, sum.allow] : [sum.all]) {
    s.n++;
    for (const k of ['cells', 'now', 'pairs', 'split', 'contiguous', 'contiguousSplit', 'anyAlign'] as const) s[k] += row[k];
  }
}
console.log(`lines of the allows, by the part of the region first read on them: ${PARTS.map((p) => `${p} ${(byPart.get(p)! / sum.allow.n).toFixed(2)}`).join(', ')}`);
for (const [name, s] of Object.entries(sum)) {
  const per = (x: number) => (x / s.n).toFixed(2);
  console.log(`${name} (${s.n} decisions): cells read ${per(s.cells)}, lines now ${per(s.now)} (${per(s.pairs)} aligned 128-byte pairs), split ${per(s.split)}, contiguous ${per(s.contiguous)}, contiguous split ${per(s.contiguousSplit)}, at any alignment ${per(s.anyAlign)}`);
}
console.log(`decisions by the region's first cell's place in its line (0-7): ${baseMod8.join(' ')}`);
console.log(`allows' lines with the region starting at cell 0-7 of a line: ${allowAt.map((x) => (x / sum.allow.n).toFixed(2)).join(' ')}`);
