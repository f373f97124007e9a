import { sha256 } from '@noble/hashes/sha2.js';

/**
 * RFC 9162 §2.1 written out literally — recursion over entry lists, no stored nodes, no
 * shortcuts — to derive known answers for tree sizes the published vectors do not cover.
 * Deliberately shares no code with src/ledger.
 */
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

export function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return sha256(cat(Uint8Array.of(0), d[0]!));
  const s = k(d.length);
  return sha256(cat(Uint8Array.of(1), mth(d.slice(0, s)), mth(d.slice(s))));
}

export function path(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}

function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

export const proof = (m: number, d: readonly Uint8Array[]) => subproof(m, d, true);
