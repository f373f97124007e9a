import fc from 'fast-check';

/**
 * fast-check arbitraries for the JSON Schemas of /openapi.json (what the route schemas say),
 * so a property test can reach every route with bodies its schema accepts — without a
 * hand-written body per route. `context` supplies values for properties whose valid values
 * are not in the schema (a real notice hash, a subject that exists): by property name.
 * Refinements the schema cannot express (cross-field rules) are not known here; a body may then
 * still be refused by the route, which a test must allow for.
 */
export type JsonSchema = Record<string, unknown>;
export type Context = Readonly<Record<string, fc.Arbitrary<unknown>>>;

export interface Components {
  readonly schemas?: Record<string, JsonSchema>;
}

export function resolve(schema: JsonSchema, components: Components): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) return resolve(components.schemas?.[ref.slice(21)] ?? {}, components);
  return schema;
}

export function arbitraryFor(raw: JsonSchema, components: Components, context: Context = {}, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(raw, components);
  if (depth > 8) return fc.constant(null);
  const next = (x: unknown) => arbitraryFor(x as JsonSchema, components, context, depth + 1);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (union) return fc.oneof(...union.map(next));
  if (Array.isArray(s.allOf)) return next(s.allOf[0]);
  switch (s.type) {
    case 'object':
      return objectArbitrary(s, components, context, depth);
    case 'array': {
      const min = (s.minItems as number | undefined) ?? 0;
      const max = Math.min((s.maxItems as number | undefined) ?? min + 3, min + 3);
      return fc.array(next(s.items ?? {}), { minLength: min, maxLength: max });
    }
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return fc.integer({ min: Math.max((s.minimum as number | undefined) ?? 0, -1e6), max: Math.min((s.maximum as number | undefined) ?? 1000, 1e6) });
    case 'number':
      return fc.double({ min: (s.minimum as number | undefined) ?? 0, max: (s.maximum as number | undefined) ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.constant('x');
  }
}

function objectArbitrary(s: JsonSchema, components: Components, context: Context, depth: number): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of Object.entries(props)) model[k] = context[k] ?? arbitraryFor(v, components, context, depth + 1);
  const fixed = fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
  const extra = s.additionalProperties;
  if (extra && typeof extra === 'object' && Object.keys(props).length === 0) {
    const names = s.propertyNames ? stringArbitrary(resolve(s.propertyNames as JsonSchema, components)) : fc.string({ minLength: 1, maxLength: 12 });
    return fc.dictionary(names as fc.Arbitrary<string>, arbitraryFor(extra as JsonSchema, components, context, depth + 1), { minKeys: 1, maxKeys: 3 });
  }
  return fixed;
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? Math.max(min, 24);
  const fits = (x: string) => x.length >= min && x.length <= max;
  if (s.format === 'date' || s['x-consentgate-date'] === 'date') return validDay;
  if (s['x-consentgate-date'] === 'date-or-date-time') return fc.oneof(validInstant, validDay);
  if (s.format === 'date-time' || s['x-consentgate-date']) return validInstant;
  if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  return fc.string({ minLength: min, maxLength: Math.min(max, min + 24) });
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** A calendar day a person or a key could have: 1950-01-01 .. 2120-12-28. */
export const validDay = fc.tuple(fc.integer({ min: 1950, max: 2120 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${y}-${pad(m)}-${pad(d)}`);
export const validInstant = fc.tuple(validDay, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([d, h, m]) => `${d}T${pad(h)}:${pad(m)}:00Z`);

/** Every path to a leaf string (and record key) of a generated value, for injecting bad text. */
export function stringPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

/** Sets `path` in a JSON value (a copy), creating objects on the way. */
export function setAt(value: unknown, path: ReadonlyArray<string | number>, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  const base = (value && typeof value === 'object' ? structuredClone(value) : typeof head === 'number' ? [] : {}) as Record<string | number, unknown>;
  base[head!] = setAt(base[head!], rest, leaf);
  return base;
}

/** `a.b[0].c`, as the server formats field paths. */
export const formatPath = (path: ReadonlyArray<string | number>) =>
  path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out === '' ? seg : `${out}.${seg}`), '');

/** Paths of the date fields a schema declares (format date / date-time, or the date helpers' marker); array items as index 0. */
export function dateFields(raw: JsonSchema, components: Components, path: Array<string | number> = [], depth = 0): Array<Array<string | number>> {
  const s = resolve(raw, components);
  if (depth > 8) return [];
  if (s.type === 'string' && (s.format === 'date' || s.format === 'date-time' || s['x-consentgate-date'])) return [path];
  const out: Array<Array<string | number>> = [];
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) for (const o of (s[k] ?? []) as JsonSchema[]) out.push(...dateFields(o, components, path, depth + 1));
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) out.push(...dateFields(v, components, [...path, k], depth + 1));
  if (s.items) out.push(...dateFields(s.items as JsonSchema, components, [...path, 0], depth + 1));
  // The same field reached through two union branches is one field.
  return [...new Map(out.map((p) => [JSON.stringify(p), p])).values()];
}
