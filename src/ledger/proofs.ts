import { CgError } from '../core/errors.ts';
import { EMPTY_ROOT, nodeHash } from './hash.ts';
import { consistencyRanges, inclusionRanges, isSize, nodesForRanges, rangeNodes, type NodeKey, type Range } from './tree-math.ts';

/** Reads the hash of a complete subtree. Level 0 is the leaf hashes. */
export type NodeSource = (level: number, index: number) => Uint8Array;

/**
 * What a proof needs: its subtree ranges and the distinct stored nodes those are made of.
 * A database fetches `nodes` in one query, then calls `assemble`.
 */
export interface ProofPlan {
  readonly ranges: readonly Range[];
  readonly nodes: readonly NodeKey[];
}

/** MTH of one range from its complete subtrees (right fold: the left part of every split is complete). */
export function hashRange(r: Range, node: NodeSource): Uint8Array {
  if (r.end === r.start) return EMPTY_ROOT;
  const keys = rangeNodes(r);
  let h = node(keys[keys.length - 1]!.level, keys[keys.length - 1]!.index);
  for (let i = keys.length - 2; i >= 0; i--) h = nodeHash(node(keys[i]!.level, keys[i]!.index), h);
  return h;
}

export function assemble(plan: ProofPlan, node: NodeSource): Uint8Array[] {
  return plan.ranges.map((r) => hashRange(r, node));
}

/** Plan of the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionPlan(index: number, size: number): ProofPlan {
  checkInclusionArgs(index, size);
  const ranges = inclusionRanges(index, size);
  return { ranges, nodes: nodesForRanges(ranges) };
}

function checkInclusionArgs(index: number, size: number): void {
  if (!isSize(size)) throw new CgError('BAD_RANGE', `tree size must be a non-negative integer`, 400, [{ code: 'BAD_RANGE', message: 'invalid size', path: 'treeSize' }]);
  if (!isSize(index) || index >= size) {
    throw new CgError('INDEX_OUT_OF_RANGE', `leaf index ${String(index)} is not below tree size ${size}`, 400, [
      { code: 'INDEX_OUT_OF_RANGE', message: 'index must be < tree size', path: 'index' },
    ]);
  }
}

/** Plan of the consistency proof between tree sizes `oldSize` ≤ `newSize`. Empty when old is 0 or equal. */
export function consistencyPlan(oldSize: number, newSize: number): ProofPlan {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) {
    throw new CgError('BAD_RANGE', `consistency needs 0 ≤ from ≤ to, got from=${String(oldSize)} to=${String(newSize)}`, 400, [
      { code: 'BAD_RANGE', message: 'from must not exceed to', path: 'from' },
    ]);
  }
  if (oldSize === 0 || oldSize === newSize) return { ranges: [], nodes: [] };
  const ranges = consistencyRanges(oldSize, newSize);
  return { ranges, nodes: nodesForRanges(ranges) };
}

/** Inclusion proof from a synchronous node source (memory): ranges straight to hashes, no plan. */
export function inclusionProof(node: NodeSource, index: number, size: number, range: RangeHasher = hashRange): Uint8Array[] {
  checkInclusionArgs(index, size);
  return inclusionRanges(index, size).map((r) => range(r, node));
}

export function consistencyProof(node: NodeSource, oldSize: number, newSize: number, range: RangeHasher = hashRange): Uint8Array[] {
  return consistencyPlan(oldSize, newSize).ranges.map((r) => range(r, node));
}

/** How a proof turns a subtree range into its hash (a tree may cache its ragged right edge). */
export type RangeHasher = (r: Range, node: NodeSource) => Uint8Array;
