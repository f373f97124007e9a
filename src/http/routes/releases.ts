import { z } from 'zod';
import { subjectIdSchema } from '../../app/subjects-service.ts';
import { CgError } from '../../core/errors.ts';
import { DENY_CODES } from '../../core/gate/types.ts';
import { defineRoute, mount } from '../route.ts';
import { releaseBytes } from './release-json.ts';
import type { RoutePlugin } from './index.ts';

/**
 * The release gate over HTTP. A recipient key (registry recipient or class member) asks for a
 * subject's data for a purpose; the answer is the data in its declared forms or a 403 naming the
 * deny code and article — and a decision record either way, written before the answer.
 */
const id = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a registry id');

const releaseBody = z.strictObject({
  subject: subjectIdSchema,
  purpose: id,
  /** Omitted: every item the declaration (and the consent) allows. */
  items: z.array(id).min(1).max(100).optional(),
  order_ref: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'letters, digits, "_.:/-"').optional(),
});

const releaseResponse = z
  .object({
    decision_id: z.string(),
    ledger_index: z.number().int(),
    declaration_id: z.string(),
    basis: z.string(),
    items: z.record(z.string(), z.unknown()).describe('category → value in its declared form'),
    forms: z.record(z.string(), z.enum(['plain', 'masked', 'safe_number', 'token'])),
    missing: z.array(z.string()).describe('allowed categories the vault holds no value for'),
    retention_until: z.string().nullable(),
  })
  .meta({ id: 'Release' });

const traceStep = z.object({ check: z.string(), ok: z.boolean(), detail: z.string(), article: z.string().optional() });

const explanation = z
  .object({
    allow: z.boolean(),
    code: z.enum(DENY_CODES).nullable(),
    article: z.string().nullable(),
    message: z.string().nullable(),
    recipient: z.string(),
    declaration_id: z.string().nullable(),
    basis: z.string().nullable(),
    items: z.array(z.object({ category: z.string(), form: z.string() })),
    retention_until: z.string().nullable(),
    consent_event_id: z.string().nullable(),
    notice_hash: z.string().nullable(),
    registry_hash: z.string(),
    trace: z.array(traceStep),
  })
  .meta({ id: 'ReleaseExplanation' });

const denyDoc = `Refusals are 403 problems whose \`code\` is one of ${DENY_CODES.join(', ')}, with \`article\`, \`decision_id\` and \`ledger_index\`.`;

export const releaseRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/releases',
    operationId: 'createRelease',
    summary: "Ask for a subject's data for a purpose (recipient key)",
    description:
      'The statutory decision, then operator policies (which only narrow), then the allowed items in their declared form ' +
      `(plain, masked, safe_number, token). Every decision is recorded before the answer; no record, no data (500 DECISION_NOT_RECORDED). ${denyDoc}`,
    tags: ['releases'],
    auth: { kind: 'recipient' },
    body: releaseBody,
    bodyLimit: 16 * 1024,
    response: { 200: releaseResponse },
    // The release's answer comes from the journal's batch once its record is durable, through a
    // callback: no promise per release between the commit and the response (ReleaseService.releaseTo).
    // The body as JSON.stringify's UTF-8 bytes, written from the pieces the release holds: the
    // same bytes, without the string copies on the way (release-json.ts).
    serialize: releaseBytes,
    respond: ({ body, principal }, send) =>
      ctx.releases.releaseTo(principal.id, { subject: body.subject, purpose: body.purpose, items: body.items, orderRef: body.order_ref }, send),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/releases/explain',
    operationId: 'explainRelease',
    summary: 'The decision a release would get, with its full rule trace — no data, no record',
    description:
      'For developers and auditors. A recipient key explains its own releases only (`recipient` omitted or its own id); ' +
      'an admin key names the recipient. Nothing is decrypted, issued or recorded: an explanation is not a release.',
    tags: ['releases'],
    auth: { kind: ['recipient', 'admin'], scopes: ['subjects:read'] },
    body: releaseBody.extend({ recipient: z.string().min(1).max(64).optional() }),
    bodyLimit: 16 * 1024,
    response: { 200: explanation },
    handler: ({ body, principal }) => {
      let recipient: string;
      if (principal.kind === 'recipient') {
        if (body.recipient !== undefined && body.recipient !== principal.id) {
          throw new CgError('FORBIDDEN_RECIPIENT', "a recipient key explains only its own releases", 403, [
            { code: 'FORBIDDEN_RECIPIENT', message: 'not this key\'s recipient', path: 'recipient' },
          ]);
        }
        recipient = principal.id;
      } else {
        if (body.recipient === undefined) {
          throw new CgError('VALIDATION_FAILED', 'recipient: an admin key must name the recipient', 422, [
            { code: 'REQUIRED', message: 'required with an admin key', path: 'recipient' },
          ]);
        }
        recipient = body.recipient;
      }
      return ctx.releases.explain(recipient, { subject: body.subject, purpose: body.purpose, items: body.items, orderRef: body.order_ref });
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/tokens/redeem',
    operationId: 'redeemReleaseToken',
    summary: 'Redeem a token from a release for the real value (the recipient it was issued to only)',
    description:
      'The gate re-checks the item for the declaration\'s purpose now (consent, objection, erasure, retention) and the ' +
      'redemption is recorded like a release. Another recipient\'s token, or an unknown one: 404 TOKEN_NOT_FOUND; ' +
      `revoked: 410 TOKEN_REVOKED; past retention: 410 TOKEN_EXPIRED. ${denyDoc}`,
    tags: ['releases'],
    auth: { kind: 'recipient' },
    body: z.strictObject({ token: z.string().min(1).max(100) }),
    bodyLimit: 4 * 1024,
    response: {
      200: z.object({
        decision_id: z.string(),
        ledger_index: z.number().int(),
        category: z.string(),
        value: z.string(),
        expires_at: z.string().nullable(),
      }),
    },
    handler: ({ body, principal }) => ctx.releases.redeem(principal.id, body.token),
  }));
};
