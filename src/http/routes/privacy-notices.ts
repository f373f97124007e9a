import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { defineRoute, mount } from '../route.ts';
import type { SessionStore } from '../session.ts';

/**
 * Privacy centre: what the operator told the signed-in customer about their rights requests —
 * received, identity confirmed, in progress, extended (why), done, or refused (why, on which
 * provision, where to complain) — newest first, in the language of their jurisdiction.
 */
export function privacyNoticesApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  mount(app, defineRoute({
    method: 'GET',
    url: '/privacy/api/notices',
    operationId: 'listMyRightsNotices',
    summary: 'Privacy centre: the notices about my rights requests, newest first (session)',
    tags: ['privacy-centre'],
    auth: { kind: 'session', session: 'privacy' },
    response: {
      200: z.object({
        notices: z.array(z.object({ id: z.string(), request: z.string(), action: z.string(), lang: z.string(), title: z.string(), text: z.string(), at: z.string() })),
      }),
    },
    handler: async ({ request }) => {
      const subject = (await sessions.require(request)).principal.id;
      const list = await ctx.rights.noticesOf(subject, 100);
      return { notices: list.map((n) => ({ id: n.id, request: n.requestId, action: n.action, lang: n.lang, title: n.title, text: n.body, at: new Date(n.createdAt).toISOString() })) };
    },
  }));
}
