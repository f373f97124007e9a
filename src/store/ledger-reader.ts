import { CgError } from '../core/errors.ts';
import { decodeFrontier, frontierRoot, type Frontier } from '../ledger/frontier.ts';
import { assemble, consistencyPlan, inclusionPlan, type ProofPlan } from '../ledger/proofs.ts';
import { rootHash } from '../ledger/memory-tree.ts';
import { rangeNodes, storedCover, type NodeKey } from '../ledger/tree-math.ts';
import type { Sql } from './sql.ts';

export interface LedgerHead {
  readonly size: number;
  readonly root: Uint8Array;
  readonly frontier: Frontier;
}

export interface StoredEntry {
  readonly index: number;
  readonly entry: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly subject: string | null;
  readonly createdAt: Date;
}

const bytes = (b: Uint8Array) => new Uint8Array(b);

/**
 * Reads the stored tree. Proofs never rebuild the tree: the node keys a proof needs are
 * computed purely (src/ledger/tree-math.ts) and fetched in ONE query — leaves from
 * ledger_entries, complete subtrees from ledger_nodes, which keeps every fourth level; a node
 * between is hashed from at most 8 stored ones — O(log n) rows.
 */
export class LedgerReader {
  constructor(private readonly db: Sql) {}

  async head(): Promise<LedgerHead> {
    const [row] = await this.db.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head WHERE singleton');
    if (!row) throw new CgError('LEDGER_CORRUPT', 'ledger head row is missing', 500);
    const frontier = decodeFrontier(row.size, bytes(row.frontier));
    return { size: row.size, root: frontierRoot(frontier), frontier };
  }

  async entry(index: number): Promise<StoredEntry | null> {
    const [row] = await this.db.query<{ idx: number; entry: Uint8Array; leaf_hash: Uint8Array; subject: string | null; created_at: Date }>(
      'SELECT idx, entry, leaf_hash, subject, created_at FROM ledger_entries WHERE idx = $1',
      [index],
    );
    return row ? toEntry(row) : null;
  }

  /** Entries about one subject pseudonym, in log order, after index `after` (paging). */
  async entriesBySubject(subject: string, opts: { after?: number; limit?: number } = {}): Promise<StoredEntry[]> {
    const rows = await this.db.query<{ idx: number; entry: Uint8Array; leaf_hash: Uint8Array; subject: string | null; created_at: Date }>(
      `SELECT idx, entry, leaf_hash, subject, created_at FROM ledger_entries
       WHERE subject = $1 AND idx > $2 ORDER BY idx LIMIT $3`,
      [subject, opts.after ?? -1, Math.min(opts.limit ?? 100, 1000)],
    );
    return rows.map(toEntry);
  }

  /**
   * Hashes of the given complete subtrees, in one query. Levels that are not stored
   * (tree-math.ts NODE_STRIDE) are computed from the stored nodes they are made of. Throws if
   * any stored node is missing.
   */
  async nodes(keys: readonly NodeKey[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    if (keys.length === 0) return out;
    const covers = keys.map(storedCover);
    const stored = distinct(covers.flat());
    const leaves = stored.filter((k) => k.level === 0).map((k) => k.index);
    const inner = stored.filter((k) => k.level > 0);
    const rows = await this.db.query<{ level: number; idx: number; hash: Uint8Array }>(
      `SELECT 0 AS level, idx, leaf_hash AS hash FROM ledger_entries WHERE idx = ANY($1::int8[])
       UNION ALL
       SELECT n.level, n.idx, n.hash FROM unnest($2::int2[], $3::int8[]) AS k(level, idx)
         CROSS JOIN LATERAL (SELECT level, idx, hash FROM ledger_nodes WHERE level = k.level AND idx = k.idx LIMIT 1) n`,
      // One primary-key probe per key (LIMIT keeps the subquery from being flattened into a
      // join): with few stored levels the table is small enough that a planner would otherwise
      // hash-join it by a full scan, for a proof that needs a few dozen rows.
      [leaves, inner.map((k) => k.level), inner.map((k) => k.index)],
    );
    const found = new Map<string, Uint8Array>();
    for (const r of rows) found.set(id({ level: r.level, index: r.idx }), bytes(r.hash));
    for (const k of stored) {
      if (!found.has(id(k))) throw new CgError('LEDGER_CORRUPT', `stored node ${id(k)} is missing`, 500);
    }
    // A complete subtree's hash is the MTH of its 2^m stored nodes taken as leaves.
    keys.forEach((k, i) => out.set(id(k), rootHash(covers[i]!.map((c) => found.get(id(c))!))));
    return out;
  }

  private async run(plan: ProofPlan): Promise<Uint8Array[]> {
    const nodes = await this.nodes(plan.nodes);
    return assemble(plan, (level, index) => nodes.get(id({ level, index }))!);
  }

  /** Inclusion proof of leaf `index` in the tree of `size` leaves (size ≤ the current size). */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    const plan = inclusionPlan(index, size);
    await this.requireSize(size, 'treeSize');
    return this.run(plan);
  }

  /** Inclusion proofs of several leaves in one tree size: all their nodes in one query. */
  async inclusionProofs(indexes: readonly number[], size: number): Promise<Uint8Array[][]> {
    const plans = indexes.map((i) => inclusionPlan(i, size));
    await this.requireSize(size, 'treeSize');
    const nodes = await this.nodes(distinct(plans.flatMap((p) => p.nodes)));
    return plans.map((p) => assemble(p, (level, index) => nodes.get(id({ level, index }))!));
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    const plan = consistencyPlan(oldSize, newSize);
    await this.requireSize(newSize, 'to');
    return this.run(plan);
  }

  /** Root of the tree at an earlier `size`, from stored nodes (O(log n) rows). */
  async root(size: number): Promise<Uint8Array> {
    await this.requireSize(size, 'size');
    if (size === 0) return frontierRoot({ size: 0, hashes: [] });
    const keys = rangeNodes({ start: 0, end: size });
    const nodes = await this.nodes(keys);
    return frontierRoot({ size, hashes: keys.map((k) => nodes.get(id(k))!) });
  }

  /** Highest stored index + 1 (for crash checks: must equal the head size). */
  async storedCount(): Promise<number> {
    const [row] = await this.db.query<{ n: number | null; c: number }>('SELECT max(idx) + 1 AS n, count(*)::int8 AS c FROM ledger_entries');
    if (!row || row.n === null) return 0;
    if (row.n !== row.c) throw new CgError('LEDGER_CORRUPT', `ledger has ${row.c} entries but its highest index is ${row.n - 1}: a gap`, 500);
    return row.n;
  }

  private async requireSize(size: number, path: string): Promise<void> {
    const [row] = await this.db.query<{ size: number }>('SELECT size FROM ledger_head WHERE singleton');
    if (size > (row?.size ?? 0)) {
      throw new CgError('BAD_RANGE', `tree size ${size} is beyond the log's ${row?.size ?? 0} entries`, 400, [{ code: 'BAD_RANGE', message: 'beyond the log', path }]);
    }
  }
}

const id = (k: NodeKey) => `${k.level}/${k.index}`;

/** The keys without repeats, in first-seen order. */
function distinct(keys: readonly NodeKey[]): NodeKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(id(k)) && seen.add(id(k)));
}

function toEntry(r: { idx: number; entry: Uint8Array; leaf_hash: Uint8Array; subject: string | null; created_at: Date }): StoredEntry {
  return { index: r.idx, entry: bytes(r.entry), leafHash: bytes(r.leaf_hash), subject: r.subject, createdAt: r.created_at };
}
