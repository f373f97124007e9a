import { canonicalJson } from '../core/canonical.ts';
import { isoString } from '../core/time/iso.ts';
import { FrozenJson } from '../core/frozen-json.ts';
import type { TraceStep } from '../core/gate/types.ts';
import type { DecisionItem } from './decisions-repo.ts';

/**
 * The pieces of a decision that repeat from one decision to the next, serialised once: trace
 * steps (a `json` column), released items (a `jsonb` column and the log entry) and the steps'
 * log form (check, ok, article: the free-text detail stays out of the log). Texts are canonical
 * (RFC 8785), so the log entry can embed them as they are.
 */
export const traceStepJson = new FrozenJson<TraceStep>((s) => canonicalJson(s));
export const itemJson = new FrozenJson<DecisionItem>((i) => canonicalJson(i));
export const checkJson = new FrozenJson<TraceStep>((s) => canonicalJson(checkOf(s)));

/** A trace step as the log records it. */
export const checkOf = (s: TraceStep) => (s.article ? { article: s.article, check: s.check, ok: s.ok } : { check: s.check, ok: s.ok });

// Decisions under load share their second: `Date.prototype.toISOString` is a runtime call that
// formats with snprintf (1.0–1.5 µs each on a slow host), so a second's prefix is formatted once
// and the milliseconds are appended from a table. Two seconds are remembered, not one: a release
// formats its decision time and its retention end (days later) for the log entry and again for
// the decision row, alternately, so a single remembered second missed on every call.
// Exact for times from 1970 to 9999 (whole milliseconds; the text is YYYY-MM-DDTHH:mm:ss.sssZ,
// its first 20 characters fixed within a second); anything else goes to toISOString itself.
let secondA = Number.NaN;
let prefixA = '';
let secondB = Number.NaN;
let prefixB = '';
const MAX_FOUR_DIGIT_YEAR_MS = 253402300800000; // 10000-01-01T00:00:00.000Z
const MS_TAIL: readonly string[] = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0') + 'Z');

/** `new Date(ms).toISOString()`, formatting each second's prefix once while it is one of the last two. */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS && Number.isInteger(ms))) return new Date(ms).toISOString();
  const rest = ms % 1000;
  const second = ms - rest;
  if (second === secondA) return prefixA + MS_TAIL[rest]!;
  if (second === secondB) return prefixB + MS_TAIL[rest]!;
  // A miss: the newer slot moves down, the new second takes its place (least recently added goes).
  secondB = secondA;
  prefixB = prefixA;
  prefixA = isoString(second).slice(0, 20);
  secondA = second;
  return prefixA + MS_TAIL[rest]!;
}

// Released items are few distinct (category, form) pairs: interned and frozen, so itemJson
// serialises each pair once. Categories and forms come from the registry; the bound is a guard.
const interned = new Map<string, DecisionItem>();
const MAX_INTERNED = 4096;

/** The shared frozen item for (category, form). */
export function releasedItem(category: string, form: string): DecisionItem {
  const key = category + '\u0000' + form;
  let item = interned.get(key);
  if (item === undefined) {
    if (interned.size >= MAX_INTERNED) interned.clear();
    item = Object.freeze({ category, form });
    interned.set(key, item);
  }
  return item;
}

/**
 * Reading a decision back (DecisionsRepo.get, the console's stream): the row's columns come from
 * release_decisions and the rest from the decision's ledger entry, whose text the query returns
 * as it is (`convert_from(entry, 'UTF8')`) and the reader parses once with JSON.parse — where
 * `release_decision_records` parses it in the database (`json_to_record`), which on PGlite costs
 * about 55 µs per entry in its WASM build and a larger plan for every statement (docs/release-history.md,
 * "The read side after 223"). These helpers give each field the value that view gives it.
 */

/** A text column of the view: the entry's string, SQL NULL for a JSON null or a missing field. */
export function entryText(entry: Record<string, unknown>, key: string): string | null {
  const v = entry[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Error(`decision entry field ${key} is not a string`);
  return v;
}

/**
 * A jsonb column of the view: the entry's value with its objects' keys in the order jsonb keeps
 * them (shorter keys first, then by their UTF-8 bytes), as the view's `jsonb` gave them — so a
 * released item reads back as `{ form, category }`, exactly as before, not in the entry's order.
 * SQL NULL for a JSON null or a missing field.
 */
export function entryJsonb(entry: Record<string, unknown>, key: string): unknown {
  const v = entry[key];
  return v === undefined || v === null ? null : jsonbOrder(v);
}

function jsonbOrder(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(jsonbOrder);
  const keys = Object.keys(v);
  const out: Record<string, unknown> = {};
  for (const k of keys.length > 1 ? keys.sort(jsonbKeyOrder) : keys) out[k] = jsonbOrder((v as Record<string, unknown>)[k]);
  return out;
}

/** jsonb's order of object keys: by length in UTF-8 bytes, then bytewise. */
export function jsonbKeyOrder(a: string, b: string): number {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
}
