import { timingSafeEqual } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { CgError } from '../core/errors.ts';

/**
 * Webhook signatures, in the style payment providers use:
 *
 *   ConsentGate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * The timestamp is inside the MAC, so a recipient that rejects timestamps outside a short
 * window (default 5 minutes) cannot be fed an old captured delivery; within the window the
 * `Idempotency-Key` header (the outbox message id) lets it drop a repeat. Several `v1=` values
 * may appear while a secret is being rotated; one match is enough.
 */
export const SIGNATURE_HEADER = 'ConsentGate-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = 'whsec_';
const MAX_HEADER = 2048;

/** A recipient's secret as shown to it once: `whsec_` + base64url of 32 random bytes. */
export function encodeSecret(secret: Uint8Array): string {
  return SECRET_PREFIX + Buffer.from(secret).toString('base64url');
}

export function decodeSecret(text: string): Uint8Array {
  if (!text.startsWith(SECRET_PREFIX)) throw new CgError('WEBHOOK_SECRET_MALFORMED', 'webhook secrets start with whsec_', 400);
  const bytes = Buffer.from(text.slice(SECRET_PREFIX.length), 'base64url');
  if (bytes.length < 16) throw new CgError('WEBHOOK_SECRET_MALFORMED', 'webhook secret too short', 400);
  return new Uint8Array(bytes);
}

const toBytes = (body: string | Uint8Array) => (typeof body === 'string' ? utf8ToBytes(body) : body);

function mac(secret: Uint8Array, timestamp: number, body: string | Uint8Array): Uint8Array {
  const prefix = utf8ToBytes(`${timestamp}.`);
  const b = toBytes(body);
  const msg = new Uint8Array(prefix.length + b.length);
  msg.set(prefix);
  msg.set(b, prefix.length);
  return hmac(sha256, secret, msg);
}

/** The header value for a delivery at `timestamp` (unix seconds). */
export function signatureHeader(secret: Uint8Array, timestamp: number, body: string | Uint8Array): string {
  return `t=${timestamp},v1=${bytesToHex(mac(secret, timestamp, body))}`;
}

export interface VerifyOptions {
  /** Raw secret bytes or the `whsec_…` text form. */
  readonly secret: Uint8Array | string;
  /** The header value; undefined when the request had none. */
  readonly header: string | undefined;
  /** The raw request body, exactly as received (never a re-serialised parse). */
  readonly body: string | Uint8Array;
  /** Current time, unix seconds. */
  readonly now: number;
  readonly toleranceSeconds?: number;
}

/**
 * For recipients: checks a delivery's signature and freshness. Returns the signed timestamp;
 * throws CgError WEBHOOK_SIGNATURE_MISSING | _MALFORMED | _EXPIRED | _MISMATCH (all 401).
 */
export function verifySignature(opts: VerifyOptions): { timestamp: number } {
  const fail = (code: string, message: string) => new CgError(code, message, 401);
  const { header } = opts;
  if (header === undefined || header === '') throw fail('WEBHOOK_SIGNATURE_MISSING', `no ${SIGNATURE_HEADER} header`);
  if (header.length > MAX_HEADER) throw fail('WEBHOOK_SIGNATURE_MALFORMED', 'signature header too long');
  let timestamp: number | undefined;
  const candidates: Uint8Array[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) throw fail('WEBHOOK_SIGNATURE_MALFORMED', 'expected t=<seconds>,v1=<hex>');
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(opts.now - timestamp) > tolerance) {
    throw fail('WEBHOOK_SIGNATURE_EXPIRED', `signature timestamp is outside the ${tolerance}s tolerance`);
  }
  const secret = typeof opts.secret === 'string' ? decodeSecret(opts.secret) : opts.secret;
  const expected = mac(secret, timestamp, opts.body);
  if (!candidates.some((c) => timingSafeEqual(c, expected))) throw fail('WEBHOOK_SIGNATURE_MISMATCH', 'signature does not match');
  return { timestamp };
}
