import { z } from 'zod';
import { subjectIdSchema } from '../../app/subjects-service.ts';
import { CgError } from '../../core/errors.ts';
import { allowedActions, RIGHTS_STATES, RIGHTS_TYPES, type RightsRequest } from '../../core/rights/request.ts';
import type { DeletionRequest } from '../../store/rights-repo.ts';
import type { Principal } from '../principal.ts';
import { content, defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';
import { rightsActionBody, toRightsAction } from '../rights-action-body.ts';

/**
 * Data-subject rights over HTTP: who has my data, export, requests with deadlines, recipient
 * webhooks and deletion confirmations, and the outbox's dead letters. A subject key acts only on
 * its own id (403 for any other id, whether it exists or not); admin keys need `subjects:read`
 * / `subjects:write` (requests) or `recipients:read` / `recipients:write` (webhooks, deletions).
 */
const params = z.object({ id: subjectIdSchema });
const ruleId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/);
const requestId = z.object({ rid: z.string().regex(/^rr_[A-Za-z0-9_-]{1,64}$/) });
const deletionId = z.object({ id: z.string().regex(/^del_[0-9a-f]{32}$/) });
const limit = z.coerce.number().int().min(1).max(1000).default(100);

function assertSelf(p: Principal, id: string): void {
  if (p.kind === 'subject' && p.id !== id) {
    throw new CgError('FORBIDDEN_SUBJECT', 'a subject key may only act on its own subject', 403, [{ code: 'FORBIDDEN_SUBJECT', message: 'not your subject id', path: 'id' }]);
  }
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export const requestSchema = z
  .object({
    id: z.string(),
    type: z.enum(RIGHTS_TYPES),
    subject: z.string(),
    jurisdiction: z.enum(['KR', 'EU']),
    article: z.string(),
    scope: z.object({ purposes: z.array(z.string()), declarations: z.array(z.string()) }),
    state: z.enum(RIGHTS_STATES),
    received_at: z.string(),
    deadline: z.object({ article: z.string(), time_zone: z.string(), due_date: z.string(), due_before: z.string(), extended: z.boolean(), overdue: z.boolean() }),
    extension_reason: z.string().nullable(),
    rejection_reason: z.string().nullable(),
    rejection_article: z.string().nullable(),
    allowed_actions: z.array(z.string()),
    history: z.array(
      z.object({
        action: z.string(),
        from: z.string().nullable(),
        to: z.string(),
        at: z.string(),
        actor: z.string(),
        reason: z.string().optional(),
        article: z.string().optional(),
        evidence: z.object({ method: z.string(), reference: z.string() }).optional(),
      }),
    ),
  })
  .meta({ id: 'RightsRequest' });

export function requestJson(r: RightsRequest, now: number): z.input<typeof requestSchema> {
  const open = r.state !== 'completed' && r.state !== 'rejected';
  return {
    id: r.id,
    type: r.type,
    subject: r.subject,
    jurisdiction: r.jurisdiction,
    article: r.article,
    scope: { purposes: [...r.scope.purposes], declarations: [...r.scope.declarations] },
    state: r.state,
    received_at: iso(r.receivedAt)!,
    deadline: {
      article: r.deadline.article,
      time_zone: r.deadline.timeZone,
      due_date: r.deadline.dueDate,
      due_before: iso(r.deadline.dueBefore)!,
      extended: r.deadline.extended,
      overdue: open && now >= r.deadline.dueBefore,
    },
    extension_reason: r.extensionReason ?? null,
    rejection_reason: r.rejectionReason ?? null,
    rejection_article: r.rejectionArticle ?? null,
    allowed_actions: allowedActions(r.state),
    history: r.history.map((h) => ({
      action: h.action,
      from: h.from,
      to: h.to,
      at: iso(h.at)!,
      actor: h.actor,
      ...(h.reason ? { reason: h.reason } : {}),
      ...(h.article ? { article: h.article } : {}),
      ...(h.evidence ? { evidence: { ...h.evidence } } : {}),
    })),
  };
}

const deletionSchema = z
  .object({
    id: z.string(),
    recipient: z.string(),
    cause: z.string(),
    rights_request: z.string().nullable(),
    decisions: z.array(z.string()),
    declarations: z.array(z.string()),
    items: z.array(z.string()),
    state: z.enum(['requested', 'confirmed', 'escalated']),
    webhook: z.boolean(),
    requested_at: z.string(),
    escalate_at: z.string(),
    escalated_at: z.string().nullable(),
    confirmed_at: z.string().nullable(),
    ledger_index: z.number().int(),
  })
  .meta({ id: 'DeletionRequest' });

/** Recipients see their requests without the operator's subject id; the decision ids identify the data. */
export const deletionJson = (d: DeletionRequest): z.input<typeof deletionSchema> => ({
  id: d.id,
  recipient: d.recipientId,
  cause: d.cause,
  rights_request: d.rightsRequest,
  decisions: [...d.decisions],
  declarations: [...d.declarations],
  items: [...d.items],
  state: d.state,
  webhook: d.outboxId !== null,
  requested_at: iso(d.createdAt)!,
  escalate_at: iso(d.escalateAt)!,
  escalated_at: iso(d.escalatedAt),
  confirmed_at: iso(d.confirmedAt),
  ledger_index: d.leafIndex,
});

export const rightsRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/recipients',
    operationId: 'listSubjectRecipients',
    summary: 'Who has my data: every recipient that received items, when, why, on what basis, where, with the ledger leaf of each release',
    description: 'Each release carries `ledger_index`: its inclusion proof is at GET /v1/ledger/entries/{ledger_index}.',
    tags: ['rights'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params,
    response: { 200: z.object({ subject: z.string(), recipients: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async ({ params, principal }) => {
      assertSelf(principal, params.id);
      return { subject: params.id, recipients: (await ctx.rights.holdings(params.id)) as unknown as Record<string, unknown>[] };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/export',
    operationId: 'exportSubjectData',
    summary: 'Access and portability export (PIPA 35, 35-2; GDPR 15, 20): stored items, consents, releases and requests',
    description: '`format=json` (default) or `format=csv` (one table; cells that a spreadsheet would evaluate are prefixed with an apostrophe).',
    tags: ['rights'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params,
    query: z.object({ format: z.enum(['json', 'csv']).default('json') }),
    response: { 200: content({ 'application/json': z.record(z.string(), z.unknown()), 'text/csv': z.string() }) },
    handler: async ({ params, query, principal, reply }) => {
      assertSelf(principal, params.id);
      reply.header('cache-control', 'no-store');
      if (query.format === 'csv') {
        const csv = await ctx.rights.exportCsv(params.id, principal.keyId);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="export.csv"').send(csv);
      }
      return ctx.rights.exportJson(params.id, principal.keyId);
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/subjects/:id/rights',
    operationId: 'createRightsRequest',
    summary: 'File a data-subject request (access, portability, withdrawal, objection, suspension, erasure); the statutory deadline starts now',
    tags: ['rights'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:write'] },
    params,
    body: z.strictObject({
      type: z.enum(RIGHTS_TYPES),
      scope: z.strictObject({ purposes: z.array(ruleId).max(100).optional(), declarations: z.array(ruleId).max(100).optional() }).optional(),
    }),
    bodyLimit: 16 * 1024,
    response: { 201: requestSchema },
    handler: async ({ params, body, principal }) => {
      assertSelf(principal, params.id);
      const scope = { ...(body.scope?.purposes ? { purposes: body.scope.purposes } : {}), ...(body.scope?.declarations ? { declarations: body.scope.declarations } : {}) };
      const r = await ctx.rights.receive(params.id, { type: body.type, scope }, principal.keyId);
      return requestJson(r, Date.now());
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/rights',
    operationId: 'listRightsRequests',
    summary: "A subject's requests, newest first",
    tags: ['rights'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params,
    query: z.object({ limit }),
    response: { 200: z.object({ requests: z.array(requestSchema) }) },
    handler: async ({ params, query, principal }) => {
      assertSelf(principal, params.id);
      const now = Date.now();
      return { requests: (await ctx.rights.requestsOf(params.id, query.limit)).map((r) => requestJson(r, now)) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/rights/overdue',
    operationId: 'listOverdueRightsRequests',
    summary: 'Open requests past their statutory deadline, most overdue first',
    tags: ['rights'],
    auth: { kind: 'admin', scopes: ['subjects:read'] },
    query: z.object({ limit: limit.default(500) }),
    response: { 200: z.object({ requests: z.array(requestSchema) }) },
    handler: async ({ query }) => {
      const now = Date.now();
      return { requests: (await ctx.rights.overdue(query.limit)).map((r) => requestJson(r, now)) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/rights/:rid',
    operationId: 'getRightsRequest',
    summary: 'One request with its history and deadline',
    tags: ['rights'],
    auth: { kind: 'admin', scopes: ['subjects:read'] },
    params: requestId,
    response: { 200: requestSchema },
    handler: async ({ params }) => requestJson(await ctx.rights.get(params.rid), Date.now()),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/rights/:rid/actions',
    operationId: 'advanceRightsRequest',
    summary: 'Move a request on: verify, start, complete (carries out withdrawal/erasure/suspension/objection), reject or extend (EU, with reason)',
    description:
      'Invalid moves are 409 RIGHTS_INVALID_TRANSITION with the allowed actions. `verify` needs `evidence: { method, reference }` (RIGHTS_EVIDENCE_REQUIRED); ' +
      '`reject` needs a `reason` and the `article` relied on, from the grounds for the request\'s jurisdiction and type (RIGHTS_GROUND_REQUIRED); `extend` needs a `reason` (RIGHTS_REASON_REQUIRED) and is GDPR 12(3) only.',
    tags: ['rights'],
    auth: { kind: 'admin', scopes: ['subjects:write'] },
    params: requestId,
    body: rightsActionBody,
    bodyLimit: 16 * 1024,
    response: { 200: requestSchema },
    handler: async ({ params, body, principal }) => requestJson(await ctx.rights.act(params.rid, toRightsAction(body), principal.keyId), Date.now()),
  }));

  mount(app, defineRoute({
    method: 'PUT',
    url: '/v1/recipients/:id/webhook',
    operationId: 'setRecipientWebhook',
    summary: "Set a recipient's webhook for deletion requests; returns the signing secret once",
    description: 'Deliveries are signed: `ConsentGate-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`; `Idempotency-Key` is the deletion request id. See docs/rights.md.',
    tags: ['rights'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params: z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/) }),
    body: z.strictObject({ url: z.string().min(1).max(2000) }),
    bodyLimit: 8 * 1024,
    response: { 200: z.object({ id: z.string(), recipient: z.string(), url: z.string(), secret: z.string() }) },
    handler: ({ params, body }) => ctx.rights.registerWebhook(params.id, body.url),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/recipients/deletions',
    operationId: 'listDeletionRequests',
    summary: 'Deletion requests: a recipient sees its own; an admin filters by recipient and state (escalated = unconfirmed past the deadline)',
    tags: ['rights'],
    auth: { kind: ['recipient', 'admin'], scopes: ['recipients:read'] },
    query: z.object({
      state: z.enum(['requested', 'confirmed', 'escalated']).optional(),
      recipient: z.string().min(1).max(64).optional(),
      limit: limit.default(500),
    }),
    response: { 200: z.object({ deletions: z.array(deletionSchema) }) },
    handler: async ({ query, principal }) => {
      const recipientId = principal.kind === 'recipient' ? principal.id : query.recipient;
      const list = await ctx.rights.deletions({ ...(recipientId ? { recipientId } : {}), ...(query.state ? { state: query.state } : {}), limit: query.limit });
      return { deletions: list.map(deletionJson) };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/recipients/deletions/:id/confirm',
    operationId: 'confirmDeletionRequest',
    summary: 'A recipient confirms it deleted the data of a deletion request (idempotent)',
    description: 'Only the recipient the request was sent to; any other caller gets the same 404 as for an unknown id.',
    tags: ['rights'],
    auth: { kind: 'recipient' },
    params: deletionId,
    response: { 200: deletionSchema },
    handler: async ({ params, principal }) => deletionJson(await ctx.rights.confirmDeletion(params.id, principal.id, principal.keyId)),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/outbox',
    operationId: 'listOutboxMessages',
    summary: 'Outbox counts and the dead-letter list (deliveries that failed every attempt)',
    tags: ['rights'],
    auth: { kind: 'admin', scopes: ['recipients:read'] },
    query: z.object({ limit }),
    response: {
      200: z.object({
        counts: z.object({ pending: z.number(), delivered: z.number(), dead: z.number() }),
        dead: z.array(z.object({ id: z.string(), kind: z.string(), topic: z.string(), attempts: z.number(), last_error: z.string().nullable(), last_status: z.number().nullable(), dead_at: z.string().nullable() })),
      }),
    },
    handler: async ({ query }) => ({
      counts: await ctx.outbox.counts(),
      dead: (await ctx.outbox.dead(query.limit)).map((m) => ({ id: m.id, kind: m.kind, topic: m.topic, attempts: m.attempts, last_error: m.lastError, last_status: m.lastStatus, dead_at: iso(m.deadAt) })),
    }),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/outbox/:id/requeue',
    operationId: 'requeueOutboxMessage',
    summary: 'Re-queue a dead letter with fresh attempts (after the recipient fixed its endpoint)',
    tags: ['rights'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params: z.object({ id: z.string().min(1).max(128) }),
    response: { 200: z.object({ id: z.string(), requeued: z.literal(true) }) },
    handler: async ({ params }) => {
      if (!(await ctx.outbox.requeue(params.id))) throw new CgError('DEAD_LETTER_NOT_FOUND', 'no dead letter with this id', 404);
      return { id: params.id, requeued: true as const };
    },
  }));
};
