import { CgError } from '../core/errors.ts';
import { HASH_SIZE } from './hash.ts';
import { b64, unb64 } from './note.ts';

/** Longest proof we accept: a tree of 2^63 leaves needs fewer than 2·63 hashes. */
export const MAX_PROOF_HASHES = 128;

/** Proofs travel as JSON arrays of base64 hashes (the same encoding as checkpoint roots). */
export function encodeProof(proof: readonly Uint8Array[]): string[] {
  return proof.map(b64);
}

export function decodeProof(value: unknown, path = 'proof'): Uint8Array[] {
  if (!Array.isArray(value)) throw new CgError('MALFORMED_PROOF', 'proof must be an array of base64 hashes', 400, [{ code: 'MALFORMED_PROOF', message: 'not an array', path }]);
  if (value.length > MAX_PROOF_HASHES) throw new CgError('MALFORMED_PROOF', `proof has more than ${MAX_PROOF_HASHES} hashes`, 400, [{ code: 'MALFORMED_PROOF', message: 'too long', path }]);
  return value.map((v, i) => {
    const h = typeof v === 'string' ? unb64(v) : null;
    if (!h || h.length !== HASH_SIZE) {
      throw new CgError('MALFORMED_PROOF', `proof[${i}] is not the base64 of a 32-byte hash`, 400, [{ code: 'MALFORMED_PROOF', message: 'bad hash', path: `${path}[${i}]` }]);
    }
    return h;
  });
}
