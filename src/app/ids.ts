import { randomFillSync } from 'node:crypto';

/**
 * Record ids that sort by creation time: `<prefix><9 base-36 digits of ms><16 base64url chars
 * of randomness>`. Time first keeps a primary-key B-tree appending at its right edge instead
 * of touching a random page per insert (which, with a large table, means a page read and a
 * full-page WAL image each); 96 random bits keep ids unguessable and unique.
 */
export function timeOrderedId(prefix: string, now: number = Date.now()): string {
  return prefix + timePart(now) + randomChars();
}

// Ids made under load share their millisecond, and a base-36 conversion is a runtime call:
// the last millisecond's digits are kept.
let lastMs = Number.NaN;
let lastDigits = '';

function timePart(ms: number): string {
  if (ms !== lastMs) {
    lastDigits = ms.toString(36).padStart(9, '0');
    lastMs = ms;
  }
  return lastDigits;
}

// randomBytes(12) per id is a syscall-sized cost on the release path; one fill serves 341 ids.
// Every byte is used once.
const pool = Buffer.alloc(4092);
let offset = pool.length;

/** Where the next `n` unused random bytes of the pool start (refilled when fewer are left). */
function take(n: number): number {
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

function randomChars(): string {
  const at = take(12);
  return pool.toString('base64url', at, at + 12);
}

/**
 * A request id the server makes when the caller sent none: 128 random bits as 32 lowercase hex
 * digits (the W3C trace-context trace-id's form), from the same pool as the ids above. It says
 * nothing about how many requests came before (no counter), and it is one string: `randomUUID`
 * builds its text from twenty concatenations, ~0.6 KiB of young heap per request
 * (bench/release-heap.ts), and every response carries an id.
 */
export function requestId(): string {
  const at = take(16);
  return pool.toString('hex', at, at + 16);
}
