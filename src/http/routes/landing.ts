import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { pageCsp, WEB_ROOT } from '../web-assets.ts';
import type { RoutePlugin } from './index.ts';

/**
 * `GET /`: the first URL a new user opens. A small static page (web/index.html) linking the
 * console, the privacy centre, the demo checkout when the demo is on, and the API docs — with
 * the same headers and per-page Content-Security-Policy as every other page.
 */
const DEMO_BLOCK = /[ \t]*<!-- demo -->[\s\S]*?<!-- \/demo -->\n?/;

/** The page as served: the demo link is left out unless the demo marketplace is on. */
export function landingPage(html: string, demo: boolean): string {
  return demo ? html.replace(/[ \t]*<!-- \/?demo -->\n?/g, '') : html.replace(DEMO_BLOCK, '');
}

export const landingRoutes: RoutePlugin = (app, ctx) => {
  const body = Buffer.from(landingPage(readFileSync(join(WEB_ROOT, 'index.html'), 'utf8'), ctx.config.demo));
  const csp = pageCsp(body.toString('utf8'));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  app.route({
    method: 'GET',
    url: '/',
    schema: { hide: true },
    // After the app-wide onSend (which forbids everything): this page's own policy.
    onSend: (_request, reply: FastifyReply, payload, done) => {
      reply.header('content-security-policy', csp);
      reply.header('cache-control', 'no-cache');
      done(null, payload);
    },
    handler: async (request, reply) => {
      reply.header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type('text/html; charset=utf-8').send(body);
    },
  });
};
