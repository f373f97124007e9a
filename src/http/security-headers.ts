import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './problem.ts';

/** Headers every answer carries (`/docs` excepted from the last three: Swagger UI sets its own CSP). */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
} as const;

/**
 * Security headers on every response — including the ones Fastify produces before any hook
 * runs (a URL that is not valid percent-encoded UTF-8). `/docs` (Swagger UI) sets its own CSP.
 * Answers Node gives before Fastify sees a request (bad framing, oversized headers, timeouts)
 * carry the same set: src/http/connection-guard.ts.
 */
export function applySecurityHeaders(url: string, reply: FastifyReply): void {
  reply.header('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
  reply.header('referrer-policy', SECURITY_HEADERS['referrer-policy']);
  reply.header('cross-origin-resource-policy', SECURITY_HEADERS['cross-origin-resource-policy']);
  if (!url.startsWith('/docs')) {
    reply.header('x-frame-options', SECURITY_HEADERS['x-frame-options']);
    reply.header('content-security-policy', SECURITY_HEADERS['content-security-policy']);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', SECURITY_HEADERS['cache-control']);
  }
}

/**
 * Fastify's `frameworkErrors`: errors raised before routing (bad URL encoding, failed
 * constraints) become problem documents with the usual headers instead of Fastify's own JSON.
 */
export function frameworkErrors(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  applySecurityHeaders(request.url ?? '', reply);
  reply.header('x-request-id', request.id);
  const p = error.code === 'FST_ERR_BAD_URL'
    ? problem(400, 'BAD_URL', 'the URL is not valid percent-encoded UTF-8')
    : problem(400, 'BAD_REQUEST', 'the request could not be routed');
  void sendProblem(request, reply, p);
}
