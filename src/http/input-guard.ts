import { z } from 'zod';
import { CgError, formatPath } from '../core/errors.ts';
import { textIssue } from '../core/text.ts';
import { dateRangeIssue } from '../core/time/date-range.ts';

/**
 * Checks every route's input after its zod schema accepted it, for what a schema per field
 * would have to repeat everywhere — so a route added tomorrow gets them without a line of its own:
 *
 * - Text: a string (or object key) with U+0000 is refused (PostgreSQL text cannot hold it), and
 *   one that is not well-formed UTF-16 — a lone surrogate such as `"\ud800"` in JSON — is refused
 *   with 400 INVALID_ENCODING. UTF-8 cannot encode a lone surrogate: the database driver would
 *   store U+FFFD instead, and the answer would then describe a value that was never stored.
 * - Dates: any string the schema declares as a date or date-time (`z.iso.date()`,
 *   `z.iso.datetime()`, the helpers in src/core/time/date-range.ts) must lie in the accepted
 *   range, whichever helper the route used.
 *
 * Both refusals carry the offending field's path, like every validation failure.
 */
export type GuardPart = 'body' | 'querystring' | 'params' | 'headers';

/** A path pattern to a date field: `*` stands for every element of an array or value of a record. */
type Pattern = ReadonlyArray<string | number | typeof ANY>;
const ANY = Symbol('any');

/**
 * The checker for one request part, built once per route from its schema: `parsed` is what the
 * schema returned, `raw` what the request held (date patterns follow the schema's input side).
 */
export function compileInputGuard(schema: z.ZodType, part: GuardPart): (parsed: unknown, raw: unknown) => Error | undefined {
  const dates = datePatterns(schema);
  const prefix = part === 'body' ? [] : [part === 'querystring' ? 'query' : part];
  return (parsed, raw) => {
    const text = textIssue(parsed);
    if (text) return text.kind === 'nul' ? nulError(text.path) : surrogateError([...prefix, ...text.path]);
    for (const p of dates) {
      const hit = dateIssueAt(raw, p, 0, []);
      if (hit) return dateError(hit.path, hit.code, hit.message);
    }
    return undefined;
  };
}

/** A ZodError, so the refusal renders like every validation failure (422 for a body). */
function nulError(path: Array<string | number>): z.ZodError {
  return issueError(path, 'custom', 'must not contain the NUL character (U+0000)');
}

function surrogateError(path: Array<string | number>): CgError {
  const message = 'text must be well-formed Unicode: a lone surrogate (e.g. \\ud800) has no UTF-8 form';
  const where = formatPath(path);
  return new CgError('INVALID_ENCODING', `${where || '(body)'}: ${message}`, 400, [{ code: 'INVALID_ENCODING', message, path: where }]);
}

// ── dates ────────────────────────────────────────────────────────────────────────────

const cache = new WeakMap<z.ZodType, Pattern[]>();

/** Where a schema declares date strings. Exported for tests. */
export function datePatterns(schema: z.ZodType): Pattern[] {
  let hit = cache.get(schema);
  if (!hit) {
    hit = [];
    walk(schema, [], hit, new Set());
    cache.set(schema, hit);
  }
  return hit;
}

interface Def {
  type: string;
  format?: string;
  [k: string]: unknown;
}

const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;

function walk(schema: unknown, path: Pattern, out: Pattern[], seen: Set<unknown>): void {
  const def = defOf(schema);
  if (!def || seen.has(schema) || path.length > 32) return;
  seen.add(schema);
  try {
    switch (def.type) {
      case 'string':
        if (def.format === 'date' || def.format === 'datetime') out.push(path);
        return;
      case 'object':
        for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) walk(v, [...path, k], out, seen);
        if (def.catchall) walk(def.catchall, [...path, ANY], out, seen);
        return;
      case 'array':
        return walk(def.element, [...path, ANY], out, seen);
      case 'record':
        return walk(def.valueType, [...path, ANY], out, seen);
      case 'tuple':
        (def.items as unknown[]).forEach((item, i) => walk(item, [...path, i], out, seen));
        if (def.rest) walk(def.rest, [...path, ANY], out, seen);
        return;
      case 'union':
        for (const o of def.options as unknown[]) walk(o, path, out, seen);
        return;
      case 'intersection':
        walk(def.left, path, out, seen);
        return walk(def.right, path, out, seen);
      case 'pipe':
        // The request's raw value is checked: the input side of the pipe.
        return walk(def.in, path, out, seen);
      case 'lazy':
        return walk((def.getter as () => unknown)(), path, out, seen);
      default:
        // optional, nullable, default, prefault, catch, readonly, nonoptional, …
        if (def.innerType) walk(def.innerType, path, out, seen);
    }
  } finally {
    seen.delete(schema);
  }
}

function dateIssueAt(value: unknown, p: Pattern, i: number, path: Array<string | number>): { path: Array<string | number>; code: 'too_small' | 'too_big'; message: string } | undefined {
  if (i === p.length) {
    const issue = typeof value === 'string' ? dateRangeIssue(value) : undefined;
    return issue ? { path, ...issue } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const key = p[i]!;
  if (key !== ANY) return dateIssueAt((value as Record<string | number, unknown>)[key], p, i + 1, [...path, key]);
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, j) => [j, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const hit = dateIssueAt(v, p, i + 1, [...path, k]);
    if (hit) return hit;
  }
  return undefined;
}

function dateError(path: Array<string | number>, code: 'too_small' | 'too_big', message: string): z.ZodError {
  return issueError(path, code, message);
}

function issueError(path: Array<string | number>, code: 'custom' | 'too_small' | 'too_big', message: string): z.ZodError {
  // A schema that refuses with exactly this issue: the error then has zod's own shape.
  const refusal = z.any().superRefine((_v, ctx) => {
    if (code === 'custom') ctx.addIssue({ code, message, path });
    else if (code === 'too_small') ctx.addIssue({ code, origin: 'date', minimum: 0, inclusive: true, message, path });
    else ctx.addIssue({ code, origin: 'date', maximum: 0, inclusive: true, message, path });
  });
  return refusal.safeParse(null).error!;
}
