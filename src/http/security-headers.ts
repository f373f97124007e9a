import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './problem.ts';

/**
 * Security headers on every response — including the ones Fastify produces before any hook
 * runs (a URL that is not valid percent-encoded UTF-8). `/docs` (Swagger UI) sets its own CSP.
 */
export function applySecurityHeaders(url: string, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-resource-policy', 'same-origin');
  if (!url.startsWith('/docs')) {
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
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
