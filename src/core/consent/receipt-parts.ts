import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalJson, type KnownTexts } from '../canonical.ts';

/**
 * Parts every receipt of one notice repeats — the controller, the withdrawal text, a
 * declaration's purpose label, retention and transfer terms — are most of a receipt's bytes.
 * Shared parts are frozen, their canonical text is kept for signing, and receipts are stored
 * with each long part replaced by a reference to one stored copy (`{"$part": id}`, id = the
 * part's content hash), so a consent writes a few hundred bytes instead of kilobytes. Expanding
 * gives the same value back, so a receipt read later signs to the same bytes.
 */

/** Parts shorter than this stay in place: a reference would be about as long. */
const MIN_PART_CHARS = 96;

/** JCS text of every shared part, by identity (see canonicalJson's KnownTexts). */
export const sharedText: KnownTexts = new WeakMap<object, string>();
const idOf = new WeakMap<object, string>();
const textById = new Map<string, string>();

/**
 * Deep-freezes `part` and remembers its canonical text, so signing a receipt that contains it
 * copies the text instead of walking it again. Frozen, the text cannot go stale.
 */
export function shareReceiptPart<T>(given: T): T {
  if (typeof given !== 'object' || given === null) return given;
  // A copy with its keys in JCS order, so receipts holding it serialise natively (canonical.ts).
  const part = sortedKeys(given) as T & object;
  deepFreeze(part);
  const text = canonicalJson(part);
  sharedText.set(part, text);
  if (text.length >= MIN_PART_CHARS) {
    const id = partId(text);
    idOf.set(part, id);
    textById.set(id, text);
  }
  return part;
}

/** Content address of a part: base64url of the first 16 bytes of SHA-256 of its JCS text. */
export function partId(text: string): string {
  return Buffer.from(sha256(Buffer.from(text, 'utf8')).subarray(0, 16)).toString('base64url');
}

export interface CompactText {
  /** JSON of the value with shared parts as `{"$part": id}`. */
  readonly text: string;
  /** id → JCS text of every part the text refers to. */
  readonly parts: ReadonlyMap<string, string>;
}

/** `value` as JSON with every long shared part replaced by its reference. */
export function compactJson(value: unknown): CompactText {
  const parts = new Map<string, string>();
  const text = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v !== 'object' || v === null) return v;
    const id = idOf.get(v);
    if (id === undefined) return v;
    parts.set(id, textById.get(id)!);
    return { $part: id };
  });
  return { text, parts };
}

/** Ids of the parts a compact text refers to. */
export function partIdsIn(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PART_REF), (m) => m[1]!))];
}
const PART_REF = /\{"\$part":"([A-Za-z0-9_-]{22})"\}/g;

/**
 * Parses a compact text back into the value, taking each part's text from `partText`. Throws
 * if a part is missing or does not match its content address: a receipt is never rebuilt
 * from the wrong part.
 */
export function expandJson<T>(text: string, partText: (id: string) => string | undefined): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const ref = (v as { $part?: unknown }).$part;
    if (typeof ref !== 'string' || Object.keys(v).length !== 1) return v;
    const t = partText(ref);
    if (t === undefined) throw new Error(`receipt part ${ref} is missing`);
    if (partId(t) !== ref) throw new Error(`receipt part ${ref} does not match its content`);
    return JSON.parse(t) as unknown;
  }) as T;
}

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = sortedKeys(o[k]);
  return out;
}

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
