import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256: Node's one-shot `crypto.hash` (OpenSSL, several times faster for the small inputs a
 * Merkle tree hashes) where the runtime has it, @noble/hashes everywhere else (browsers, older
 * Node). Found with `process.getBuiltinModule` so this module still loads without Node.
 */
type NodeCrypto = { hash?: (alg: string, data: Uint8Array, enc: 'latin1') => string };
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
const oneShot = typeof nodeCrypto?.hash === 'function' ? nodeCrypto.hash : undefined;

/*
 * The digest comes back as a 32-character latin1 string (one character per byte, lossless) and
 * is copied into a slice of a shared slab. With `'buffer'` output every digest was an ArrayBuffer
 * of its own — a native backing store made, tracked and later swept by the scavenger: ~1.7 per
 * release (leaf and node hashes; uprobe count of JSArrayBuffer::Attach in the bench server,
 * docs/release-history.md, 2026-12-06 night). A slab serves 128 digests; a digest kept for long keeps its
 * 4 KiB slab alive, as Node's own Buffer pool does. Each digest is a plain Uint8Array view of
 * its own bytes (`.slice()` copies), never overlapping another.
 */
const SLAB_BYTES = 4096;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;
function digestBytes(latin1: string): Uint8Array {
  if (latin1.length !== 32) throw new Error(`sha256 digest of ${latin1.length} bytes`);
  if (slabUsed + 32 > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + 32);
  slabUsed += 32;
  for (let i = 0; i < 32; i++) out[i] = latin1.charCodeAt(i);
  return out;
}

export const sha256: (data: Uint8Array) => Uint8Array = oneShot ? (d) => digestBytes(oneShot('sha256', d, 'latin1')) : (d) => nobleSha256(d);

/** Every hash in the log is SHA-256 (RFC 9162 §2.1 with the SHA-256 hash algorithm). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  // Typical entries fit a reused buffer: no allocation per append on the hot path.
  const buf = entry.length < leafScratch.length ? leafScratch.subarray(0, entry.length + 1) : new Uint8Array(entry.length + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(entry, 1);
  return sha256(buf);
}
const leafScratch = new Uint8Array(4096);
const leafBody = leafScratch.subarray(1);

/** `leafHash` of a text entry's UTF-8, encoded straight into the reused buffer. */
export function leafHashOfText(text: string): Uint8Array {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: the scratch buffer surely fits below that.
  if (3 * text.length < leafScratch.length) {
    leafScratch[0] = LEAF_PREFIX;
    // Into the one view past the prefix (a new view of the scratch per leaf before).
    const { written } = utf8.encodeInto(text, leafBody);
    return sha256(leafScratch.subarray(0, written + 1));
  }
  return leafHash(utf8.encode(text));
}
const utf8 = new TextEncoder();

/** RFC 9162 §2.1.1 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // One reused scratch buffer: a node hash is the hot path of appends and proofs.
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}
/**
 * `nodeHash` of a left child given as HASH_SIZE bytes of `bytes` from `offset` (an encoded
 * frontier's hash), read in place rather than through a view of its own.
 */
export function nodeHashAt(bytes: Uint8Array, offset: number, right: Uint8Array): Uint8Array {
  if (offset < 0 || offset + HASH_SIZE > bytes.length) throw new RangeError(`no hash at ${offset} of ${bytes.length} bytes`);
  for (let i = 0; i < HASH_SIZE; i++) scratch[1 + i] = bytes[offset + i]!;
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}
const scratch = new Uint8Array(1 + 2 * HASH_SIZE);
scratch[0] = NODE_PREFIX;

/** Constant-shape comparison; false for anything that is not two equal byte strings. */
export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;
