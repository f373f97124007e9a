/**
 * Text a database can store and UTF-8 can carry: no U+0000 (PostgreSQL text refuses it) and no
 * lone surrogate (`"\ud800"` in JSON or a YAML escape; it has no UTF-8 form, so a driver would
 * store U+FFFD and the stored value would differ from the one received). Finds the first such
 * string or object key in a parsed value — request bodies (src/http/input-guard.ts) and registry
 * documents (src/core/registry/parse.ts) are checked with it.
 */
export type TextKind = 'nul' | 'surrogate';

/** A lone surrogate: in a `u` regex a well-formed pair is one code point and never matches \p{Cs}. */
const LONE_SURROGATE = /\p{Cs}/u;
const badText = (s: string): TextKind | undefined => (s.includes('\u0000') ? 'nul' : LONE_SURROGATE.test(s) ? 'surrogate' : undefined);

/** Path and kind of the first string or key that is not storable text, if any. */
export function textIssue(value: unknown): { path: Array<string | number>; kind: TextKind } | undefined {
  // Nearly every request is clean: look without allocating, build the path only on a hit.
  return hasBadText(value) ? textIssueAt(value, []) : undefined;
}

function hasBadText(value: unknown): boolean {
  if (typeof value === 'string') return badText(value) !== undefined;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBadText(value[i])) return true;
    return false;
  }
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (badText(k) !== undefined || hasBadText((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

function textIssueAt(value: unknown, path: Array<string | number>): { path: Array<string | number>; kind: TextKind } | undefined {
  if (typeof value === 'string') {
    const kind = badText(value);
    return kind ? { path, kind } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = textIssueAt(value[i], [...path, i]);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const kind = badText(k);
      // The key itself is the bad text; a lone surrogate is named by U+FFFD (the answer is UTF-8 too).
      if (kind) return { path: [...path, kind === 'surrogate' ? k.replace(/\p{Cs}/gu, '\uFFFD') : k], kind };
      const hit = textIssueAt(v, [...path, k]);
      if (hit) return hit;
    }
  }
  return undefined;
}
