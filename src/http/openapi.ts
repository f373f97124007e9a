import { z } from 'zod';

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
  const rewrite = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  if (defs) for (const [k, v] of Object.entries(defs)) components[k] = rewrite(v);
  return rewrite(js);
}

/** The @fastify/swagger `transform` hook: converts a route's zod schemas in place. */
export function transformRouteSchema(
  { schema, url }: { schema: Json | undefined; url: string },
  components: Json,
): { schema: Json; url: string } {
  if (!schema) return { schema: {}, url };
  const out: Json = { ...schema };
  for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
    if (schema[part] !== undefined) out[part] = toOpenApiSchema(schema[part], 'input', components);
  }
  if (schema.response) {
    const res: Json = {};
    for (const [status, s] of Object.entries(schema.response as Json)) res[status] = toOpenApiSchema(s, 'output', components);
    out.response = res;
  }
  return { schema: out, url };
}
