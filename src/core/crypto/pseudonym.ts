import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Subject pseudonyms: the only subject identifier that appears in the transparency log,
 * receipts' public parts and logs. A keyed hash (HMAC-SHA256 under the operator's pseudonym
 * key) so nobody without the key can test a guessed customer id against the public log, while
 * the operator can still answer "every entry about this subject".
 */
export function pseudonymize(key: Uint8Array, subjectId: string): string {
  const mac = hmac(sha256, key, utf8ToBytes(subjectId));
  return 'sp_' + Buffer.from(mac.subarray(0, 16)).toString('base64url');
}
