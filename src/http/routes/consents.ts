import { z } from 'zod';
import { assertMayMint } from '../../app/api-keys.ts';
import type { ConsentEvent } from '../../core/consent/events.ts';
import { grantRequestSchema, withdrawRequestSchema } from '../../core/consent/request.ts';
import { CgError } from '../../core/errors.ts';
import { createSubjectSchema, subjectIdSchema } from '../../app/subjects-service.ts';
import type { Principal } from '../principal.ts';
import { defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/**
 * Subjects and their consents. A subject key may act only on its own id; an admin key acts for
 * anyone with `consents:write` (writes) or `subjects:read` (reads).
 */
const CONSENT_BODY_LIMIT = 64 * 1024;

const receiptSchema = z.record(z.string(), z.unknown()).meta({ id: 'ConsentReceipt', description: 'ISO/IEC TS 27560 / Kantara consent receipt, Ed25519-signed over its JCS form' });
const resultSchema = z.object({
  replayed: z.boolean().describe('true: an idempotent retry; nothing new was written'),
  receipt: receiptSchema,
});
const params = z.object({ id: subjectIdSchema });

function assertSelf(p: Principal, id: string): void {
  if (p.kind === 'subject' && p.id !== id) {
    throw new CgError('FORBIDDEN_SUBJECT', 'a subject key may only act on its own subject', 403, [{ code: 'FORBIDDEN_SUBJECT', message: 'not your subject id', path: 'id' }]);
  }
}

const caller = (p: Principal) => (p.kind === 'admin' ? 'admin' : 'subject') as 'admin' | 'subject';

const eventJson = (e: ConsentEvent) => ({
  event_id: e.eventId,
  receipt_id: e.receiptId,
  leaf_index: e.leafIndex,
  action: e.action,
  declaration_id: e.declarationId,
  purpose_id: e.purposeId,
  recipient_id: e.recipientId,
  notice_hash: e.noticeHash,
  collection_point: e.collectionPoint,
  items: [...e.items],
  expires_at: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
  at: new Date(e.at).toISOString(),
  channel: e.channel,
  actor: e.actor,
  evidence: e.evidence,
});

export const consentRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/subjects',
    operationId: 'createSubject',
    summary: 'Create a data subject (jurisdiction, age facts) and issue its subject token',
    description: 'The token (shown once) lets the subject read and change only its own consents. `birthDate` (or `isChild`) decides whether a guardian must consent (KR under 14, EU under the configured GDPR age).',
    tags: ['consent'],
    auth: { kind: 'admin', scopes: ['consents:write'] },
    body: createSubjectSchema,
    bodyLimit: 16 * 1024,
    response: {
      201: z.object({ id: z.string(), pseudonym: z.string(), jurisdiction: z.enum(['KR', 'EU']), token: z.string().optional() }),
    },
    handler: async ({ body, principal }) => {
      // The token is a subject key: only a key whose scopes cover one may have it minted (issue 17 item 1).
      if (body.issueToken) assertMayMint(principal, { kind: 'subject', scopes: ['subject'] });
      const { subject, token } = await ctx.subjects.create(body, principal.keyId);
      return { id: subject.id, pseudonym: subject.pseudonym, jurisdiction: subject.jurisdiction, ...(token ? { token } : {}) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/consents',
    operationId: 'listConsents',
    summary: 'Current consent state of a subject, per declaration and recipient scope, marked required or optional',
    tags: ['consent'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params,
    response: {
      200: z.object({
        subject: z.object({ id: z.string(), pseudonym: z.string(), jurisdiction: z.string() }),
        consents: z.array(z.record(z.string(), z.unknown())),
        objections: z.array(z.string()),
      }),
    },
    handler: async ({ params: p, principal }) => {
      assertSelf(principal, p.id);
      const v = await ctx.consents.consents(p.id);
      return {
        subject: { id: v.subject.id, pseudonym: v.subject.pseudonym, jurisdiction: v.subject.jurisdiction },
        consents: v.entries.map((e) => ({
          declaration_id: e.declarationId,
          choice: e.choice,
          purpose_id: e.purposeId,
          required: e.required,
          recipient_id: e.scope === '' ? null : e.scope,
          state: e.status.state,
          // Given to terms the active registry has changed: the gate answers CONSENT_STALE until the subject consents again.
          stale: e.stale,
          notice_hash: e.noticeHash,
          items: [...e.items],
          event_id: e.eventId,
          at: new Date(e.at).toISOString(),
          expires_at: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
        })),
        objections: v.objections,
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/subjects/:id/consents',
    operationId: 'recordConsents',
    summary: 'Record the decisions for one notice version, all or nothing; returns a signed receipt',
    description:
      'Each decision grants (`grant: true`) or refuses one declaration shown by the notice `noticeHash`, optionally scoped to one recipient and with an expiry. ' +
      'Optional declarations may be refused without affecting required ones. `Sec-GPC: 1` records an objection to every ad-targeting purpose. ' +
      'Children need `guardian` (422 GUARDIAN_REQUIRED). A grant to a class\'s declaration names the member (`recipientId`, else 422 RECIPIENT_REQUIRED) and cites the notice naming it. ' +
      'The overseas transfer is its own choice, `<declarationId>:transfer`. Retrying the identical request with the same `eventId`s returns the same receipt (200, `replayed: true`); ' +
      'an `eventId` used by any other event is 409 EVENT_ID_CONFLICT and nothing is written.',
    tags: ['consent'],
    auth: { kind: ['subject', 'admin'], scopes: ['consents:write'] },
    params,
    headers: z.object({ 'sec-gpc': z.string().max(8).optional() }),
    body: grantRequestSchema,
    bodyLimit: CONSENT_BODY_LIMIT,
    response: { 201: resultSchema, 200: resultSchema },
    handler: async ({ params: p, body, headers, principal, reply }) => {
      assertSelf(principal, p.id);
      const r = await ctx.consents.grant(p.id, body, { caller: caller(principal), gpc: headers['sec-gpc']?.trim() === '1' });
      reply.code(r.replayed ? 200 : 201);
      return { replayed: r.replayed, receipt: r.receipt as unknown as Record<string, unknown> };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/subjects/:id/consents/withdraw',
    operationId: 'withdrawConsents',
    summary: 'Withdraw consent in one call: the named declarations, or every grant on record',
    tags: ['consent'],
    auth: { kind: ['subject', 'admin'], scopes: ['consents:write'] },
    params,
    body: withdrawRequestSchema,
    bodyLimit: CONSENT_BODY_LIMIT,
    response: { 201: resultSchema, 200: resultSchema },
    handler: async ({ params: p, body, principal, reply }) => {
      assertSelf(principal, p.id);
      const r = await ctx.consents.withdraw(p.id, body, { caller: caller(principal) });
      reply.code(r.replayed ? 200 : 201);
      return { replayed: r.replayed, receipt: r.receipt as unknown as Record<string, unknown> };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/consents/history',
    operationId: 'listConsentHistory',
    summary: 'Every consent event of a subject, newest first (page with `before` = the last leaf index seen)',
    tags: ['consent'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().min(0).optional() }),
    response: { 200: z.object({ events: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async ({ params: p, query: q, principal }) => {
      assertSelf(principal, p.id);
      return { events: (await ctx.consents.history(p.id, q.limit, q.before)).map(eventJson) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/receipts/:receiptId',
    operationId: 'getReceipt',
    summary: 'A stored consent receipt, signed with the current key',
    tags: ['consent'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params: params.extend({ receiptId: z.string().regex(/^cr_[0-9a-f-]{36}$/) }),
    response: { 200: receiptSchema },
    handler: async ({ params: p, principal }) => {
      assertSelf(principal, p.id);
      return (await ctx.consents.receipt(p.id, p.receiptId)) as unknown as Record<string, unknown>;
    },
  }));
};
