import { bytesEqual, checkConsistency, checkInclusion, decodeFrontier, frontierRoot, leafHash, MerkleTree, parseVerifierKey, verifyCheckpoint } from '../src/ledger/index.ts';
import type { Sql } from '../src/store/sql.ts';

/**
 * The whole stored log checked from its leaves up, after a load run, with the same RFC 9162 and
 * C2SP checks `consentgate ledger verify` and `ledger monitor` make (src/ledger): every index
 * from 0 present once, every stored leaf hash the hash of its entry, the head's frontier the
 * root of exactly these leaves, every signed checkpoint signed by a log key and its root the
 * root of the first `size` leaves, each checkpoint consistent with the next (a consistency
 * proof checked, not only roots compared), and every acknowledged leaf included under the head.
 */
export interface LogVerdict {
  entries: number;
  gapless: boolean;
  leaf_hashes_ok: boolean;
  head_root_ok: boolean;
  checkpoints: number;
  checkpoints_verified: boolean;
  consistent: boolean;
  acknowledged_included: boolean;
  verified: boolean;
  problems: string[];
}

const PAGE = 20_000;

export async function verifyStoredLog(db: Sql, acknowledgedLeaves: readonly number[]): Promise<LogVerdict> {
  const problems: string[] = [];
  const tree = new MerkleTree();
  let gapless = true;
  let leafHashesOk = true;
  for (let from = 0; ; from += PAGE) {
    const rows = await db.query<{ idx: number; entry: Uint8Array; leaf_hash: Uint8Array }>(
      'SELECT idx, entry, leaf_hash FROM ledger_entries WHERE idx >= $1 ORDER BY idx LIMIT $2',
      [from, PAGE],
    );
    for (const r of rows) {
      if (r.idx !== tree.size) {
        if (gapless) problems.push(`index ${tree.size} missing (next stored: ${r.idx})`);
        gapless = false;
      }
      const h = leafHash(new Uint8Array(r.entry));
      if (!bytesEqual(h, new Uint8Array(r.leaf_hash))) {
        if (leafHashesOk) problems.push(`leaf ${r.idx}: stored leaf hash is not the hash of its entry`);
        leafHashesOk = false;
      }
      tree.appendLeafHash(h);
    }
    if (rows.length < PAGE) break;
  }

  const [head] = await db.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head');
  const headRootOk =
    head !== undefined && head.size === tree.size && bytesEqual(frontierRoot(decodeFrontier(head.size, new Uint8Array(head.frontier))), tree.root());
  if (!headRootOk) problems.push(`ledger_head (size ${head?.size}) is not the root of the ${tree.size} stored leaves`);

  const keys = (await db.query<{ verifier: string }>('SELECT verifier FROM ledger_keys')).map((k) => parseVerifierKey(k.verifier));
  const cps = await db.query<{ size: number; root: Uint8Array; note: string }>('SELECT size, root, note FROM ledger_checkpoints ORDER BY size');
  let checkpointsVerified = true;
  let consistent = true;
  let prev: { size: number; root: Uint8Array } | undefined;
  for (const cp of cps) {
    const signed = keys.some((k) => {
      try {
        const v = verifyCheckpoint(cp.note, k);
        return v.size === cp.size && bytesEqual(v.root, new Uint8Array(cp.root));
      } catch {
        return false;
      }
    });
    if (!signed || cp.size > tree.size || !bytesEqual(tree.root(cp.size), new Uint8Array(cp.root))) {
      if (checkpointsVerified) problems.push(`checkpoint of size ${cp.size} is not signed by a log key or not the root of the stored leaves`);
      checkpointsVerified = false;
    }
    if (prev && cp.size <= tree.size && prev.size > 0) {
      const v = checkConsistency(prev.size, cp.size, prev.root, new Uint8Array(cp.root), tree.consistencyProof(prev.size, cp.size));
      if (!v.ok) {
        if (consistent) problems.push(`checkpoint ${cp.size} is not consistent with ${prev.size}: ${v.reason}`);
        consistent = false;
      }
    }
    prev = { size: cp.size, root: new Uint8Array(cp.root) };
  }

  let included = true;
  const root = tree.root();
  // Every acknowledged leaf is under the head; an inclusion proof is checked for a spread sample.
  const step = Math.max(1, Math.floor(acknowledgedLeaves.length / 200));
  for (let i = 0; i < acknowledgedLeaves.length; i++) {
    const leaf = acknowledgedLeaves[i]!;
    let ok = leaf >= 0 && leaf < tree.size;
    if (ok && i % step === 0) ok = checkInclusion(tree.leafHash(leaf), leaf, tree.size, tree.inclusionProof(leaf), root).ok;
    if (!ok) {
      if (included) problems.push(`acknowledged leaf ${leaf} is not included in the log of size ${tree.size}`);
      included = false;
    }
  }

  return {
    entries: tree.size,
    gapless,
    leaf_hashes_ok: leafHashesOk,
    head_root_ok: headRootOk,
    checkpoints: cps.length,
    checkpoints_verified: checkpointsVerified,
    consistent,
    acknowledged_included: included,
    verified: gapless && leafHashesOk && headRootOk && checkpointsVerified && consistent && included,
    problems,
  };
}
