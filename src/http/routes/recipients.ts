import { z } from 'zod';
import { localTextOut } from '../../core/registry/local-text.ts';
import { CgError } from '../../core/errors.ts';
import type { MemberRow } from '../../store/members-repo.ts';
import { MEMBER_ID_RE } from '../../app/members-service.ts';
import { defineRoute, mount } from '../route.ts';
import { issuedKeySchema, keyViewJson } from './keys.ts';
import type { RoutePlugin } from './index.ts';
import { isoDateTime } from '../../core/time/date-range.ts';

const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case');

const memberSchema = z
  .object({
    id: z.string(),
    class: z.string(),
    name: z.string(),
    country: z.string(),
    contact: z.record(z.string(), z.string()),
    created_at: z.string(),
    seq: z.number().int(),
    agreement_version: z.string().nullable().describe("the version of the class's agreement the member accepted (PIPA 28-8(4))"),
  })
  .meta({ id: 'RecipientMember' });

const memberJson = (m: MemberRow) => ({
  id: m.id,
  class: m.classId,
  name: m.name,
  country: m.country,
  contact: m.contact,
  created_at: new Date(m.createdAt).toISOString(),
  seq: m.seq,
  agreement_version: m.agreementVersion,
});

export const recipientRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/recipients',
    operationId: 'listRecipients',
    summary: 'Recipients and recipient classes declared by the active registry',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:read'] },
    response: {
      200: z.object({
        recipients: z.array(z.object({ id: z.string(), name: localTextOut, role: z.string(), country: z.string() })),
        classes: z.array(z.object({ id: z.string(), name: localTextOut, role: z.string(), countries: z.array(z.string()) })),
      }),
    },
    handler: () => {
      const model = ctx.registry.model;
      if (!model) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet', 404);
      return {
        recipients: model.doc.recipients.map((r) => ({ id: r.id, name: r.name, role: r.role, country: r.country })),
        classes: model.doc.recipient_classes.map((c) => ({ id: c.id, name: c.name, role: c.role, countries: [...c.countries] })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/members',
    operationId: 'createMember',
    summary: 'Register an individual recipient (e.g. one seller) under a recipient class',
    description:
      'The class must exist in the active registry (UNKNOWN_CLASS) and the country must be one of its countries (COUNTRY_NOT_IN_CLASS). ' +
      "`agreementVersion` records that the member accepted the class's agreement (PIPA 28-8(4)); it must be the registry's current version " +
      '(422 AGREEMENT_VERSION_MISMATCH). A member without the current version is refused at the gate (403 NO_RECIPIENT_CONTRACT).',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    body: z.strictObject({
      id: z.string().regex(MEMBER_ID_RE, 'lower-case letters, digits, _ . - (max 64)').optional(),
      class: z.string().min(1).max(64),
      name: z.string().min(1).max(200),
      country,
      contact: z.partialRecord(z.enum(['name', 'email', 'phone', 'url']), z.string().max(200)).optional(),
      agreementVersion: z.string().min(1).max(64).optional(),
    }),
    response: { 201: memberSchema },
    handler: async ({ body, principal }) => {
      const m = await ctx.members.register(
        { id: body.id, classId: body.class, name: body.name, country: body.country, contact: body.contact, agreementVersion: body.agreementVersion },
        principal.keyId,
      );
      return memberJson(m);
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/members/:id/agreement',
    operationId: 'acceptMemberAgreement',
    summary: "Record that a member accepted its class's current agreement version (PIPA 28-8(4))",
    description: 'After the registry names a new agreement version, members are refused (403 NO_RECIPIENT_CONTRACT) until they accept it here.',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params: z.object({ id: z.string().max(64) }),
    body: z.strictObject({ agreementVersion: z.string().min(1).max(64) }),
    response: { 200: memberSchema },
    handler: async ({ params, body, principal }) => memberJson(await ctx.members.acceptAgreement(params.id, body.agreementVersion, principal.keyId)),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/members',
    operationId: 'listMembers',
    summary: 'List registered members, filtered by class and country (keyset pagination by `after`)',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:read'] },
    query: z.object({
      class: z.string().max(64).optional(),
      country: country.optional(),
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: { 200: z.object({ members: z.array(memberSchema), next_after: z.number().int().nullable() }) },
    handler: async ({ query }) => {
      const rows = await ctx.members.list({ classId: query.class, country: query.country, after: query.after, limit: query.limit });
      return { members: rows.map(memberJson), next_after: rows.length === query.limit ? rows[rows.length - 1]!.seq : null };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/members/:id',
    operationId: 'getMember',
    summary: 'One registered member',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:read'] },
    params: z.object({ id: z.string().max(64) }),
    response: { 200: memberSchema },
    handler: async ({ params }) => {
      const m = await ctx.members.find(params.id);
      if (!m) throw new CgError('MEMBER_NOT_FOUND', `no member ${params.id}`, 404, [{ code: 'MEMBER_NOT_FOUND', message: 'unknown member', path: 'params.id' }]);
      return memberJson(m);
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/recipients/:id/keys',
    operationId: 'createRecipientKey',
    summary: "Issue a recipient API key for a member or a fixed recipient (the secret is shown once)",
    tags: ['recipients', 'keys'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params: z.object({ id: z.string().max(64) }),
    body: z.strictObject({ label: z.string().max(200).optional(), expires_at: isoDateTime().optional() }).optional(),
    response: { 201: issuedKeySchema },
    handler: async ({ params, body, principal }) => {
      const r = await ctx.members.issueKey(params.id, principal.keyId, {
        ...(body?.label ? { label: body.label } : {}),
        expiresAt: body?.expires_at ? new Date(body.expires_at) : null,
        authority: principal,
      });
      return { key: r.key, ...keyViewJson(r.view) };
    },
  }));
};
