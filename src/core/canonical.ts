import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * RFC 8785 (JCS) canonical JSON. Everything we hash or sign goes through here so that two
 * implementations — ours and an auditor's — derive the same bytes from the same value.
 */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON representation');
  return out;
}

export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** SHA-256 of the JCS form, hex: the identity of notices, registries and receipts. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
