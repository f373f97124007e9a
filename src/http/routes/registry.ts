import { z } from 'zod';
import { CgError } from '../../core/errors.ts';
import type { Finding } from '../../core/lint/finding.ts';
import { MAX_REGISTRY_BYTES } from '../../core/registry/parse.ts';
import { defineRoute, mount } from '../route.ts';
import { findingJson, findingSchema } from '../finding-json.ts';
import { summarize } from '../../core/lint/report.ts';
import type { RoutePlugin } from './index.ts';

export { findingSchema } from '../finding-json.ts';

/** A registry arrives as YAML text (text/yaml, application/yaml, text/plain) or as JSON `{ "yaml": "…" }`. */
const registryBody = z.union([z.string(), z.object({ yaml: z.string() })]);
const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'];
// Room for JSON escaping around a registry at the 1 MiB limit; the parser enforces the limit itself.
const REGISTRY_BODY_LIMIT = 3 * MAX_REGISTRY_BYTES;

const yamlOf = (b: z.infer<typeof registryBody>) => (typeof b === 'string' ? b : b.yaml);
/** The public API reports errors and warnings (the console adds notes). */
const counts = (fs: readonly Finding[]) => {
  const { errors, warnings } = summarize(fs);
  return { errors, warnings };
};

const versionParams = z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647) });
const versionRow = z.object({ version: z.number().int(), hash: z.string(), created_at: z.string(), created_by: z.string(), active: z.boolean() });

export const registryRoutes: RoutePlugin = (app, ctx) => {
  const svc = ctx.registry;

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/registry',
    operationId: 'getActiveRegistry',
    summary: 'The active registry: version, content hash and document',
    tags: ['registry'],
    auth: { kind: 'admin', scopes: ['registry:read'] },
    response: {
      200: z.object({ version: z.number().int(), hash: z.string(), activated_at: z.string(), activated_by: z.string(), document: z.record(z.string(), z.unknown()) }),
    },
    handler: () => {
      const a = svc.active;
      if (!a) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet', 404);
      return { version: a.version, hash: a.hash, activated_at: a.activatedAt.toISOString(), activated_by: a.activatedBy, document: a.model.doc };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/registry/validate',
    operationId: 'validateRegistry',
    summary: 'Parse and lint a registry without storing it',
    description: 'Schema or YAML errors → 4xx problem with path and line:column. Lint findings (all severities) are returned with 200.',
    tags: ['registry'],
    auth: { kind: 'admin', scopes: ['registry:read'] },
    consumes: YAML_TYPES,
    bodyLimit: REGISTRY_BODY_LIMIT,
    body: registryBody,
    response: { 200: z.object({ hash: z.string(), valid: z.boolean(), counts: z.object({ errors: z.number(), warnings: z.number() }), findings: z.array(findingSchema) }) },
    handler: ({ body }) => {
      const v = svc.validate(yamlOf(body));
      const c = counts(v.findings);
      return { hash: v.model.hash, valid: c.errors === 0, counts: c, findings: v.findings.map(findingJson) };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/registry/versions',
    operationId: 'createRegistryVersion',
    summary: 'Store a registry version (immutable; the same content returns the existing version)',
    description: 'A version with lint errors may be stored as a draft but cannot be activated. 201 when new, 200 when the content was already stored.',
    tags: ['registry'],
    auth: { kind: 'admin', scopes: ['registry:write'] },
    consumes: YAML_TYPES,
    bodyLimit: REGISTRY_BODY_LIMIT,
    body: registryBody,
    response: {
      201: z.object({ version: z.number().int(), hash: z.string(), created: z.boolean(), counts: z.object({ errors: z.number(), warnings: z.number() }), findings: z.array(findingSchema) }),
      200: z.object({ version: z.number().int(), hash: z.string(), created: z.boolean(), counts: z.object({ errors: z.number(), warnings: z.number() }), findings: z.array(findingSchema) }),
    },
    handler: async ({ body, principal, reply }) => {
      const r = await svc.store(yamlOf(body), principal.keyId);
      reply.code(r.created ? 201 : 200);
      return { version: r.row.version, hash: r.row.hash, created: r.created, counts: counts(r.findings), findings: r.findings.map(findingJson) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/registry/versions',
    operationId: 'listRegistryVersions',
    summary: 'List stored registry versions, newest first',
    tags: ['registry'],
    auth: { kind: 'admin', scopes: ['registry:read'] },
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().min(1).optional() }),
    response: { 200: z.object({ versions: z.array(versionRow) }) },
    handler: async ({ query }) => {
      const rows = await svc.list(query.limit, query.before);
      const active = svc.active?.version;
      return {
        versions: rows.map((r) => ({ version: r.version, hash: r.hash, created_at: new Date(r.createdAt).toISOString(), created_by: r.createdBy, active: r.version === active })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/registry/versions/:version',
    operationId: 'getRegistryVersion',
    summary: 'One stored registry version with its YAML source',
    tags: ['registry'],
    auth: { kind: 'admin', scopes: ['registry:read'] },
    params: versionParams,
    response: { 200: versionRow.extend({ source: z.string(), document: z.record(z.string(), z.unknown()) }) },
    handler: async ({ params }) => {
      const r = await svc.getVersion(params.version);
      if (!r) throw new CgError('REGISTRY_VERSION_NOT_FOUND', `registry version ${params.version} does not exist`, 404, [{ code: 'REGISTRY_VERSION_NOT_FOUND', message: 'unknown version', path: 'params.version' }]);
      return {
        version: r.version, hash: r.hash, created_at: new Date(r.createdAt).toISOString(), created_by: r.createdBy,
        active: r.version === svc.active?.version, source: r.source, document: r.document as Record<string, unknown>,
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/registry/versions/:version/activate',
    operationId: 'activateRegistryVersion',
    summary: 'Activate a stored version atomically (refused with every finding while errors remain)',
    tags: ['registry'],
    auth: { kind: 'admin', scopes: ['registry:write'] },
    params: versionParams,
    description: '`stale_consents`: active consents given to declaration terms (recipient, class countries, purpose, items, retention, transfer ground) this version changes; the gate answers CONSENT_STALE for them until the customer consents again.',
    response: {
      200: z.object({ version: z.number().int(), hash: z.string(), activated_at: z.string(), changed: z.boolean(), stale_consents: z.number().int(), findings: z.array(findingSchema) }),
    },
    handler: async ({ params, principal }) => {
      const r = await svc.activate(params.version, principal.keyId);
      return {
        version: r.info.version,
        hash: r.info.hash,
        activated_at: r.info.activatedAt.toISOString(),
        changed: r.changed,
        stale_consents: ctx.consents.staleConsents(0).total,
        findings: r.findings.map(findingJson),
      };
    },
  }));
};
