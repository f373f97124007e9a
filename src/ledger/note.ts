import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CgError } from '../core/errors.ts';

/**
 * C2SP signed-note (https://c2sp.org/signed-note), byte-compatible with Go's
 * golang.org/x/mod/sumdb/note: text ending in a newline, a blank line, then one line per
 * signature `— <key name> <base64(4-byte key hash ‖ signature)>`. Only Ed25519 (algorithm
 * byte 0x01) is implemented.
 */
export const ALG_ED25519 = 0x01;
/** Our own limits: notes are small, and a parser must not be an amplifier. */
export const MAX_NOTE_BYTES = 64 * 1024;
export const MAX_SIGNATURES = 100;

const EM_DASH = '\u2014';
const enc = new TextEncoder();

export interface VerifierKey {
  readonly name: string;
  /** First 4 bytes of SHA-256(name ‖ 0x0A ‖ alg ‖ public key), big-endian, as 8 hex digits. */
  readonly keyHash: string;
  readonly publicKey: Uint8Array;
  /** `<name>+<hex key hash>+<base64(0x01 ‖ public key)>` */
  readonly text: string;
}

export interface SignerKey extends VerifierKey {
  readonly seed: Uint8Array;
  /** `PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 ‖ seed)>` — keep secret. */
  readonly secretText: string;
  /**
   * The same RFC 8032 signature by another implementation (the server's OpenSSL: this library
   * loads no Node built-in). Ed25519 is deterministic, so it must give @noble's bytes exactly.
   */
  readonly sign?: (message: Uint8Array) => Uint8Array;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyHash: string;
  /** The raw signature (without the 4-byte key hash). */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const bad = (code: string, message: string, path = 'note') => new CgError(code, message, 400, [{ code, message, path }]);

/** Key names: non-empty, no Unicode spaces, no '+' (Go's isValidName). */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && name.length <= 256 && !/[\s+]/u.test(name) && !/[\u0000-\u001f\u007f]/.test(name);
}

export function keyHash(name: string, alg: number, publicKey: Uint8Array): string {
  const n = enc.encode(name);
  const buf = new Uint8Array(n.length + 2 + publicKey.length);
  buf.set(n, 0);
  buf[n.length] = 0x0a;
  buf[n.length + 1] = alg;
  buf.set(publicKey, n.length + 2);
  return Buffer.from(sha256(buf).subarray(0, 4)).toString('hex');
}

function verifierFrom(name: string, publicKey: Uint8Array): VerifierKey {
  const hash = keyHash(name, ALG_ED25519, publicKey);
  const text = `${name}+${hash}+${b64(Uint8Array.of(ALG_ED25519, ...publicKey))}`;
  return { name, keyHash: hash, publicKey, text };
}

/** A signer from a 32-byte Ed25519 seed (the form Go's note keys store). */
export function signerFromSeed(name: string, seed: Uint8Array): SignerKey {
  if (!isValidKeyName(name)) throw bad('INVALID_KEY', `invalid key name ${JSON.stringify(name)}`, 'key');
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw bad('INVALID_KEY', 'Ed25519 seed must be 32 bytes', 'key');
  const v = verifierFrom(name, ed25519.getPublicKey(seed));
  return { ...v, seed, secretText: `PRIVATE+KEY+${name}+${v.keyHash}+${b64(Uint8Array.of(ALG_ED25519, ...seed))}` };
}

export function generateSigner(name: string): SignerKey {
  return signerFromSeed(name, ed25519.utils.randomSecretKey());
}

/** Parses `<name>+<hash>+<base64 key>`; the hash must match the key it names. */
export function parseVerifierKey(text: string): VerifierKey {
  if (typeof text !== 'string' || text.length > 1024) throw bad('INVALID_KEY', 'verifier key must be a short string', 'key');
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (!m) throw bad('INVALID_KEY', 'verifier key must look like <name>+<8 hex digits>+<base64 key>', 'key');
  const [, name, hash, keyB64] = m as unknown as [string, string, string, string];
  const raw = unb64(keyB64);
  if (!raw || raw.length !== 33 || raw[0] !== ALG_ED25519) throw bad('INVALID_KEY', 'only Ed25519 verifier keys (algorithm 1, 32 bytes) are supported', 'key');
  const v = verifierFrom(name, raw.subarray(1));
  if (v.keyHash !== hash) throw bad('INVALID_KEY', 'verifier key hash does not match its name and key', 'key');
  if (!isValidKeyName(name)) throw bad('INVALID_KEY', 'invalid key name', 'key');
  return v;
}

/** Parses `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`. */
export function parseSignerKey(text: string): SignerKey {
  if (typeof text !== 'string' || text.length > 1024) throw bad('INVALID_KEY', 'signer key must be a short string', 'key');
  const m = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (!m) throw bad('INVALID_KEY', 'signer key must look like PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>', 'key');
  const [, name, hash, keyB64] = m as unknown as [string, string, string, string];
  const raw = unb64(keyB64);
  if (!raw || raw.length !== 33 || raw[0] !== ALG_ED25519) throw bad('INVALID_KEY', 'only Ed25519 signer keys are supported', 'key');
  const s = signerFromSeed(name, raw.slice(1));
  if (s.keyHash !== hash) throw bad('INVALID_KEY', 'signer key hash does not match its name and key', 'key');
  return s;
}

function checkText(text: string): void {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) throw bad('MALFORMED_NOTE', 'note text must end with a newline');
  if (enc.encode(text).length > MAX_NOTE_BYTES) throw bad('MALFORMED_NOTE', 'note is too large');
  // Control characters other than newline, and the U+FFFD replacement character (a sign of bad UTF-8).
  if (/[\u0000-\u0009\u000b-\u001f\u007f\ufffd]/.test(text)) throw bad('MALFORMED_NOTE', 'note text has control characters or invalid UTF-8');
  if (text.includes('\n\n')) throw bad('MALFORMED_NOTE', 'note text must not contain a blank line');
}

export function signatureLine(s: NoteSignature): string {
  const hash = Buffer.from(s.keyHash, 'hex');
  return `${EM_DASH} ${s.name} ${b64(Uint8Array.from([...hash, ...s.signature]))}\n`;
}

export function signText(text: string, signer: SignerKey): NoteSignature {
  checkText(text);
  const message = enc.encode(text);
  return { name: signer.name, keyHash: signer.keyHash, signature: signer.sign ? signer.sign(message) : ed25519.sign(message, signer.seed) };
}

/** Serialises a note: text, blank line, signature lines. */
export function formatNote(note: Note): string {
  checkText(note.text);
  return note.text + '\n' + note.signatures.map(signatureLine).join('');
}

/** Signs `text` (and keeps any signatures `existing` already has, e.g. the log's when a witness co-signs). */
export function signNote(text: string, signers: readonly SignerKey[], existing: readonly NoteSignature[] = []): string {
  const sigs = [...existing];
  for (const s of signers) {
    if (sigs.some((x) => x.name === s.name && x.keyHash === s.keyHash)) continue;
    sigs.push(signText(text, s));
  }
  return formatNote({ text, signatures: sigs });
}

/** Splits a signed note into text and signatures (no verification). Malformed input throws CgError. */
export function parseNote(msg: string): Note {
  if (typeof msg !== 'string') throw bad('MALFORMED_NOTE', 'note must be text');
  if (enc.encode(msg).length > MAX_NOTE_BYTES) throw bad('MALFORMED_NOTE', 'note is too large');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw bad('MALFORMED_NOTE', 'note has no signature block (missing blank line)');
  const text = msg.slice(0, split + 1);
  checkText(text);
  const block = msg.slice(split + 2);
  if (!block.endsWith('\n')) throw bad('MALFORMED_NOTE', 'signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw bad('MALFORMED_NOTE', `more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line, i) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    const raw = m ? unb64(m[2]!) : null;
    if (!m || !raw || raw.length < 5 || !isValidKeyName(m[1]!)) {
      throw new CgError('MALFORMED_NOTE', `signature line ${i + 1} is malformed`, 400, [
        { code: 'MALFORMED_NOTE', message: 'expected "— <name> <base64>"', path: `signatures[${i}]` },
      ]);
    }
    return { name: m[1]!, keyHash: Buffer.from(raw.subarray(0, 4)).toString('hex'), signature: raw.slice(4) };
  });
  if (signatures.length === 0) throw bad('MALFORMED_NOTE', 'note has no signatures');
  return { text, signatures };
}

/** Does `sig` verify as `key`'s signature of `text`? Strict RFC 8032 (no ZIP-215 leniency). */
export function signatureValid(text: string, sig: NoteSignature, key: VerifierKey): boolean {
  if (sig.name !== key.name || sig.keyHash !== key.keyHash || sig.signature.length !== 64) return false;
  try {
    return ed25519.verify(sig.signature, enc.encode(text), key.publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export interface OpenedNote extends Note {
  /** Names of the given keys whose signatures verified. */
  readonly verifiedBy: readonly string[];
}

/**
 * Verifies a signed note against known keys, with Go's semantics: signatures by unknown keys
 * are ignored, a known key's bad signature is an error, and at least one known key must sign.
 */
export function openNote(msg: string, keys: readonly VerifierKey[]): OpenedNote {
  const note = parseNote(msg);
  const verifiedBy: string[] = [];
  for (const sig of note.signatures) {
    const key = keys.find((k) => k.name === sig.name && k.keyHash === sig.keyHash);
    if (!key) continue;
    if (!signatureValid(note.text, sig, key)) {
      throw new CgError('BAD_SIGNATURE', `signature by ${sig.name} does not verify`, 400, [
        { code: 'BAD_SIGNATURE', message: 'invalid signature', path: 'signatures' },
      ]);
    }
    if (!verifiedBy.includes(key.name)) verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) throw new CgError('UNKNOWN_SIGNER', 'note is not signed by any trusted key', 400, [{ code: 'UNKNOWN_SIGNER', message: 'no trusted signature', path: 'signatures' }]);
  return { ...note, verifiedBy };
}

export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Strict standard base64: rejects anything that does not re-encode to itself. */
export function unb64(s: string): Uint8Array | null {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const out = Buffer.from(s, 'base64');
  return out.toString('base64') === s ? new Uint8Array(out) : null;
}
