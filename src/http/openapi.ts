import { z } from 'zod';
import type { AuthSpec } from './principal.ts';
import { securityFor } from './openapi-security.ts';

/**
 * zod 4 → OpenAPI 3.1 (JSON Schema 2020-12). Named schemas (`.meta({ id: 'Problem' })`) land in
 * `components.schemas` and are referenced, so the document stays small and readable.
 */
type Json = Record<string, unknown>;

export function toOpenApiSchema(schema: unknown, io: 'input' | 'output', components: Json): unknown {
  if (!(schema instanceof z.ZodType)) return schema;
  const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete js.$schema;
  const defs = js.$defs as Json | undefined;
  delete js.$defs;
  // The date helpers bound dates with `formatMinimum`/`formatMaximum` (ajv-formats' keywords), which
  // are no OpenAPI 3.1 schema keywords (redocly's `struct` rule): kept as `x-` extensions.
  const rewrite = (v: unknown) =>
    JSON.parse(
      JSON.stringify(v)
        .replaceAll('"#/$defs/', '"#/components/schemas/')
        .replaceAll('"formatMinimum":', '"x-formatMinimum":')
        .replaceAll('"formatMaximum":', '"x-formatMaximum":'),
    ) as Json;
  if (defs) for (const [k, v] of Object.entries(defs)) components[k] = rewrite(v);
  return rewrite(js);
}

export interface DocumentOptions {
  /** Recipients may be asked for a client certificate (the server requests them). */
  readonly mutualTls: boolean;
}

/**
 * The @fastify/swagger `transform` hook: converts a route's zod schemas (request parts, and each
 * media type of each response) and adds its `security` from `config.auth`.
 */
export function transformRouteSchema(
  { schema, url, route }: { schema: Json | undefined; url: string; route?: { method: string | string[]; config?: { auth?: AuthSpec } } },
  components: Json,
  doc: DocumentOptions = { mutualTls: false },
): { schema: Json; url: string } {
  if (!schema) return { schema: {}, url };
  const out: Json = { ...schema };
  if (route && !schema.hide) {
    const method = Array.isArray(route.method) ? route.method[0]! : route.method;
    out.security = securityFor(route.config?.auth, method, doc);
  }
  for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
    if (schema[part] !== undefined) out[part] = toOpenApiSchema(schema[part], 'input', components);
  }
  if (schema.response) {
    const res: Json = {};
    for (const [status, s] of Object.entries(schema.response as Json)) res[status] = responseSchema(s, components);
    out.response = res;
  }
  return { schema: out, url };
}

/** `{ description, content: { <media type>: { schema } } }` (route.ts) with each schema converted. */
function responseSchema(s: unknown, components: Json): unknown {
  const content = (s as { content?: Record<string, { schema: unknown }> } | undefined)?.content;
  if (s instanceof z.ZodType || !content) return toOpenApiSchema(s, 'output', components);
  const converted = Object.fromEntries(Object.entries(content).map(([type, media]) => [type, { ...media, schema: toOpenApiSchema(media.schema, 'output', components) }]));
  return { ...(s as Json), content: converted };
}
