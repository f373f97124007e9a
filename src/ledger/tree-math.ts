/**
 * Pure tree arithmetic of RFC 9162 §2.1: which subtrees a proof consists of, and which stored
 * complete subtrees ("nodes") each of those is made of. Nothing here hashes; the callers turn
 * the plan into hashes from whatever node source they have (memory, database), so a server
 * can fetch every node a proof needs in one read.
 *
 * Sizes and indexes are JS numbers limited to safe integers; arithmetic avoids the 32-bit
 * bitwise operators so trees beyond 2^31 leaves stay correct.
 */

/** A complete subtree: the 2^level leaves starting at index·2^level. */
export interface NodeKey {
  readonly level: number;
  readonly index: number;
}

/** The leaves [start, end) of one MTH subtree (RFC 9162 §2.1.1 recursion). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

export const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Largest power of two strictly smaller than n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Largest power of two ≤ n (n ≥ 1). */
function floorPow2(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

const log2 = (p: number) => Math.round(Math.log2(p));

/**
 * The complete subtrees an MTH range is made of, left to right, largest first. The MTH of the
 * range is their right fold with nodeHash — the left part of every split is complete.
 */
export function rangeNodes(r: Range): NodeKey[] {
  const out: NodeKey[] = [];
  let s = r.start;
  while (s < r.end) {
    const p = floorPow2(r.end - s);
    if (s % p !== 0) throw new RangeError(`[${r.start}, ${r.end}) is not a subtree of an RFC 9162 tree`);
    out.push({ level: log2(p), index: s / p });
    s += p;
  }
  return out;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) as subtree ranges, in proof order (leaf's sibling first). */
export function inclusionRanges(index: number, size: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  let end = size;
  let m = index;
  // Walk down from the root, collecting the sibling of each subtree holding the leaf; the proof
  // lists them bottom-up, so reverse at the end.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      out.push({ start, end: start + k });
      start += k;
      m -= k;
    }
  }
  return out.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) as subtree ranges, in proof order. Requires 0 < m ≤ n. */
export function consistencyRanges(oldSize: number, newSize: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  let end = newSize;
  let m = oldSize;
  let b = true;
  // SUBPROOF(m, D[start:end], b), unrolled: each step records one sibling subtree.
  while (m !== end - start) {
    const n = end - start;
    const k = splitPoint(n);
    if (m <= k) {
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      out.push({ start, end: start + k });
      start += k;
      m -= k;
      b = false;
    }
  }
  if (!b) out.push({ start, end });
  return out.reverse();
}

/** Every distinct node key the ranges need, for one batched read. */
export function nodesForRanges(ranges: readonly Range[]): NodeKey[] {
  const seen = new Set<string>();
  const out: NodeKey[] = [];
  for (const r of ranges) {
    for (const k of rangeNodes(r)) {
      const id = `${k.level}/${k.index}`;
      if (!seen.has(id)) {
        seen.add(id);
        out.push(k);
      }
    }
  }
  return out;
}

/** Sizes of the complete subtrees making up a tree of `size` leaves (its "frontier"), largest first. */
export function frontierKeys(size: number): NodeKey[] {
  return size === 0 ? [] : rangeNodes({ start: 0, end: size });
}

/**
 * Levels of complete subtrees kept in storage: every NODE_STRIDE-th (level 0, the leaves, is
 * always there). Storing every level costs a row per appended leaf; every fourth level costs
 * one per 15, and any other node is the MTH of at most 2^(NODE_STRIDE-1) = 8 stored ones.
 */
export const NODE_STRIDE = 4;

export const isStoredLevel = (level: number): boolean => level % NODE_STRIDE === 0;

/**
 * The stored nodes a node is made of, left to right: itself when its level is stored, else its
 * descendants at the nearest stored level below — 2^(level − base) consecutive ones.
 */
export function storedCover(k: NodeKey): NodeKey[] {
  const base = k.level - (k.level % NODE_STRIDE);
  const n = 2 ** (k.level - base);
  const first = k.index * n;
  return Array.from({ length: n }, (_, i) => ({ level: base, index: first + i }));
}

/** How many nodes of stored levels ≥ 1 a tree of `size` leaves has: what storage must hold. */
export function storedNodeCount(size: number): number {
  let n = 0;
  for (let w = 2 ** NODE_STRIDE; w <= size; w *= 2 ** NODE_STRIDE) n += Math.floor(size / w);
  return n;
}
