/**
 * Typed routes. Every HTTP endpoint is declared with `defineRoute` and added with `mount`:
 * the zod schemas validate the request (params, query, body, headers), document it in the
 * OpenAPI 3.1 document at `/openapi.json`, and type the handler's input.
 *
 * ```ts
 * import { z } from 'zod';
 * import { defineRoute, mount } from '../route.ts';
 * import type { RoutePlugin } from './index.ts';
 *
 * export const widgetRoutes: RoutePlugin = (app, ctx) => {
 *   mount(app, defineRoute({
 *     method: 'POST',
 *     url: '/v1/widgets/:id',
 *     operationId: 'renameWidget',                           // the SDK method name: verb + noun, camelCase
 *     summary: 'Rename a widget',
 *     tags: ['widgets'],
 *     auth: { kind: 'admin', scopes: ['widgets:write'] },   // or 'recipient' | 'subject' | 'public', or an array of kinds
 *     params: z.object({ id: z.string().max(64) }),
 *     query: z.object({ dry: z.coerce.boolean().default(false) }), // query strings are text: use z.coerce
 *     body: z.object({ name: z.string().min(1).max(200) }),
 *     response: { 200: z.object({ id: z.string(), name: z.string() }) },
 *     handler: async ({ params, body, principal }) => ctx.widgets.rename(params.id, body.name, principal.keyId),
 *   }));
 * };
 * ```
 *
 * Rules of the road:
 * - Every route has an `operationId` (unique, lower camelCase, read as an SDK method:
 *   `listMembers`, `getMember`, `createRelease`, `activateRegistryVersion`). Its security in the
 *   OpenAPI document follows from `auth` (openapi-security.ts); its error responses are
 *   `application/problem+json`. A body that is not JSON is declared with `content()`:
 *   `response: { 200: content({ 'text/plain': z.string(), 'application/json': schema }) }`.
 *   test/http/openapi-contract.test.ts lints the document and samples every operation live.
 * - The handler returns the body; the status is the lowest 2xx declared in `response` unless the
 *   handler calls `reply.code(n)`. If the handler sends the reply itself (`reply.send`), return the reply.
 *   A hot route whose service answers through a callback gives `respond: (input, send) => …` instead
 *   (`send(null, body)` or `send(error)`, once, never in respond's own turn): the same answers,
 *   without a promise per request (POST /v1/releases: ReleaseService.releaseTo).
 * - Throw `CgError` for every refusal: it becomes an RFC 9457 problem (see problem.ts).
 * - Invalid input → `VALIDATION_FAILED` problem with `path` of the first bad field and all `errors[]`:
 *   422 for a body, 400 for params, query and headers.
 * - Header schemas use lower-case names; unknown headers are kept, only the declared ones are parsed.
 * - Responses are NOT validated at run time (hot path); the schema documents them.
 * - `bodyLimit` overrides the default body size limit (256 KiB) per route; `consumes` lists extra
 *   body media types (`text/yaml`, `text/plain` arrive as a strictly UTF-8-decoded string).
 * - `rateLimit` overrides the per-key limit for the route (or `false` to exempt it).
 * - Every route's input also passes the input guard (input-guard.ts) with nothing to declare: a
 *   string with U+0000 or a lone surrogate is refused with its path, and every date the schema
 *   declares is bounded to 1900-01-01 .. 9999-12-31. Declare dates with `isoDate()`,
 *   `isoDateTime()` or `dayOrInstant()` (src/core/time/date-range.ts), never as a plain string.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { CgError } from '../core/errors.ts';
import type { AuthSpec, Principal } from './principal.ts';
import { PROBLEM_MEDIA_TYPE, problemSchema } from './problem.ts';

export type { AuthSpec, Principal } from './principal.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type AnySchema = z.ZodType;
type Out<S> = S extends AnySchema ? z.output<S> : undefined;

/** A response served in other media types than JSON (or in several): `content({ 'text/csv': z.string() })`. */
export class Media<M extends Record<string, AnySchema> = Record<string, AnySchema>> {
  constructor(
    readonly types: M,
    readonly description?: string,
  ) {}
}
export const content = <M extends Record<string, AnySchema>>(types: M, description?: string): Media<M> => new Media(types, description);

type ResponseMap = { [status: number]: AnySchema | Media };
type BodyOf<S> = S extends AnySchema ? DeepReadonly<z.input<S>> : S extends Media<infer M> ? DeepReadonly<z.input<M[keyof M]>> : never;
/** Services usually return readonly data; the serialiser does not care, so accept it. */
type DeepReadonly<T> = T extends ReadonlyArray<infer E>
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends Date | Uint8Array
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
type SuccessBody<R extends ResponseMap> = {
  [K in keyof R]: K extends 200 | 201 | 202 | 203 | 204 | 206 ? BodyOf<R[K]> : never;
}[keyof R];

export interface HandlerInput<P, Q, B, H, A extends AuthSpec> {
  readonly params: Out<P>;
  readonly query: Out<Q>;
  readonly body: Out<B>;
  readonly headers: Out<H>;
  /** The authenticated caller; null only on public routes without a key. */
  readonly principal: A['kind'] extends 'public' | 'session' ? Principal | null : Principal;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface RouteSpec<
  P extends AnySchema | undefined,
  Q extends AnySchema | undefined,
  B extends AnySchema | undefined,
  H extends AnySchema | undefined,
  R extends ResponseMap,
  A extends AuthSpec,
> {
  readonly method: Method;
  readonly url: string;
  /** Unique lower-camelCase name of the operation, as an SDK method: `createRelease`, `listMembers`. */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly auth: A;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly headers?: H;
  readonly response: R;
  readonly consumes?: readonly string[];
  readonly bodyLimit?: number;
  readonly rateLimit?: { max: number; timeWindow: number | string } | false;
  /** Kept out of the OpenAPI document (health probes, docs). */
  readonly hide?: boolean;
  /** The body (or `reply`, when the handler sent it), or its promise. Exactly one of `handler` and `respond`. */
  readonly handler?: (input: HandlerInput<P, Q, B, H, A>) => Promise<SuccessBody<R> | FastifyReply> | SuccessBody<R> | FastifyReply;
  /**
   * Instead of `handler`, for a hot route whose service answers through a callback: call
   * `send(null, body)` or `send(error)` once, never in the same turn as `respond` itself. The
   * route then makes no promise per request (Fastify's `then` on a handler's promise and the
   * handler's own); what the client gets is what `handler` returning that body or throwing that
   * error would give.
   */
  readonly respond?: (input: HandlerInput<P, Q, B, H, A>, send: Send<SuccessBody<R>>) => void;
  /**
   * The success body's JSON, when a hot route writes it its own way: exactly `JSON.stringify`'s
   * text, or its UTF-8 bytes (test it against that). Other statuses stay JSON.stringify's.
   */
  readonly serialize?: (body: SuccessBody<R>) => string | Buffer;
}

/** How a `respond` route answers: `(null, body)` or `(error)`. */
export type Send<T> = (error: unknown, body?: T) => void;

/** Identity at run time; exists so TypeScript infers the handler's input from the schemas. */
export function defineRoute<
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
  H extends AnySchema | undefined = undefined,
  R extends ResponseMap = ResponseMap,
  A extends AuthSpec = AuthSpec,
>(spec: RouteSpec<P, Q, B, H, R, A>): RouteSpec<P, Q, B, H, R, A> {
  return spec;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRoute = RouteSpec<any, any, any, any, any, any>;

/** Adds a route to the server: validation, authorization, documentation and the handler. */
export function mount(app: FastifyInstance, spec: AnyRoute): void {
  const statuses = Object.keys(spec.response).map(Number);
  const success = statuses.filter((s) => s >= 200 && s < 300).sort((a, b) => a - b)[0] ?? 200;
  const auth: AuthSpec = spec.auth;
  checkOperationId(spec);
  const opts: RouteShorthandOptions = {
    schema: {
      ...(spec.operationId ? { operationId: spec.operationId } : {}),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.tags ? { tags: [...spec.tags] } : {}),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { querystring: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.consumes ? { consumes: ['application/json', ...spec.consumes] } : {}),
      ...(spec.hide ? { hide: true } : {}),
      // Security is added to the document from `config.auth` (openapi-security.ts).
      response: responseSchemas(spec.response),
    },
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    ...(spec.body
      ? {
          // JSON always; other media types only where the route says so (not just any parser's).
          preValidation: (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
            const header = request.headers['content-type'];
            // The usual case, without taking the header apart.
            if (header === undefined || header === 'application/json') return done();
            const type = header.split(';')[0]!.trim().toLowerCase();
            if (type && type !== 'application/json' && !(spec.consumes ?? []).includes(type)) {
              return done(new CgError('UNSUPPORTED_MEDIA_TYPE', `this endpoint accepts application/json${spec.consumes ? ', ' + spec.consumes.join(', ') : ''}`, 415));
            }
            done();
          },
        }
      : {}),
    ...(spec.serialize
      ? {
          serializerCompiler: ({ httpStatus }: { httpStatus?: string }) =>
            // Fastify sends a Buffer as it is, its content-type (set for the object) kept.
            httpStatus === String(success) ? (spec.serialize as (data: unknown) => string) : (data: unknown) => JSON.stringify(data),
        }
      : {}),
    config: {
      auth,
      ...(spec.rateLimit !== undefined ? { rateLimit: spec.rateLimit } : {}),
    },
  };
  const input = (request: FastifyRequest, reply: FastifyReply): Parameters<NonNullable<AnyRoute['handler']>>[0] => ({
    params: request.params,
    query: request.query,
    body: request.body,
    headers: request.headers,
    principal: request.principal,
    request,
    reply,
  });
  const { handler, respond } = spec;
  if ((handler === undefined) === (respond === undefined)) throw new Error(`route ${spec.method} ${spec.url}: give exactly one of handler and respond`);
  app.route({
    method: spec.method,
    url: spec.url,
    ...opts,
    handler:
      respond !== undefined
        ? (request, reply) => {
            reply.code(success);
            // Fastify lets a handler that returns nothing send later; an error goes through the
            // error handler as a rejected handler's would (a non-Error thrown is wrapped, as
            // Fastify marks a rejection's value as an error whatever it is).
            respond(input(request, reply), (error, body) => {
              if (error === null) reply.send(body);
              else reply.send(error instanceof Error ? error : new Error(String(error)));
            });
          }
        : success === 204
        ? async (request, reply) => {
            reply.code(success);
            const result = await handler!(input(request, reply));
            if (result === reply) return reply;
            if (reply.statusCode === 204) return reply.send();
            return result;
          }
        : // The handler's promise (of the body, or of `reply` when it sent it) goes to Fastify as it
          // is: what an async wrapper awaiting it would return, without its promise and turn per request.
          (request, reply) => {
            reply.code(success);
            try {
              const result = handler!(input(request, reply));
              return isThenable(result) ? result : Promise.resolve(result);
            } catch (e) {
              return Promise.reject(e);
            }
          },
  });
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';

/** Reason phrases for the document's response descriptions. */
const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content' };
const PROBLEM_DESCRIPTION = 'RFC 9457 problem document with a stable `code` (and the `path` of the bad field)';

/**
 * Fastify's (and @fastify/swagger's) per-media-type response form: JSON unless the route says
 * otherwise with `content()`, problem+json for every error, nothing for a 204.
 */
function responseSchemas(response: ResponseMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response)) {
    const code = Number(status);
    const description = (schema instanceof Media ? schema.description : undefined) ?? REASONS[code] ?? `HTTP ${code}`;
    if (code === 204) out[status] = { type: 'null', description };
    else if (schema instanceof Media) out[status] = { description, content: Object.fromEntries(Object.entries(schema.types).map(([t, s]) => [t, { schema: s }])) };
    else out[status] = { description, content: { 'application/json': { schema } } };
  }
  const problems = { content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } } };
  out['4xx'] = { description: `Client error: ${PROBLEM_DESCRIPTION}`, ...problems };
  out['5xx'] = { description: `Server error: ${PROBLEM_DESCRIPTION}`, ...problems };
  return out;
}

/** `listMembers`, `activateRegistryVersion`: what an SDK generator turns into a method name. */
export const OPERATION_ID_RE = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$/;
const missingOperationIds = new Set<string>();

/**
 * The type demands an operationId; a route from a branch that did not type-check still starts
 * (it is documentation), is listed here, and fails test/http/openapi-contract.test.ts.
 */
function checkOperationId(spec: { method: string; url: string; operationId?: string; hide?: boolean }): void {
  if (spec.hide) return;
  if (typeof spec.operationId !== 'string' || !OPERATION_ID_RE.test(spec.operationId)) missingOperationIds.add(`${spec.method} ${spec.url}`);
}

/** Mounted routes (in this process) without a well-formed operationId. */
export const routesWithoutOperationId = (): readonly string[] => [...missingOperationIds];
