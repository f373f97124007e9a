import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { refusalGrounds, VERIFY_METHODS } from '../../core/rights/grounds.ts';
import { isOpen, type RightsRequest } from '../../core/rights/request.ts';
import { RightsRepo } from '../../store/rights-repo.ts';
import { rightsActionBody, toRightsAction } from '../rights-action-body.ts';
import { defineRoute, mount } from '../route.ts';
import type { SessionStore } from '../session.ts';
import { consoleAuth, sessionWithScopes } from '../console-scopes.ts';
import { deletionJson, requestJson, requestSchema } from './rights.ts';

/**
 * The console's work on data-subject requests (session): a queue in deadline order, one
 * request with everything that happened because of it — the notices the subject got, the
 * deletion requests sent to sellers and their confirmations, the webhook deliveries — and the
 * actions. Reading needs `subjects:read`; acting needs `rights:write` (the support role has just
 * these two). What the law requires of each action is enforced by the core, as on /v1; the actor
 * recorded is the session's key id (`account:<id>` for a person's account).
 */
const requestId = z.object({ rid: z.string().regex(/^rr_[A-Za-z0-9_-]{1,64}$/) });
const tags = ['console'];

/** Whether GDPR 12(3)'s one extension is still possible (the core decides; this only offers the button). */
function extensionAvailable(r: RightsRequest, now: number): boolean {
  return isOpen(r) && r.jurisdiction === 'EU' && !r.deadline.extended && now < r.deadline.dueBefore;
}

export function consoleRightsApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  const repo = new RightsRepo(ctx.db);

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/rights/queue',
    operationId: 'listConsoleRightsQueue',
    summary: 'Console: rights requests in statutory-deadline order — open ones first, nearest deadline first, then the recently closed (session)',
    tags,
    auth: consoleAuth(['subjects:read']),
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request, query }) => {
      await sessionWithScopes(sessions, request);
      const now = Date.now();
      const [open, closed] = await Promise.all([repo.openByDeadline(query.limit), repo.requests({ limit: query.limit })]);
      const recentClosed = closed.filter((r) => !isOpen(r)).slice(0, Math.max(0, query.limit - open.length));
      return {
        requests: [...open, ...recentClosed].map((r) => ({
          id: r.id,
          type: r.type,
          jurisdiction: r.jurisdiction,
          subject: r.subject,
          state: r.state,
          article: r.article,
          received_at: new Date(r.receivedAt).toISOString(),
          due_date: r.deadline.dueDate,
          days_left: Math.ceil((r.deadline.dueBefore - now) / 86_400_000),
          overdue: isOpen(r) && now >= r.deadline.dueBefore,
          extended: r.deadline.extended,
        })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/rights/:rid',
    operationId: 'getConsoleRightsRequest',
    summary: 'Console: one rights request with its history, the notices sent to the subject, seller deletion requests and confirmations, webhook deliveries, and what may be done next (session)',
    tags,
    auth: consoleAuth(['subjects:read']),
    params: requestId,
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request, params }) => {
      await sessionWithScopes(sessions, request);
      const now = Date.now();
      const r = await ctx.rights.get(params.rid);
      const [deletions, notices] = await Promise.all([ctx.rights.deletions({ subject: r.subject, limit: 1000 }), ctx.rights.noticesOfRequest(r.id)]);
      const mine = deletions.filter((d) => d.rightsRequest === r.id);
      const deliveries = new Map(
        (await ctx.outbox.status([...mine.flatMap((d) => (d.outboxId ? [d.outboxId] : [])), ...notices.flatMap((n) => (n.outboxId ? [n.outboxId] : []))])).map((m) => [m.id, m]),
      );
      const delivery = (id: string | null) => (id ? (deliveries.get(id) ?? null) : null);
      return {
        request: requestJson(r, now),
        extension_available: extensionAvailable(r, now),
        refusal_grounds: refusalGrounds(r.jurisdiction, r.type),
        verify_methods: [...VERIFY_METHODS],
        notices: notices.map((n) => ({ id: n.id, action: n.action, lang: n.lang, title: n.title, text: n.body, at: new Date(n.createdAt).toISOString(), delivery: delivery(n.outboxId) })),
        deletions: mine.map((d) => ({ ...deletionJson(d), delivery: delivery(d.outboxId) })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/rights/:rid/actions',
    operationId: 'actOnConsoleRightsRequest',
    summary: 'Console: verify (identity evidence), start, extend (reason; GDPR 12(3) only), complete or reject (reason and provision) a rights request (session + x-csrf-token)',
    description:
      'The same body and rules as POST /v1/rights/{rid}/actions: 409 RIGHTS_INVALID_TRANSITION, 400 RIGHTS_EVIDENCE_REQUIRED / RIGHTS_GROUND_REQUIRED / RIGHTS_REASON_REQUIRED, ' +
      '409 RIGHTS_EXTENSION_NOT_AVAILABLE / RIGHTS_ALREADY_EXTENDED / RIGHTS_EXTENSION_TOO_LATE. The subject is told of each step.',
    tags,
    auth: consoleAuth(['rights:write']),
    params: requestId,
    body: rightsActionBody,
    bodyLimit: 16 * 1024,
    response: { 200: requestSchema },
    handler: async ({ request, params, body }) => {
      const session = await sessionWithScopes(sessions, request);
      return requestJson(await ctx.rights.act(params.rid, toRightsAction(body), session.principal.keyId), Date.now());
    },
  }));
}
