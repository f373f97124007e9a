import { z } from 'zod';
import { CgError } from '../../core/errors.ts';
import { renderNoticeHtml } from '../../core/notice/html.ts';
import { localize, type Lang } from '../../core/notice/localize.ts';
import type { NoticeVersion } from '../../core/notice/types.ts';
import { content, defineRoute, mount } from '../route.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoutePlugin } from './index.ts';

/**
 * Notices, public: what a subject is told before deciding. JSON (one language, or both when no
 * `lang` is asked on the by-hash route) or accessible HTML (`format=html` or `Accept: text/html`).
 * The `hash` is always that of the bilingual notice — the version a consent refers to.
 */
const noticeResponse = z
  .object({
    hash: z.string().describe('SHA-256 of the JCS form of the bilingual notice: send it back as `noticeHash`'),
    collection_point: z.string(),
    lang: z.enum(['ko', 'en', 'both']),
    notice: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Notice' });

const query = z.object({
  lang: z.enum(['ko', 'en']).optional(),
  format: z.enum(['json', 'html']).optional(),
});
const currentQuery = query.extend({
  /** A member of a recipient class (the seller of the order): the notice then names it (PIPA 17(2)1). */
  recipient: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/).optional(),
});

function wantsHtml(request: FastifyRequest, format: 'json' | 'html' | undefined): boolean {
  if (format) return format === 'html';
  const accept = request.headers.accept ?? '';
  return /\btext\/html\b/.test(accept) && !/\bapplication\/json\b/.test(accept);
}

function send(v: NoticeVersion, q: z.output<typeof query>, request: FastifyRequest, reply: FastifyReply, defaultLang: Lang | undefined) {
  const lang = q.lang ?? defaultLang;
  reply.header('etag', `"${v.hash}"`).header('cache-control', 'public, max-age=60').header('vary', 'accept');
  if (wantsHtml(request, q.format)) {
    return reply.type('text/html; charset=utf-8').send(renderNoticeHtml(v, lang ?? 'ko'));
  }
  return {
    hash: v.hash,
    collection_point: v.collectionPoint,
    lang: (lang ?? 'both') as Lang | 'both',
    notice: (lang ? localize(v.notice, lang) : v.notice) as unknown as Record<string, unknown>,
  };
}

export const noticeRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/notices/:collectionPoint',
    operationId: 'getNotice',
    summary: 'The current notice of a collection point (PIPA 15(2), 17(2), 28-8(2); GDPR 13), in Korean or English',
    description:
      'Required and optional matters are listed apart (PIPA 22). Each declaration lists its `choices`: the provision consent (`<id>`) and, for an overseas transfer on consent, ' +
      'the separate transfer consent (`<id>:transfer`, PIPA 28-8(1)1). With `recipient=<member id>` the declarations to that member\'s class name the member ' +
      '(legal name, country, contact; PIPA 17(2)1): a consent scoped to the member must cite the hash of this version.',
    tags: ['consent'],
    auth: { kind: 'public' },
    params: z.object({ collectionPoint: z.string().min(1).max(64) }),
    query: currentQuery,
    response: { 200: content({ 'application/json': noticeResponse, 'text/html': z.string().describe('the accessible HTML notice') }) },
    handler: async ({ params, query: q, request, reply }) => send(await ctx.consents.notice(params.collectionPoint, q.recipient), q, request, reply, 'ko'),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/notices/by-hash/:hash',
    operationId: 'getNoticeByHash',
    summary: 'A notice version by its hash (current or earlier); bilingual unless `lang` is given',
    tags: ['consent'],
    auth: { kind: 'public' },
    params: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest') }),
    query,
    response: { 200: content({ 'application/json': noticeResponse, 'text/html': z.string().describe('the accessible HTML notice') }) },
    handler: async ({ params, query: q, request, reply }) => {
      const v = await ctx.consents.noticeByHash(params.hash);
      if (!v) throw new CgError('UNKNOWN_NOTICE', 'no notice version with this hash', 404, [{ code: 'UNKNOWN_NOTICE', message: 'unknown hash', path: 'hash' }]);
      return send(v, q, request, reply, undefined);
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/notices',
    operationId: 'listNotices',
    summary: 'The collection points of the active registry and the hash of each current notice',
    tags: ['consent'],
    auth: { kind: 'public' },
    response: { 200: z.object({ notices: z.array(z.object({ collection_point: z.string(), hash: z.string() })) }) },
    handler: async () => {
      await ctx.consents.syncNotices();
      return { notices: ctx.consents.currentNotices().map((n) => ({ collection_point: n.collectionPoint, hash: n.hash })) };
    },
  }));
};
