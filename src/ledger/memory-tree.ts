import { CgError } from '../core/errors.ts';
import { HASH_SIZE, isHash, leafHash, nodeHash } from './hash.ts';
import { consistencyProof, hashRange, inclusionProof, type NodeSource } from './proofs.ts';
import type { Range } from './tree-math.ts';
import { isSize } from './tree-math.ts';

/** One level of complete-subtree hashes, packed in a growable buffer (no object per node). */
class Level {
  buf = new Uint8Array(HASH_SIZE * 1024);
  count = 0;

  push(h: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(h, this.count * HASH_SIZE);
    this.count++;
  }

  get(i: number): Uint8Array {
    // A view, not a copy: complete nodes never change, and a regrown buffer keeps old views valid.
    return this.buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
}

/**
 * An in-memory RFC 9162 tree storing every complete subtree, so roots and proofs for any
 * earlier size cost O(log n) node reads. Used by tests, benchmarks and offline tools; the
 * server keeps the same nodes in PostgreSQL (`src/store/ledger-*.ts`).
 */
export class MerkleTree {
  private readonly levels: Level[] = [new Level()];

  static of(entries: readonly Uint8Array[]): MerkleTree {
    const t = new MerkleTree();
    for (const e of entries) t.append(e);
    return t;
  }

  get size(): number {
    return this.levels[0]!.count;
  }

  /** Appends an entry (hashed as a leaf); returns its index. */
  append(entry: Uint8Array): number {
    return this.appendLeafHash(leafHash(entry));
  }

  appendLeafHash(leaf: Uint8Array): number {
    if (!isHash(leaf)) throw new CgError('INVALID_HASH', 'leaf hash must be 32 bytes');
    const index = this.size;
    this.levels[0]!.push(leaf);
    // Close every subtree this leaf completes: amortised one node hash per append.
    let level = 0;
    let i = index;
    let h = leaf;
    while (i % 2 === 1) {
      h = nodeHash(this.levels[level]!.get(i - 1), h);
      level++;
      i = (i - 1) / 2;
      if (this.levels.length === level) this.levels.push(new Level());
      this.levels[level]!.push(h);
    }
    return index;
  }

  leafHash(index: number): Uint8Array {
    if (!isSize(index) || index >= this.size) throw new CgError('INDEX_OUT_OF_RANGE', `no leaf ${String(index)} in a tree of ${this.size}`, 404);
    return this.levels[0]!.get(index).slice();
  }

  /** The stored complete subtree hash (level, index); throws if that subtree is not complete. */
  readonly node: NodeSource = (level, index) => {
    const l = this.levels[level];
    if (!l || index >= l.count) throw new CgError('NODE_MISSING', `no complete subtree at level ${level} index ${index}`, 500);
    return l.get(index);
  };

  root(size: number = this.size): Uint8Array {
    this.checkSize(size);
    return this.range({ start: 0, end: size }, this.node).slice();
  }

  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.checkSize(size);
    return inclusionProof(this.node, index, size, this.range).map((h) => h.slice());
  }

  consistencyProof(oldSize: number, newSize: number = this.size): Uint8Array[] {
    this.checkSize(newSize);
    return consistencyProof(this.node, oldSize, newSize, this.range).map((h) => h.slice());
  }

  /**
   * Every proof against one tree size shares the same ragged right edge (the subtrees ending at
   * `size` that are not complete): cache their hashes for the size last asked about, so a proof
   * is node lookups rather than O(log n) hashing. Complete ranges are read directly.
   */
  private edgeSize = -1;
  private readonly edge = new Map<number, Uint8Array>();
  private readonly range = (r: Range, node: NodeSource): Uint8Array => {
    const n = r.end - r.start;
    if ((n & (n - 1)) === 0 && n > 0 && n <= 2 ** 30) return node(Math.log2(n), r.start / n);
    if (this.edgeSize !== r.end) {
      this.edge.clear();
      this.edgeSize = r.end;
    }
    let h = this.edge.get(r.start);
    if (!h) {
      h = hashRange(r, node);
      this.edge.set(r.start, h);
    }
    return h;
  };

  private checkSize(size: number): void {
    if (!isSize(size) || size > this.size) {
      throw new CgError('BAD_RANGE', `tree size ${String(size)} is beyond the ${this.size} leaves appended`, 400);
    }
  }
}

/** RFC 9162 §2.1.1 MTH over leaf hashes (each already `leafHash(entry)`): the tree's root. */
export function rootHash(leafHashes: readonly Uint8Array[]): Uint8Array {
  const t = new MerkleTree();
  for (const h of leafHashes) t.appendLeafHash(h);
  return t.root();
}
