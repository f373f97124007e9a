import { z } from 'zod';
import { subjectIdSchema } from '../../app/subjects-service.ts';
import { defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/**
 * The vault over HTTP, for the operator. Values go in; nothing decrypted comes back out here —
 * a value leaves only through a release (or a token redemption) the gate decided and recorded.
 */
const summarySchema = z
  .object({
    subject: z.string(),
    erased: z.boolean(),
    erased_at: z.string().nullable(),
    key_version: z.number().int().nullable(),
    items: z.array(z.object({ category: z.string(), bytes: z.number().int(), key_version: z.number().int(), updated_at: z.string() })),
  })
  .meta({ id: 'SubjectDataSummary' });

const params = z.object({ id: subjectIdSchema });

export const subjectDataRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'PUT',
    url: '/v1/subjects/:id/data',
    operationId: 'putSubjectData',
    summary: "Store a subject's personal data in the encrypted vault",
    description:
      'Body: data category id → value (string), or null to remove the category. Only categories of the active registry ' +
      '(UNKNOWN_CATEGORY); a value is at most 16 KiB, all values together 64 KiB. Each value is sealed with AES-256-GCM under ' +
      "the subject's own data key. Refused for an erased subject (SUBJECT_ERASED).",
    tags: ['vault'],
    auth: { kind: 'admin', scopes: ['subjects:write'] },
    params,
    body: z.record(z.string().min(1).max(64), z.string().max(16 * 1024).nullable()),
    bodyLimit: 128 * 1024,
    response: { 200: z.object({ subject: z.string(), stored: z.array(z.string()), removed: z.array(z.string()) }) },
    handler: async ({ params, body }) => {
      const r = await ctx.vault.put(params.id, body, Date.now());
      return { subject: params.id, ...r };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/data',
    operationId: 'getSubjectData',
    summary: 'What the vault holds about a subject: categories, sizes and dates — never values',
    tags: ['vault'],
    auth: { kind: 'admin', scopes: ['subjects:read'] },
    params,
    response: { 200: summarySchema },
    handler: ({ params }) => ctx.vault.describe(params.id),
  }));

  mount(app, defineRoute({
    method: 'DELETE',
    url: '/v1/subjects/:id/data',
    operationId: 'eraseSubjectData',
    summary: "Erase a subject's data by destroying its data key (crypto-shredding)",
    description:
      'Idempotent. Every stored ciphertext of the subject — and every copy of it in backups or replicas — becomes ' +
      'unreadable; tokens and relay numbers issued for the subject are revoked; releases are refused with SUBJECT_ERASED.',
    tags: ['vault'],
    auth: { kind: 'admin', scopes: ['subjects:write'] },
    params,
    response: { 200: z.object({ subject: z.string(), erased: z.literal(true), erased_at: z.string() }) },
    handler: async ({ params, principal }) => {
      const r = await ctx.vault.erase(params.id, Date.now(), principal.keyId);
      return { subject: params.id, erased: true as const, erased_at: r.erased_at };
    },
  }));
};
