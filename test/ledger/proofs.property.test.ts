import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MerkleTree, checkConsistency, checkInclusion, leafHash, verifyConsistency, verifyInclusion } from '../../src/ledger/index.ts';

const entry = (i: number) => new TextEncoder().encode(`{"n":${i}}`);
const flipBit = (b: Uint8Array, bit: number) => {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};
const flipInProof = (proof: Uint8Array[], el: number, bit: number) => proof.map((h, i) => (i === el ? flipBit(h, bit) : h));

/** Deterministic PRNG so the exhaustive sweeps pick "random" bits reproducibly. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const MAX = 300;
const tree = MerkleTree.of(Array.from({ length: MAX }, (_, i) => entry(i)));
const roots = Array.from({ length: MAX + 1 }, (_, n) => tree.root(n));
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(entry(i)));

describe('inclusion proofs, every size 1..300', () => {
  it('every leaf of every tree verifies; a flipped bit in proof, leaf, root or index never does', () => {
    const rnd = prng(42);
    let checked = 0;
    for (let size = 1; size <= MAX; size++) {
      const root = roots[size]!;
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index, size);
        const leaf = leaves[index]!;
        expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
        if (proof.length > 0) expect(verifyInclusion(leaf, index, size, flipInProof(proof, rnd(proof.length), rnd(256)), root)).toBe(false);
        expect(verifyInclusion(flipBit(leaf, rnd(256)), index, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, proof, flipBit(root, rnd(256)))).toBe(false);
        const bits = Math.max(1, Math.ceil(Math.log2(size + 1)));
        expect(verifyInclusion(leaf, index ^ (1 << rnd(bits)), size, proof, root)).toBe(false);
        // Truncated, extended and wrong-size proofs fail too.
        if (proof.length > 0) expect(verifyInclusion(leaf, index, size, proof.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, [...proof, root], root)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  }, 300_000);

  it('every single bit of one proof, leaf and root is load-bearing (exhaustive for a ragged tree)', () => {
    for (const [index, size] of [
      [137, 300],
      [299, 300],
      [0, 257],
    ] as const) {
      const proof = tree.inclusionProof(index, size);
      const leaf = leaves[index]!;
      const root = roots[size]!;
      for (let el = 0; el < proof.length; el++) {
        for (let bit = 0; bit < 256; bit++) expect(verifyInclusion(leaf, index, size, flipInProof(proof, el, bit), root)).toBe(false);
      }
      for (let bit = 0; bit < 256; bit++) {
        expect(verifyInclusion(flipBit(leaf, bit), index, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit))).toBe(false);
      }
      for (let bit = 0; bit < 53; bit++) expect(verifyInclusion(leaf, index + 2 ** bit, size, proof, root)).toBe(false);
    }
  });

  it('property: any single-bit flip anywhere fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), (size, i, bitSeed, where) => {
        const index = i % size;
        const proof = tree.inclusionProof(index, size);
        let leaf = leaves[index]!;
        let root = roots[size]!;
        let p = proof;
        let idx = index;
        if (where === 0 && proof.length > 0) p = flipInProof(proof, bitSeed % proof.length, bitSeed % 256);
        else if (where === 1) leaf = flipBit(leaf, bitSeed % 256);
        else if (where === 2) root = flipBit(root, bitSeed % 256);
        else idx = index ^ (1 << bitSeed % 20);
        return !verifyInclusion(leaf, idx, size, p, root);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('consistency proofs, every pair 1 ≤ old ≤ new ≤ 100', () => {
  it('verify, and tampering with proof, roots or sizes fails', () => {
    const rnd = prng(7);
    let pairs = 0;
    for (let n = 1; n <= 100; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        const [r1, r2] = [roots[m]!, roots[n]!];
        expect(verifyConsistency(m, n, r1, r2, proof), `${m}→${n}`).toBe(true);
        pairs++;
        if (m === n) {
          expect(verifyConsistency(m, n, r1, flipBit(r2, rnd(256)), proof)).toBe(false);
          continue;
        }
        expect(verifyConsistency(m, n, r1, r2, flipInProof(proof, rnd(proof.length), rnd(256)))).toBe(false);
        expect(verifyConsistency(m, n, flipBit(r1, rnd(256)), r2, proof)).toBe(false);
        expect(verifyConsistency(m, n, r1, flipBit(r2, rnd(256)), proof)).toBe(false);
        expect(verifyConsistency(m, n, r1, r2, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(m, n, r1, r2, [...proof, r2])).toBe(false);
        expect(verifyConsistency(m, n, r1, r2, [r1, ...proof])).toBe(false);
        expect(verifyConsistency(m, n, r2, r1, proof)).toBe(false);
        expect(verifyConsistency(n, m, r2, r1, proof)).toBe(false);
        if (m > 1) expect(verifyConsistency(m - 1, n, roots[m - 1]!, r2, proof)).toBe(false);
        if (n < 100) expect(verifyConsistency(m, n + 1, r1, roots[n + 1]!, proof)).toBe(false);
        expect(verifyConsistency(m, n, r1, r2, [])).toBe(false);
      }
    }
    expect(pairs).toBe(5050);
  }, 300_000);

  it('a forked log (different history, same sizes) is never consistent', () => {
    const forked = MerkleTree.of(Array.from({ length: 100 }, (_, i) => entry(i === 40 ? 10_000 : i)));
    for (const [m, n] of [
      [41, 100],
      [50, 60],
      [64, 100],
    ] as const) {
      expect(verifyConsistency(m, n, roots[m]!, forked.root(n), tree.consistencyProof(m, n))).toBe(false);
      expect(verifyConsistency(m, n, roots[m]!, forked.root(n), forked.consistencyProof(m, n))).toBe(false);
    }
    const v = checkConsistency(41, 41, roots[41]!, forked.root(41), []);
    expect(v).toEqual({ ok: false, reason: expect.stringContaining('forked') });
  });

  it('edge cases follow the reference implementation', () => {
    const e = tree.root(0);
    expect(verifyConsistency(0, 0, e, e, [])).toBe(true);
    expect(verifyConsistency(0, 5, e, roots[5]!, [])).toBe(true);
    expect(verifyConsistency(0, 5, e, roots[5]!, [e])).toBe(false);
    expect(verifyConsistency(0, 5, roots[5]!, roots[5]!, [])).toBe(false);
    expect(verifyConsistency(3, 3, roots[3]!, roots[3]!, [roots[3]!])).toBe(false);
    expect(verifyConsistency(1, 2, roots[1]!, roots[2]!, [])).toBe(false);
  });
});

describe('malformed input never crashes and is never valid', () => {
  const anyHashish = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.uint8Array({ minLength: 32, maxLength: 32 }));
  const anyNum = fc.oneof(fc.integer({ min: -5, max: 400 }), fc.double(), fc.constant(Number.NaN), fc.constant(2 ** 60), fc.constant(Infinity));

  it('verifyInclusion is total', () => {
    fc.assert(
      fc.property(anyHashish, anyNum, anyNum, fc.array(anyHashish, { maxLength: 12 }), anyHashish, (leaf, index, size, proof, root) => {
        // The one genuinely valid shape random bytes can hit: a one-leaf tree whose root is the leaf.
        fc.pre(!(index === 0 && size === 1 && proof.length === 0 && Buffer.from(leaf).equals(Buffer.from(root))));
        expect(verifyInclusion(leaf, index, size, proof, root)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('verifyConsistency is total', () => {
    fc.assert(
      fc.property(anyNum, anyNum, anyHashish, anyHashish, fc.array(anyHashish, { minLength: 1, maxLength: 12 }), (a, b, r1, r2, proof) => {
        expect(verifyConsistency(a, b, r1, r2, proof)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('non-array proofs and non-bytes give a reason, not an exception', () => {
    const leaf = leaves[0]!;
    expect(checkInclusion(leaf, 0, 1, 'x' as never, roots[1]!)).toMatchObject({ ok: false });
    expect(checkInclusion(null as never, 0, 1, [], roots[1]!)).toMatchObject({ ok: false });
    expect(checkInclusion(leaf, 5, 3, [], roots[3]!)).toEqual({ ok: false, reason: expect.stringContaining('not below') });
    expect(checkConsistency(5, 3, roots[5]!, roots[3]!, [])).toEqual({ ok: false, reason: expect.stringContaining('cannot shrink') });
    expect(verifyInclusion(leaf, 0, 1, [], leaf)).toBe(true);
  });

  it('the proof API rejects impossible requests with clear codes', () => {
    expect(() => tree.inclusionProof(5, 5)).toThrow(expect.objectContaining({ code: 'INDEX_OUT_OF_RANGE' }));
    expect(() => tree.inclusionProof(-1, 5)).toThrow(expect.objectContaining({ code: 'INDEX_OUT_OF_RANGE' }));
    expect(() => tree.consistencyProof(6, 5)).toThrow(expect.objectContaining({ code: 'BAD_RANGE' }));
    expect(() => tree.root(MAX + 1)).toThrow(expect.objectContaining({ code: 'BAD_RANGE' }));
    expect(() => tree.inclusionProof(0, MAX + 1)).toThrow(expect.objectContaining({ code: 'BAD_RANGE' }));
  });
});

describe('leaf hash of a text entry', () => {
  it('equals the leaf hash of its UTF-8 bytes, short texts (reused buffer) and long ones alike', async () => {
    const { leafHashOfText } = await import('../../src/ledger/hash.ts');
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 1300, maxLength: 3000 }), fc.string({ unit: 'grapheme', minLength: 1300, maxLength: 2000 })), (text) => {
        expect(hex(leafHashOfText(text))).toBe(hex(leafHash(new TextEncoder().encode(text))));
      }),
      { numRuns: 300 },
    );
  });
});
