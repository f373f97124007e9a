import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Local console passwords (the fallback for shops without an identity provider): scrypt from
 * node:crypto, a fresh 16-byte salt per password, stored as a self-describing string
 * `scrypt$N$r$p$salt$hash` (base64url) so the cost can be raised later without a migration:
 * a stored hash is verified with its own parameters.
 *
 * N = 2^15, r = 8, p = 1 (32 MiB, tens of ms per try): OWASP's scrypt floor is N = 2^17 with
 * r = 8 at p = 1 only for memory-rich servers; 2^15 with the per-address failed-sign-in budget
 * (auth-failures.ts) keeps a 2-core server responsive while making offline guessing costly.
 */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LEN = 32;
/** Never derive with parameters a tampered row could inflate into a denial of service. */
const MAX_N = 2 ** 20;

const derive = (password: string, salt: Buffer, n: number, r: number, p: number, len: number) =>
  new Promise<Buffer>((resolve, reject) => {
    const opts: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 };
    scrypt(password.normalize('NFC'), salt, len, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });

/** What is wrong with a new password, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < PASSWORD_MIN) return `at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `at most ${PASSWORD_MAX} characters`;
  return undefined;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P, KEY_LEN);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const STORED_RE = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

/** Whether `password` matches `stored` (constant-time comparison); false for a malformed `stored`. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = STORED_RE.exec(stored);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (n < 2 || n > MAX_N || (n & (n - 1)) !== 0 || r < 1 || p < 1 || p > 4) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const got = await derive(password.slice(0, PASSWORD_MAX), Buffer.from(m[4]!, 'base64url'), n, r, p, expected.length);
  return timingSafeEqual(got, expected);
}

/**
 * Spends what a real verification spends, for a login that does not exist (or has no password):
 * the answer's timing does not tell which logins exist.
 */
let dummy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(12).toString('base64url'));
  await verifyPassword(password, await dummy);
  return false;
}
