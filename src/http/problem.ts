/**
 * Every error leaves the server as an RFC 9457 `application/problem+json` document with a
 * stable `code` and, where input was at fault, the `path` of the offending field and every
 * problem found in `errors[]`. A 500 says only "internal error" and the request id: stack
 * traces and driver messages (which may quote stored values) stay in the server's log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z, ZodError } from 'zod';
import { CgError, formatPath, type ErrorDetail } from '../core/errors.ts';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable machine-readable error code, e.g. VALIDATION_FAILED'),
    detail: z.string(),
    path: z.string().optional().describe('The first offending field'),
    errors: z
      .array(
        z.object({
          code: z.string(),
          message: z.string(),
          path: z.string().optional(),
          line: z.number().int().optional(),
          column: z.number().int().optional(),
        }),
      )
      .optional(),
    instance: z.string().optional().describe('The request id'),
  })
  .loose()
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  details: readonly ErrorDetail[] = [],
  extra: Record<string, unknown> = {},
): Problem {
  const path = details.find((d) => d.path !== undefined)?.path;
  const core = {
    type: `urn:consentgate:problem:${code}`,
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    code,
    detail,
    ...(path !== undefined ? { path } : {}),
    ...(details.length > 0 ? { errors: details.map((d) => ({ ...d })) } : {}),
  };
  // Extension members (RFC 9457 §3.2) follow the standard ones and never replace them.
  return { ...core, ...extra, ...core };
}

type Part = 'body' | 'querystring' | 'params' | 'headers';

/** Zod issues as problem details; `prefix` names the request part except for the body. */
export function zodDetails(error: ZodError, prefix: string): ErrorDetail[] {
  return error.issues.slice(0, 100).map((issue) => {
    const segs = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const path = formatPath(prefix ? [prefix, ...segs] : segs);
    return { code: issue.code.toUpperCase(), message: issue.message, path };
  });
}

/** Maps anything thrown while serving a request to a problem document. */
export function toProblem(err: unknown): Problem {
  if (err instanceof CgError) return problem(err.status, err.code, err.message, err.details, err.extra);
  const fe = err as Partial<FastifyError> & { validationContext?: Part };
  if (fe.code === 'FST_ERR_VALIDATION' || fe.validationContext) {
    const part = fe.validationContext ?? 'body';
    const prefix = part === 'body' ? '' : part === 'querystring' ? 'query' : part;
    const details =
      err instanceof ZodError
        ? zodDetails(err, prefix)
        : [{ code: 'INVALID', message: fe.message ?? 'invalid', ...(prefix ? { path: prefix } : {}) }];
    const first = details[0]!;
    const status = part === 'body' ? 422 : 400;
    return problem(status, 'VALIDATION_FAILED', `${first.path || '(body)'}: ${first.message}`, details);
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'BODY_TOO_LARGE', 'request body exceeds the size limit for this endpoint');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported Content-Type for this endpoint');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return malformedJson('request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return malformedJson('Content-Type is application/json but the body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'BAD_CONTENT_LENGTH', 'Content-Length does not match the body');
    case 'FST_ERR_NOT_FOUND':
      return problem(404, 'NOT_FOUND', 'no such route');
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (err instanceof SyntaxError && status === 400) return malformedJson('request body is not valid JSON');
  if (status >= 400 && status < 500) return problem(status, 'BAD_REQUEST', 'the request could not be processed');
  return problem(500, 'INTERNAL', 'internal error');
}

/** A body that does not parse is wrong as a whole: its path is the body itself (""). */
const malformedJson = (detail: string) => problem(400, 'MALFORMED_JSON', detail, [{ code: 'MALFORMED_JSON', message: detail, path: '' }]);

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  const body = { ...p, instance: request.id };
  return reply.code(p.status).type(PROBLEM_MEDIA_TYPE).send(body);
}

/** Installs the error and not-found handlers on the root instance. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const p = toProblem(err);
    if (p.status >= 500) {
      // Name and stack frames only: driver messages can quote the values that failed.
      const e = err as Error & { code?: unknown };
      request.log.error({ err: { name: e?.name, code: e?.code, stack: stackFrames(e) }, keyId: request.principal?.keyId }, 'request failed');
    }
    return sendProblem(request, reply, p);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, problem(404, 'NOT_FOUND', `no route for ${request.method} ${pathOnly(request.url)}`)),
  );
}

function stackFrames(e: Error | undefined): string | undefined {
  return e?.stack?.split('\n').filter((l) => l.trimStart().startsWith('at ')).slice(0, 15).join('\n');
}

/** The path without the query string (which may carry personal data) and capped in length. */
export const pathOnly = (url: string) => (url.split('?')[0] ?? '').slice(0, 200);
