import { z } from 'zod';
import { CgError } from '../../core/errors.ts';
import type { ApiKeyView } from '../../app/api-keys.ts';
import { ADMIN_SCOPES } from '../principal.ts';
import { defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';
import { isoDateTime } from '../../core/time/date-range.ts';

export const keyViewSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['admin', 'recipient', 'subject']),
    principal: z.string(),
    scopes: z.array(z.string()),
    label: z.string(),
    created_at: z.string(),
    created_by: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const issuedKeySchema = keyViewSchema
  .extend({ key: z.string().describe('The full key. Shown once: store it now, it cannot be retrieved again.') })
  .meta({ id: 'IssuedApiKey' });

export const keyViewJson = (v: ApiKeyView) => ({
  id: v.id,
  kind: v.kind,
  principal: v.principal,
  scopes: [...v.scopes],
  label: v.label,
  created_at: v.createdAt,
  created_by: v.createdBy,
  expires_at: v.expiresAt,
  revoked_at: v.revokedAt,
});

const kind = z.enum(['admin', 'recipient', 'subject']);

export const keyRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key (admin with scopes, recipient, or subject); the secret is shown once',
    description: `Admin scopes: ${ADMIN_SCOPES.join(', ')}. Recipient keys get scope \`release\`, subject keys \`subject\`. Rotate with POST /v1/api-keys/{id}/rotate.`,
    tags: ['keys'],
    auth: { kind: 'admin', scopes: ['keys:write'] },
    body: z.strictObject({
      kind,
      principal: z.string().min(1).max(128).optional(),
      scopes: z.array(z.string().max(64)).max(20).optional(),
      label: z.string().max(200).optional(),
      expires_at: isoDateTime().optional(),
    }),
    response: { 201: issuedKeySchema },
    handler: async ({ body, principal }) => {
      if (body.kind !== 'admin' && !body.principal) {
        throw new CgError('VALIDATION_FAILED', `a ${body.kind} key needs a principal`, 422, [{ code: 'REQUIRED', message: 'required for recipient and subject keys', path: 'principal' }]);
      }
      const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
      if (body.kind === 'recipient') {
        // Recipient keys only for recipients the registry or the member index knows.
        const r = await ctx.members.issueKey(body.principal!, principal.keyId, { label: body.label ?? '', expiresAt, authority: principal });
        return { key: r.key, ...keyViewJson(r.view) };
      }
      const scopes = body.scopes ?? (body.kind === 'admin' ? ['registry:read'] : ['subject']);
      const r = await ctx.keys.create({
        kind: body.kind,
        principal: body.principal ?? (body.kind === 'admin' ? 'operator' : ''),
        scopes,
        label: body.label ?? '',
        expiresAt,
        actor: principal.keyId,
        // Within the acting key's own kind and scopes (issue 17 item 1).
        authority: principal,
      });
      return { key: r.key, ...keyViewJson(r.view) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/api-keys',
    operationId: 'listApiKeys',
    summary: 'List API keys (never their secrets)',
    tags: ['keys'],
    auth: { kind: 'admin', scopes: ['keys:write'] },
    query: z.object({ kind: kind.optional(), principal: z.string().max(128).optional(), include_revoked: z.enum(['true', 'false']).default('false') }),
    response: { 200: z.object({ keys: z.array(keyViewSchema) }) },
    handler: async ({ query }) => ({
      keys: (await ctx.keys.list({ kind: query.kind, principal: query.principal, includeRevoked: query.include_revoked === 'true' })).map(keyViewJson),
    }),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/api-keys/:id/revoke',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key (effective on every server at once)',
    tags: ['keys'],
    auth: { kind: 'admin', scopes: ['keys:write'] },
    params: z.object({ id: z.string().max(64) }),
    response: { 200: keyViewSchema },
    handler: async ({ params, principal }) => keyViewJson(await ctx.keys.revoke(params.id, principal.keyId)),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/api-keys/:id/rotate',
    operationId: 'rotateApiKey',
    summary: 'Rotate an API key without downtime: a new key now, the old one valid for a grace period',
    description: 'The successor has the same kind, principal and scopes; the secret is shown once. The old key keeps working for `grace_seconds` (default 86400, at most 30 days; 0 = stop now) — never longer than its own expiry. Recorded in the transparency log.',
    tags: ['keys'],
    auth: { kind: 'admin', scopes: ['keys:write'] },
    params: z.object({ id: z.string().max(64) }),
    body: z.strictObject({
      grace_seconds: z.number().int().min(0).max(30 * 86_400).default(86_400),
      expires_at: isoDateTime().optional(),
    }).optional(),
    response: { 201: issuedKeySchema.extend({ previous: keyViewSchema }) },
    handler: async ({ params, body, principal }) => {
      const r = await ctx.keys.rotate(params.id, principal.keyId, {
        graceMs: (body?.grace_seconds ?? 86_400) * 1000,
        expiresAt: body?.expires_at ? new Date(body.expires_at) : null,
        authority: principal,
      });
      return { key: r.key, ...keyViewJson(r.view), previous: keyViewJson(r.previous) };
    },
  }));
};
