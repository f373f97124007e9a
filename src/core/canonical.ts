import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * RFC 8785 (JCS) canonical JSON. Everything we hash or sign goes through here so that two
 * implementations — ours and an auditor's — derive the same bytes from the same value.
 */
export function canonicalJson(value: unknown, known?: KnownTexts): string {
  // Data built with its keys already in order (journal entries are) is JCS as it stands: the
  // engine's own JSON.stringify writes it several times faster than any walk in JS.
  if (inJcsOrder(value, 0)) {
    const out = JSON.stringify(value);
    // Strings and keys with surrogates go the general way (JCS and the library differ from
    // JSON.stringify only there): one scan of the output finds them, raw (paired) or escaped
    // (lone), instead of a test per string while walking.
    if (!SURROGATE_IN_OUTPUT.test(out)) return out;
  }
  const fast = fastJcs(value, 0, known);
  if (fast !== undefined) return fast;
  // Anything the fast path does not handle (toJSON, NaN, lone surrogates, cycles, functions…)
  // goes through the library, which defines the result or the error.
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON representation');
  return out;
}

/**
 * Canonical texts of objects many values share, by identity (e.g. the parts every consent
 * receipt of one notice repeats): copied instead of walked again. Only for frozen objects,
 * so a text cannot go stale.
 */
export type KnownTexts = WeakMap<object, string>;

/** Deeper than this is either a cycle or pathological input: the library decides. */
const MAX_FAST_DEPTH = 64;
const SURROGATE = /[\uD800-\uDFFF]/;
/** A surrogate in JSON.stringify output: raw, or escaped as `\udXXX` (how it writes lone ones). */
const SURROGATE_IN_OUTPUT = /[\uD800-\uDFFF]|\\ud[89a-f]/;

/**
 * True when JSON.stringify(v) is already the JCS form, surrogates aside (canonicalJson looks for
 * them in the output): plain JSON data (null, booleans, finite numbers, strings, arrays without
 * holes, plain objects) whose object keys are in ascending UTF-16 order at every level — the
 * order JCS sorts by and, for non-index keys, the order JSON.stringify writes them in. Anything
 * else answers false and goes the general way.
 */
function inJcsOrder(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
      return true; // surrogates: see canonicalJson
    case 'number':
      return Number.isFinite(v);
    case 'boolean':
      return true;
    case 'object': {
      if (v === null) return true;
      if (depth >= MAX_FAST_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          // Holes, undefined and symbols become "null" either way, but stay on the general path.
          if (!(i in v) || !inJcsOrder(v[i], depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
      const o = v as Record<string, unknown>;
      let prev: string | undefined;
      for (const k in o) {
        // for-in also walks inherited enumerable keys; a plain object has none (checked above).
        if (prev !== undefined && !(prev < k)) return false;
        const x = o[k];
        // JSON.stringify drops undefined members like JCS does, but functions and symbols are
        // the general path's business.
        if (x !== undefined && !inJcsOrder(x, depth + 1)) return false;
        prev = k;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * JCS for plain JSON data (null, booleans, finite numbers, well-formed strings, arrays, plain
 * objects), byte-identical to `canonicalize`: every hash and signature goes through here, and
 * the library's per-character surrogate scan and cycle set made it the write path's top CPU
 * cost. Returns undefined (never a wrong string) for anything else, so the caller falls back.
 */
function fastJcs(v: unknown, depth: number, known?: KnownTexts): string | undefined {
  switch (typeof v) {
    case 'string':
      return SURROGATE.test(v) ? undefined : JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      const hit = known?.get(v);
      if (hit !== undefined) return hit;
      if (depth >= MAX_FAST_DEPTH) return undefined;
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return undefined; // holes: the library's output is what it is
          const x: unknown = v[i];
          const s = x === undefined || typeof x === 'symbol' ? 'null' : fastJcs(x, depth + 1, known);
          if (s === undefined) return undefined;
          out += i === 0 ? s : ',' + s;
        }
        return out + ']';
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const x = o[k];
        if (x === undefined || typeof x === 'symbol') continue;
        if (SURROGATE.test(k)) return undefined;
        const s = fastJcs(x, depth + 1, known);
        if (s === undefined) return undefined;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + s;
        first = false;
      }
      return out + '}';
    }
    default:
      return undefined;
  }
}

export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** SHA-256 of the JCS form, hex: the identity of notices, registries and receipts. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
