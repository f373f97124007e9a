import { CgError } from '../core/errors.ts';
import { EMPTY_ROOT, HASH_SIZE, isHash, nodeHash } from './hash.ts';
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
