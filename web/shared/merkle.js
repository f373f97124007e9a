/**
 * RFC 9162 inclusion-proof verification in the browser, with WebCrypto SHA-256 — a port of
 * src/ledger/verify.ts, so a customer can check a release is in the log without trusting the page's server
 * for anything but the bytes (compare the root with a checkpoint from a witness for full assurance).
 */
const b64d = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

export async function leafHash(entry) {
  const buf = new Uint8Array(entry.length + 1);
  buf[0] = 0;
  buf.set(entry, 1);
  return sha256(buf);
}

async function nodeHash(l, r) {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(l, 1);
  buf.set(r, 33);
  return sha256(buf);
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Root implied by the proof, or a string saying why there is none. */
export async function rootFromInclusionProof(leaf, index, size, proof) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return 'index outside the tree';
  if (leaf.length !== 32 || proof.some((p) => p.length !== 32)) return 'hashes must be 32 bytes';
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return 'proof is longer than the tree is deep';
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (!(fn % 2 === 1 || fn === 0)) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'proof is shorter than the tree is deep';
  return r;
}

/** The root line of a C2SP checkpoint note (origin, size, base64 root, …). */
export function checkpointRoot(note) {
  const lines = note.split('\n');
  return { origin: lines[0], size: Number(lines[1]), root: lines[2] };
}

/**
 * Verifies a `GET /v1/ledger/entries/:index` answer: the entry bytes hash to the leaf, the proof
 * leads from the leaf to the root, and the root is the one in the signed checkpoint.
 */
export async function verifyEntryProof(p) {
  const entry = b64d(p.entry_base64);
  const leaf = await leafHash(entry);
  if (!equal(leaf, b64d(p.leaf_hash))) return { ok: false, reason: 'entry does not hash to its leaf' };
  const root = await rootFromInclusionProof(leaf, p.index, p.tree_size, p.proof.map(b64d));
  if (typeof root === 'string') return { ok: false, reason: root };
  if (!equal(root, b64d(p.root))) return { ok: false, reason: 'proof does not lead to the root' };
  if (p.checkpoint) {
    const cp = checkpointRoot(p.checkpoint);
    if (cp.size !== p.tree_size || cp.root !== p.root) return { ok: false, reason: 'root is not the signed checkpoint root' };
  }
  return { ok: true, size: p.tree_size, root: p.root, entry: new TextDecoder().decode(entry) };
}
