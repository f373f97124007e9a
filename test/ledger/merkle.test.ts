import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { sha256 as ledgerSha256 } from '../../src/ledger/hash.ts';
import {
  EMPTY_ROOT,
  MerkleTree,
  consistencyRanges,
  extendFrontier,
  extendEncodedFrontier,
  decodeFrontier,
  encodeFrontier,
  EMPTY_FRONTIER,
  frontierRoot,
  inclusionRanges,
  leafHash,
  nodeHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/index.ts';
import { CONSISTENCY, INCLUSION, LEAF_INPUTS, NODES, ROOTS, hex, unhex } from './vectors.ts';
import * as ref from './reference.ts';

const entry = (i: number) => new TextEncoder().encode(`{"i":${i}}`);
/** The number of hashes a frontier of `size` has (its binary digits 1). */
const decodeLength = (size: number) => [...size.toString(2)].filter((d) => d === '1').length;

describe('RFC 9162 hashing — published reference vectors', () => {
  const tree = MerkleTree.of(LEAF_INPUTS);

  it('empty tree root is SHA-256 of the empty string', () => {
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    expect(hex(new MerkleTree().root())).toBe(ROOTS[0]);
    expect(hex(rootHash([]))).toBe(ROOTS[0]);
  });

  it('roots for every size 0..8 match', () => {
    for (let n = 0; n <= 8; n++) expect(hex(tree.root(n)), `size ${n}`).toBe(ROOTS[n]);
    for (let n = 0; n <= 8; n++) expect(hex(rootHash(LEAF_INPUTS.slice(0, n).map(leafHash)))).toBe(ROOTS[n]);
  });

  it('every complete subtree hash matches', () => {
    NODES.forEach((level, l) => level.forEach((h, i) => expect(hex(tree.node(l, i)), `node ${l}/${i}`).toBe(h)));
  });

  it('inclusion proofs match and verify', () => {
    for (const v of INCLUSION) {
      const proof = tree.inclusionProof(v.index, v.size);
      expect(proof.map(hex), `${v.index}@${v.size}`).toEqual(v.proof);
      expect(verifyInclusion(leafHash(LEAF_INPUTS[v.index]!), v.index, v.size, v.proof.map(unhex), unhex(ROOTS[v.size]!))).toBe(true);
    }
  });

  it('consistency proofs match and verify', () => {
    for (const v of CONSISTENCY) {
      const proof = tree.consistencyProof(v.from, v.to);
      expect(proof.map(hex), `${v.from}→${v.to}`).toEqual(v.proof);
      expect(verifyConsistency(v.from, v.to, unhex(ROOTS[v.from]!), unhex(ROOTS[v.to]!), v.proof.map(unhex))).toBe(true);
    }
  });

  it('node hash is SHA-256(0x01 ‖ l ‖ r) and leaf hash SHA-256(0x00 ‖ e)', () => {
    const l = unhex(NODES[0]![0]!);
    const r = unhex(NODES[0]![1]!);
    expect(hex(nodeHash(l, r))).toBe(hex(sha256(Uint8Array.from([1, ...l, ...r]))));
    expect(hex(leafHash(Uint8Array.of(0x10)))).toBe(hex(sha256(Uint8Array.of(0, 0x10))));
  });
});

describe('the ledger\'s sha256 (OpenSSL digests copied into shared slabs)', () => {
  it('equals @noble\'s for any input, and no digest changes when later ones reuse its slab (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 400 }), (inputs) => {
        const digests = inputs.map((d) => ledgerSha256(d));
        // Many more digests after them: a slab's later slices must not overlap earlier ones.
        for (let i = 0; i < 300; i++) ledgerSha256(Uint8Array.of(i & 0xff));
        inputs.forEach((d, i) => {
          expect(digests[i]).toBeInstanceOf(Uint8Array);
          expect(hex(digests[i]!)).toBe(hex(sha256(d)));
          // A copy is its own bytes, as a plain Uint8Array's slice always is.
          expect(digests[i]!.slice().buffer.byteLength).toBe(32);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('known answers derived from the RFC algorithm (literal recursion)', () => {
  const entries = Array.from({ length: 70 }, (_, i) => entry(i));
  const tree = MerkleTree.of(entries);

  it('roots, inclusion and consistency proofs agree with RFC 9162 MTH / PATH / PROOF for sizes 1..70', () => {
    for (let n = 1; n <= 70; n++) {
      const d = entries.slice(0, n);
      expect(hex(tree.root(n))).toBe(hex(ref.mth(d)));
      for (let m = 0; m < n; m++) expect(tree.inclusionProof(m, n).map(hex)).toEqual(ref.path(m, d).map(hex));
      for (let m = 1; m <= n; m++) expect(tree.consistencyProof(m, n).map(hex)).toEqual(ref.proof(m, d).map(hex));
    }
  });

  it('the frontier appender reaches the same roots as the full tree, batch by batch', () => {
    let f = EMPTY_FRONTIER;
    const closed = new Map<string, string>();
    for (const batch of [1, 2, 3, 5, 8, 13, 21, 17]) {
      const r = extendFrontier(f, entries.slice(f.size, f.size + batch).map(leafHash));
      f = r.frontier;
      for (const c of r.closed) closed.set(`${c.level}/${c.index}`, hex(c.hash));
      expect(hex(frontierRoot(f))).toBe(hex(tree.root(f.size)));
    }
    // Every closed node is the real complete subtree, and all of them were emitted.
    for (const [k, h] of closed) {
      const [l, i] = k.split('/').map(Number) as [number, number];
      expect(h).toBe(hex(tree.node(l, i)));
    }
    let expected = 0;
    for (let l = 1; 2 ** l <= f.size; l++) expected += Math.floor(f.size / 2 ** l);
    expect(closed.size).toBe(expected);
  });

  it('extending an encoded frontier gives the bytes and stored nodes of decode → extend → encode', () => {
    const stored = (level: number) => level % 4 === 0;
    fc.assert(
      fc.property(
        // Sizes around powers of two (the merges' edge cases) and past 2^32 (no 32-bit arithmetic).
        fc.oneof(fc.nat({ max: 5000 }), fc.integer({ min: 0, max: 40 }).chain((e) => fc.integer({ min: -3, max: 3 }).map((d) => Math.max(0, 2 ** e + d)))),
        fc.nat({ max: 40 }),
        fc.nat(),
        (size, batch, seed) => {
          const f = { size, hashes: Array.from({ length: decodeLength(size) }, (_, i) => leafHash(entry(seed + i))) };
          const leaves = Array.from({ length: batch }, (_, i) => leafHash(entry(seed + 1000 + i)));
          const bytes = encodeFrontier(f);
          const want = extendFrontier(decodeFrontier(size, bytes), leaves);
          const got = extendEncodedFrontier(size, bytes, leaves, stored);
          expect(got.size).toBe(want.frontier.size);
          expect(hex(got.frontier)).toBe(hex(encodeFrontier(want.frontier)));
          expect(got.closed.map((c) => `${c.level}/${c.index}/${hex(c.hash)}`)).toEqual(want.closed.filter((c) => stored(c.level)).map((c) => `${c.level}/${c.index}/${hex(c.hash)}`));
          // The head's bytes are read, never written.
          expect(hex(bytes)).toBe(hex(encodeFrontier(f)));
        },
      ),
      { numRuns: 300 },
    );
    // Every closed level when asked for all, as extendFrontier.
    const f = extendFrontier(EMPTY_FRONTIER, Array.from({ length: 11 }, (_, i) => leafHash(entry(i)))).frontier;
    const leaves = Array.from({ length: 9 }, (_, i) => leafHash(entry(100 + i)));
    expect(extendEncodedFrontier(11, encodeFrontier(f), leaves, () => true).closed.map((c) => `${c.level}/${c.index}`)).toEqual(extendFrontier(f, leaves).closed.map((c) => `${c.level}/${c.index}`));
  });

  it('an encoded frontier that does not fit its size is LEDGER_CORRUPT, as decodeFrontier says', () => {
    const leaf = [leafHash(entry(0))];
    for (const [size, bytes] of [[3, new Uint8Array(32)], [4, new Uint8Array(64)], [-1, new Uint8Array(0)], [1.5, new Uint8Array(32)]] as const) {
      expect(() => decodeFrontier(size, bytes)).toThrow(/does not fit/);
      expect(() => extendEncodedFrontier(size, bytes, leaf, () => true)).toThrow(/does not fit/);
    }
  });

  it('proof lengths grow with log n', () => {
    expect(inclusionRanges(0, 1).length).toBe(0);
    expect(inclusionRanges(0, 1024).length).toBe(10);
    expect(inclusionRanges(999_999, 1_000_000).length).toBeLessThanOrEqual(20);
    expect(consistencyRanges(1, 1_000_000).length).toBeLessThanOrEqual(21);
  });

  it('handles trees larger than 2^32 leaves in the arithmetic (no 32-bit bit operators)', () => {
    const size = 2 ** 40 + 3;
    const idx = 2 ** 40 + 1;
    const ranges = inclusionRanges(idx, size);
    expect(ranges).toEqual([
      { start: 2 ** 40, end: 2 ** 40 + 1 },
      { start: 2 ** 40 + 2, end: 2 ** 40 + 3 },
      { start: 0, end: 2 ** 40 },
    ]);
  });
});
