import { bytesEqual, EMPTY_ROOT, isHash, nodeHash } from './hash.ts';
import { isSize } from './tree-math.ts';

/**
 * Proof verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2. Total functions: any input —
 * wrong sizes, short hashes, garbage — yields `{ ok: false, reason }`, never a throw and never
 * a false "valid". Arithmetic instead of bit operators keeps sizes above 2^31 correct.
 */
export type Verdict = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): Verdict => ({ ok: false, reason });
const OK: Verdict = { ok: true };

const odd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

function checkPath(proof: unknown): proof is readonly Uint8Array[] {
  return Array.isArray(proof) && proof.every(isHash);
}

/** The root an inclusion proof implies, or a reason it cannot imply one. */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Uint8Array | string {
  if (!isSize(index) || !isSize(size)) return 'index and size must be non-negative integers';
  if (index >= size) return `index ${index} is not below tree size ${size}`;
  if (!isHash(leaf)) return 'leaf hash must be 32 bytes';
  if (!checkPath(proof)) return 'proof must be a list of 32-byte hashes';
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return 'proof is longer than the tree is deep';
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!(odd(fn) || fn === 0)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return 'proof is shorter than the tree is deep';
  return r;
}

export function checkInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): Verdict {
  if (!isHash(root)) return fail('root must be 32 bytes');
  const r = rootFromInclusionProof(leaf, index, size, proof);
  if (typeof r === 'string') return fail(r);
  return bytesEqual(r, root) ? OK : fail('proof does not lead to the root');
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `index` with hash `leaf` is in the tree of `size` with `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  return checkInclusion(leaf, index, size, proof, root).ok;
}

export function checkConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): Verdict {
  if (!isSize(oldSize) || !isSize(newSize)) return fail('sizes must be non-negative integers');
  if (oldSize > newSize) return fail(`old size ${oldSize} exceeds new size ${newSize}: the log cannot shrink`);
  if (!isHash(oldRoot) || !isHash(newRoot)) return fail('roots must be 32 bytes');
  if (!checkPath(proof)) return fail('proof must be a list of 32-byte hashes');
  if (oldSize === newSize) {
    if (proof.length !== 0) return fail('proof between equal sizes must be empty');
    return bytesEqual(oldRoot, newRoot) ? OK : fail(`two different roots for tree size ${oldSize}: the log forked`);
  }
  if (oldSize === 0) {
    if (proof.length !== 0) return fail('proof from the empty tree must be empty');
    return bytesEqual(oldRoot, EMPTY_ROOT) ? OK : fail('the root of the empty tree is SHA-256 of the empty string');
  }
  // 0 < oldSize < newSize: RFC 9162 §2.1.4.2.
  if (proof.length === 0) return fail('proof is empty');
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return fail('proof is longer than expected');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!(odd(fn) || fn === 0)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('proof is shorter than expected');
  if (!bytesEqual(fr, oldRoot)) return fail('proof does not lead to the old root');
  if (!bytesEqual(sr, newRoot)) return fail('proof does not lead to the new root');
  return OK;
}

/** RFC 9162 §2.1.4.2: is the tree (newSize, newRoot) an append-only extension of (oldSize, oldRoot)? */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  return checkConsistency(oldSize, newSize, oldRoot, newRoot, proof).ok;
}

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}
