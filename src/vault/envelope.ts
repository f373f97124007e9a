import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalJson } from '../core/canonical.ts';
import { CgError } from '../core/errors.ts';

/**
 * Envelope encryption for the vault. Each subject has its own 256-bit data key; every item is
 * sealed under it with AES-256-GCM. The associated data names the subject, the category and the
 * data key's version, so a ciphertext copied to another subject's row, another category or a
 * stale key generation fails authentication instead of decrypting to someone else's data.
 */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

export const newDataKey = (): Uint8Array => new Uint8Array(randomBytes(DATA_KEY_BYTES));

/** AAD of one vault item: JCS, so every implementation derives the same bytes. */
export function itemAad(subject: string, category: string, keyVersion: number): Uint8Array {
  return Buffer.from(canonicalJson(['cg.vault.item/1', subject, category, keyVersion]));
}

/** AAD used when the master key wraps a subject's data key. */
export function dataKeyAad(subject: string, keyVersion: number): Uint8Array {
  return Buffer.from(canonicalJson(['cg.vault.dek/1', subject, keyVersion]));
}

/** `01 ‖ iv(12) ‖ ciphertext ‖ tag(16)`. A fresh random IV per seal; keys never seal 2^32 items. */
export function seal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (key.length !== DATA_KEY_BYTES) throw new Error('AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return new Uint8Array(Buffer.concat([Buffer.of(FORMAT), iv, body, c.getAuthTag()]));
}

/** Opens what `seal` produced; any change to key, AAD or bytes → VAULT_DECRYPT_FAILED. */
export function open(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  return new Uint8Array(openBuffer(key, aad, sealed));
}

/** A sealed item's IV, ciphertext and tag as views of its bytes: split once, opened many times. */
export interface SealedParts {
  readonly iv: Buffer;
  readonly body: Buffer;
  readonly tag: Buffer;
}

/** Splits `seal`'s output; a wrong format fails as authentication does (VAULT_DECRYPT_FAILED). */
export function sealedParts(sealed: Uint8Array): SealedParts {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < 1 + IV_BYTES + TAG_BYTES || buf[0] !== FORMAT) throw decryptFailed();
  return { iv: buf.subarray(1, 1 + IV_BYTES), body: buf.subarray(1 + IV_BYTES, buf.length - TAG_BYTES), tag: buf.subarray(buf.length - TAG_BYTES) };
}

// One options object for every decipher (Node only reads it).
const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_BYTES });

/** `open`'s plaintext as the decipher returns it: a release decodes it once, without a copy. */
function openBuffer(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array | SealedParts): Buffer {
  const { iv, body, tag } = sealed instanceof Uint8Array ? sealedParts(sealed) : sealed;
  if (key.length !== DATA_KEY_BYTES) throw decryptFailed();
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv, GCM_OPTIONS);
    d.setAAD(aad);
    d.setAuthTag(tag);
    const plain = d.update(body);
    // final() authenticates (GCM's tag): nothing of `plain` is used unless it passes. A stream
    // cipher's final() adds no bytes, but concatenate if it ever does.
    const rest = d.final();
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
  } catch {
    throw decryptFailed();
  }
}

export const sealText = (key: Uint8Array, aad: Uint8Array, text: string): Uint8Array => seal(key, aad, Buffer.from(text, 'utf8'));
/** `sealed` may be split already (`sealedParts`): a cache of sealed items splits each once. */
export const openText = (key: Uint8Array, aad: Uint8Array, sealed: Uint8Array | SealedParts): string => openBuffer(key, aad, sealed).toString('utf8');

// Deliberately says nothing about why: an oracle distinguishing "bad tag" from "bad format" helps nobody but an attacker.
const decryptFailed = () => new CgError('VAULT_DECRYPT_FAILED', 'vault ciphertext could not be authenticated', 500);
