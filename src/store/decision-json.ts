import { canonicalJson } from '../core/canonical.ts';
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

// Decisions under load share their millisecond: one Date and one ISO string per millisecond.
let lastMs = Number.NaN;
let lastIso = '';

/** `new Date(ms).toISOString()`, remembered for the last millisecond asked. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
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
