import { CgError } from '../core/errors.ts';
import { EMPTY_ROOT, HASH_SIZE, isHash, nodeHash, nodeHashAt } from './hash.ts';
import { frontierKeys, isSize, type NodeKey } from './tree-math.ts';

/**
 * The right frontier of a tree ("compact range" [0, size)): the hashes of the complete
 * subtrees whose sizes are the binary digits of `size`, largest first. It is all an appender
 * needs to extend the tree and compute its root — O(log n) state, no rebuild.
 */
export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

export interface StoredNode extends NodeKey {
  readonly hash: Uint8Array;
}

export const EMPTY_FRONTIER: Frontier = { size: 0, hashes: [] };

/**
 * Appends leaf hashes; returns the new frontier and every complete subtree of level ≥ 1 that
 * the appends closed (each exactly once over the log's life: amortised one per leaf).
 */
export function extendFrontier(f: Frontier, leaves: readonly Uint8Array[]): { frontier: Frontier; closed: StoredNode[] } {
  // Stack of (level, hash) with strictly decreasing levels, mirroring the binary digits of size.
  const levels = frontierKeys(f.size).map((k) => k.level);
  const stack = f.hashes.map((h, i) => ({ level: levels[i]!, hash: h }));
  const closed: StoredNode[] = [];
  let size = f.size;
  for (const leaf of leaves) {
    let node = { level: 0, hash: leaf };
    let idx = size; // index of `node` within its level
    while (stack.length > 0 && stack[stack.length - 1]!.level === node.level) {
      const left = stack.pop()!;
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
      idx = Math.floor(idx / 2);
      closed.push({ level: node.level, index: idx, hash: node.hash });
    }
    stack.push(node);
    size++;
  }
  return { frontier: { size, hashes: stack.map((s) => s.hash) }, closed };
}

/**
 * `extendFrontier` on an encoded frontier (encodeFrontier's bytes), for an appender that keeps
 * its head encoded (the journal, every batch): the same new frontier's bytes and the same closed
 * subtrees, of those levels `keep` accepts. It reads only the hashes the appends merge with
 * (the lowest few; a batch of k leaves merges with at most ~log2(k) + 1 of them) and copies the
 * rest as bytes, instead of slicing every hash of the frontier into an array of its own, a stack
 * entry per hash and a closed-node object per merge that the caller filters out — about 1 KiB of
 * young heap per release at 1,000/s, batches of a few decisions (docs/release-history.md, h-bytes2).
 * The same LEDGER_CORRUPT as decodeFrontier for bytes that do not fit `size`.
 */
export function extendEncodedFrontier(
  size: number,
  bytes: Uint8Array,
  leaves: readonly Uint8Array[],
  keep: (level: number) => boolean,
): { size: number; frontier: Uint8Array; closed: StoredNode[] } {
  if (!isSize(size) || bytes.length !== frontierLength(size) * HASH_SIZE) {
    throw new CgError('LEDGER_CORRUPT', `stored frontier does not fit tree size ${size}`, 500);
  }
  // The stack of extendFrontier, in two parts: the encoded hashes [0, old) — their levels the
  // binary digits of `oldBits`, the top's the lowest — and above them the nodes made here.
  let old = bytes.length / HASH_SIZE;
  let oldBits = size;
  let oldTop = lowestDigit(oldBits);
  const levels: number[] = [];
  const hashes: Uint8Array[] = [];
  const closed: StoredNode[] = [];
  let n = size;
  for (let k = 0; k < leaves.length; k++) {
    let level = 0;
    let hash = leaves[k]!;
    let idx = n; // index of `hash` within its level
    for (;;) {
      if (hashes.length > 0) {
        if (levels[levels.length - 1] !== level) break;
        levels.pop();
        hash = nodeHash(hashes.pop()!, hash);
      } else if (old > 0 && oldTop === level) {
        // The encoded hash read in place (no view of it made).
        hash = nodeHashAt(bytes, (old - 1) * HASH_SIZE, hash);
        old--;
        oldBits -= 2 ** level;
        oldTop = lowestDigit(oldBits);
      } else break;
      level++;
      idx = Math.floor(idx / 2);
      if (keep(level)) closed.push({ level, index: idx, hash });
    }
    levels.push(level);
    hashes.push(hash);
    n++;
  }
  const out = new Uint8Array((old + hashes.length) * HASH_SIZE);
  // The hashes not merged with, as one copy (a byte loop over ~0.5 KiB per batch before).
  if (old > 0) out.set(old * HASH_SIZE === bytes.length ? bytes : bytes.subarray(0, old * HASH_SIZE));
  for (let i = 0; i < hashes.length; i++) out.set(hashes[i]!, (old + i) * HASH_SIZE);
  return { size: n, frontier: out, closed };
}

/** The number of binary digits 1 of a size (its frontier's hashes); arithmetic, not 32-bit bit operators. */
function frontierLength(size: number): number {
  let count = 0;
  for (let v = size; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

/** The lowest binary digit 1 of `bits` (-1 for 0). */
function lowestDigit(bits: number): number {
  if (bits === 0) return -1;
  let level = 0;
  for (let v = bits; v % 2 === 0; v /= 2) level++;
  return level;
}

export function frontierRoot(f: Frontier): Uint8Array {
  if (f.size === 0) return EMPTY_ROOT.slice();
  let h = f.hashes[f.hashes.length - 1]!;
  for (let i = f.hashes.length - 2; i >= 0; i--) h = nodeHash(f.hashes[i]!, h);
  return h;
}

/** Serialised frontier: the concatenated hashes (the size is stored beside it). */
export function encodeFrontier(f: Frontier): Uint8Array {
  const out = new Uint8Array(f.hashes.length * HASH_SIZE);
  f.hashes.forEach((h, i) => out.set(h, i * HASH_SIZE));
  return out;
}

export function decodeFrontier(size: number, bytes: Uint8Array): Frontier {
  const want = frontierKeys(isSize(size) ? size : -1).length;
  if (!isSize(size) || bytes.length !== want * HASH_SIZE) {
    throw new CgError('LEDGER_CORRUPT', `stored frontier does not fit tree size ${size}`, 500);
  }
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < want; i++) hashes.push(bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  if (!hashes.every(isHash)) throw new CgError('LEDGER_CORRUPT', 'stored frontier is malformed', 500);
  return { size, hashes };
}
