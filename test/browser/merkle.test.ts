import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MerkleTree } from '../../src/ledger/memory-tree.ts';
import { verifyInclusion } from '../../src/ledger/verify.ts';
// The privacy centre's in-browser verifier (plain JS, WebCrypto): Node 20 has the same globals.
// @ts-expect-error — a browser ES module without type declarations
import { rootFromInclusionProof, verifyEntryProof } from '../../web/shared/merkle.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** A tree of `n` distinct entries. */
function tree(n: number): { t: MerkleTree; entries: Uint8Array[] } {
  const t = new MerkleTree();
  const entries = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`{"i":${i}}`));
  for (const e of entries) t.append(e);
  return { t, entries };
}

describe('browser port of RFC 9162 inclusion verification', () => {
  it('agrees with the server verifier on every valid proof', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 70 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n }))), async ([n, i, s]) => {
        fc.pre(i < s);
        const { t } = tree(n);
        const proof = t.inclusionProof(i, s);
        const root = await rootFromInclusionProof(t.leafHash(i), i, s, proof);
        expect(typeof root).not.toBe('string');
        expect(eq(root, t.root(s))).toBe(true);
        expect(verifyInclusion(t.leafHash(i), i, s, proof, t.root(s))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a proof with one flipped bit, another index, or an index outside the tree', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 64 }), fc.nat(), fc.nat(), fc.nat(7), async (n, iRaw, which, bit) => {
        const { t } = tree(n);
        const i = iRaw % n;
        const proof = t.inclusionProof(i, n);
        const root = t.root(n);
        const leaf = t.leafHash(i);
        if (proof.length > 0) {
          const bad = proof.map((p) => Uint8Array.from(p));
          bad[which % bad.length]![0]! ^= 1 << bit;
          const r = await rootFromInclusionProof(leaf, i, n, bad);
          expect(typeof r === 'string' || !eq(r, root)).toBe(true);
        }
        const other = (i + 1) % n;
        const r2 = await rootFromInclusionProof(leaf, other, n, proof);
        expect(typeof r2 === 'string' || !eq(r2, root)).toBe(true);
        // Outside the tree: no root at all.
        expect(typeof (await rootFromInclusionProof(leaf, n, n, proof))).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('verifies a ledger entry answer end to end, and refuses tampered entries and roots', async () => {
    const { t, entries } = tree(13);
    const i = 5;
    const answer = {
      index: i,
      tree_size: 13,
      entry_base64: b64(entries[i]!),
      leaf_hash: b64(t.leafHash(i)),
      proof: t.inclusionProof(i, 13).map(b64),
      root: b64(t.root(13)),
      checkpoint: `test.example/log\n13\n${b64(t.root(13))}\n\n— test.example/log AAAA\n`,
    };
    const ok = await verifyEntryProof(answer);
    expect(ok).toMatchObject({ ok: true, size: 13 });
    expect((await verifyEntryProof({ ...answer, entry_base64: b64(new TextEncoder().encode('{"i":6}')) })).ok).toBe(false);
    expect((await verifyEntryProof({ ...answer, root: b64(t.root(12)) })).ok).toBe(false);
    expect((await verifyEntryProof({ ...answer, checkpoint: answer.checkpoint.replace('\n13\n', '\n14\n') })).ok).toBe(false);
  });
});
