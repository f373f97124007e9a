import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Ed25519 signing under key ids, so keys can rotate while old receipts stay verifiable.
 *
 * Signing goes through node:crypto (OpenSSL, ~20× faster than the pure-JS path on the write
 * path of every consent); verification — the part an auditor runs offline — through
 * @noble/curves. Ed25519 is deterministic (RFC 8032), so both produce byte-identical
 * signatures; a test holds them to that.
 */
export interface SigningKey {
  readonly kid: string;
  /** 32-byte seed. */
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export type KeyStatus = 'active' | 'retired';

/** A public key as served at `/v1/keys` and accepted by `receipt verify --key`. */
export interface PublicKeyInfo {
  readonly kid: string;
  readonly alg: 'Ed25519';
  /** base64url of the 32-byte public key. */
  readonly publicKey: string;
  readonly status: KeyStatus;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
export const fromB64u = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));

/** Key id: derived from the public key, so a key file cannot claim another key's id. */
export function keyId(publicKey: Uint8Array): string {
  return 'ed25519:' + b64u(sha256(publicKey).subarray(0, 12));
}

export function signingKeyFromSeed(secretKey: Uint8Array): SigningKey {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  const publicKey = ed25519.getPublicKey(secretKey);
  return { kid: keyId(publicKey), secretKey, publicKey };
}

export function generateSigningKey(): SigningKey {
  return signingKeyFromSeed(ed25519.utils.randomSecretKey());
}

const nodeKeys = new WeakMap<Uint8Array, ReturnType<typeof createPrivateKey>>();

/** The OpenSSL key of a 32-byte seed, made once per seed array. */
function nodeKeyOfSeed(seed: Uint8Array): ReturnType<typeof createPrivateKey> {
  let k = nodeKeys.get(seed);
  if (!k) {
    k = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    nodeKeys.set(seed, k);
  }
  return k;
}

const nodeKey = (key: SigningKey) => nodeKeyOfSeed(key.secretKey);

export function sign(key: SigningKey, message: Uint8Array | string): Uint8Array {
  const msg = typeof message === 'string' ? utf8ToBytes(message) : message;
  return new Uint8Array(nodeSign(null, msg, nodeKey(key)));
}

/**
 * `sign` with a bare 32-byte seed (the transparency log's note keys, `SignerKey.sign` in
 * src/ledger/note.ts): the RFC 8032 signature @noble/curves would give, byte for byte, at a
 * sixteenth of its CPU (39 against 626 µs measured) and without its BigInt garbage.
 */
export function signWithSeed(seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return new Uint8Array(nodeSign(null, message, nodeKeyOfSeed(seed)));
}

/**
 * `sign` on libuv's thread pool: the same signature, but the event loop (and, on PGlite, the
 * database running on it) goes on meanwhile. The write path of every consent signs its receipt.
 */
export function signAsync(key: SigningKey, message: Uint8Array | string): Promise<Uint8Array> {
  const msg = typeof message === 'string' ? utf8ToBytes(message) : message;
  const k = nodeKey(key);
  return new Promise((resolve, reject) => nodeSign(null, msg, k, (err, sig) => (err ? reject(err) : resolve(new Uint8Array(sig)))));
}

/** Never throws: malformed keys or signatures are simply "not valid". */
export function verify(publicKey: Uint8Array, message: Uint8Array | string, signature: Uint8Array): boolean {
  try {
    const msg = typeof message === 'string' ? utf8ToBytes(message) : message;
    return ed25519.verify(signature, msg, publicKey);
  } catch {
    return false;
  }
}

export function publicKeyInfo(key: SigningKey, status: KeyStatus): PublicKeyInfo {
  return { kid: key.kid, alg: 'Ed25519', publicKey: b64u(key.publicKey), status };
}
