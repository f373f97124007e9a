import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Validation } from '../../app/registry-service.ts';
import { CgError } from '../../core/errors.ts';
import { hasErrors } from '../../core/lint/finding.ts';
import { hunks, lineDiff } from '../../core/registry/line-diff.ts';
import { impactDigest, registryImpact, staleImpact, type RegistryImpact } from '../../core/registry/impact.ts';
import { MAX_REGISTRY_BYTES } from '../../core/registry/parse.ts';
import { findingJson, findingSchema, type FindingJson } from '../finding-json.ts';
import { summarize } from '../../core/lint/report.ts';
import { defineRoute, mount } from '../route.ts';
import type { SessionStore } from '../session.ts';
import { consoleAuth, sessionWithScopes } from '../console-scopes.ts';

/**
 * The officer console's registry editor API under `/console/api/registry` (session cookie,
 * x-csrf-token on POST): load the active YAML, lint it live while it is edited (findings and
 * parse errors with line:column), diff any two versions or the editor's text against the active
 * one, dry-run an activation (what it changes: declarations, recipients' items and countries,
 * consents that go stale), store a version and activate it with the officer's confirmation.
 *
 * Storing and activating go through the RegistryService the /v1 routes use — the same lint gate
 * (an error finding refuses activation), the same transparency-log entry — with the session's
 * key id as the actor. Reading, linting, diffing and dry runs need `registry:read`; storing and
 * activating `registry:write` (checked server-side before the input is even parsed, console.ts).
 *
 * A confirmation is the dry run's digest: activation recomputes the dry run and refuses with
 * 409 CONFIRMATION_STALE when the change is no longer the one the officer was shown (another
 * activation came first, or the text changed).
 */
const tags = ['console'];
const READ = consoleAuth(['registry:read']);
const WRITE = consoleAuth(['registry:write']);
// Room for JSON escaping around a registry at the 1 MiB limit; the parser enforces the limit itself (413).
const BODY_LIMIT = 3 * MAX_REGISTRY_BYTES + 4096;

const version = z.number().int().min(1).max(2_147_483_647);
const yamlText = z.string().max(4 * MAX_REGISTRY_BYTES).describe('registry YAML; at most 1 MiB of UTF-8 (413 REGISTRY_TOO_LARGE)');
const digest = z.string().regex(/^[0-9a-f]{64}$/).describe('the `confirmation` of the dry run the officer confirmed');
const finding = findingSchema;
const counts = z.object({ errors: z.number().int(), warnings: z.number().int(), notes: z.number().int() });
const anyObject = z.record(z.string(), z.unknown());
const versionRef = z.object({ version: z.number().int().nullable(), hash: z.string() });



/** Exactly one of `yaml` and `version` names the candidate registry. */
function oneCandidate(body: { yaml?: string | undefined; version?: number | undefined }): void {
  if ((body.yaml === undefined) === (body.version === undefined)) {
    throw new CgError('CANDIDATE_REQUIRED', 'give exactly one of `yaml` (the editor text) and `version` (a stored version)', 400, [
      { code: 'CANDIDATE_REQUIRED', message: 'exactly one of yaml and version', path: body.yaml === undefined ? 'yaml' : 'version' },
    ]);
  }
}

export function consoleRegistryApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  const svc = ctx.registry;
  // The session hook (console.ts) already refused a session without the route's scopes; the
  // The route's declared scopes (the ones the OpenAPI document lists), checked again on the session.
  const need = (request: FastifyRequest) => sessionWithScopes(sessions, request);

  const stored = async (v: number, path: string) => {
    const r = await svc.getVersion(v);
    if (!r) throw new CgError('REGISTRY_VERSION_NOT_FOUND', `registry version ${v} does not exist`, 404, [{ code: 'REGISTRY_VERSION_NOT_FOUND', message: 'unknown version', path }]);
    return r;
  };

  /** The candidate as source text plus its validation; a parse error propagates as its 4xx problem. */
  const candidate = async (body: { yaml?: string | undefined; version?: number | undefined }) => {
    oneCandidate(body);
    if (body.yaml !== undefined) return { version: null, v: svc.validate(body.yaml) };
    const row = await stored(body.version!, 'version');
    return { version: row.version, v: svc.validate(row.source) };
  };

  const dryRun = async (c: { version: number | null; v: Validation }) => {
    const active = svc.active;
    const impact: RegistryImpact = registryImpact(active?.model, c.v.model);
    const consents = staleImpact(active?.model, c.v.model, ctx.consents.activeGrants());
    // Registered members of a class gain or lose what their class does.
    const classes = new Set(impact.parties.filter((p) => p.kind === 'class').map((p) => p.id));
    const members: Record<string, number> = {};
    if (classes.size > 0) {
      for (const m of await ctx.members.list({ limit: 10_000 })) {
        if (!m.disabledAt && classes.has(m.classId)) members[m.classId] = (members[m.classId] ?? 0) + 1;
      }
    }
    const existing = c.version ?? (await svc.byHash(c.v.model.hash))?.version ?? null;
    return {
      from: active ? { version: active.version, hash: active.hash } : null,
      to: { version: existing, hash: c.v.model.hash },
      activatable: !hasErrors(c.v.findings),
      counts: summarize(c.v.findings),
      findings: c.v.findings.filter((f) => f.severity === 'error').map(findingJson),
      impact,
      consents,
      members_by_class: members,
      confirmation: impactDigest(impact),
    };
  };

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/registry/active',
    operationId: 'getConsoleActiveRegistrySource',
    summary: 'Console: the active registry version with its YAML source, for the editor (session)',
    tags,
    auth: READ,
    response: { 200: z.object({ active: z.object({ version: z.number().int(), hash: z.string(), source: z.string(), activated_at: z.string(), activated_by: z.string() }).nullable() }) },
    handler: async ({ request }) => {
      await need(request);
      const a = svc.active;
      if (!a) return { active: null };
      const row = await stored(a.version, 'version');
      return { active: { version: a.version, hash: a.hash, source: row.source, activated_at: a.activatedAt.toISOString(), activated_by: a.activatedBy } };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/registry/lint',
    operationId: 'lintConsoleRegistry',
    summary: 'Console: parse and lint the editor text; YAML and schema errors come back as error findings with their line (session)',
    description: 'Answers 200 for any text up to the size limit: `parsed: false` with the parse or schema errors as findings, or `parsed: true` with the statutory lint findings. Each finding has line and column where the path exists in the text (else its nearest existing parent). 413 REGISTRY_TOO_LARGE over 1 MiB.',
    tags,
    auth: READ,
    bodyLimit: BODY_LIMIT,
    body: z.strictObject({ yaml: yamlText }),
    response: { 200: z.object({ parsed: z.boolean(), valid: z.boolean(), hash: z.string().nullable(), counts, findings: z.array(finding) }) },
    handler: async ({ request, body }) => {
      await need(request);
      try {
        const v = svc.validate(body.yaml);
        return { parsed: true, valid: !hasErrors(v.findings), hash: v.model.hash, counts: summarize(v.findings), findings: v.findings.map(findingJson) };
      } catch (e) {
        if (!(e instanceof CgError) || e.status === 413 || e.status >= 500) throw e;
        const details = e.details.length > 0 ? e.details : [{ code: e.code, message: e.message }];
        const findings = details.map((d): FindingJson => ({
          code: d.code,
          severity: 'error',
          articles: [],
          message: d.message,
          path: d.path ?? '',
          ...(d.line !== undefined ? { line: d.line, column: d.column ?? 1 } : { line: 1, column: 1 }),
        }));
        return { parsed: false, valid: false, hash: null, counts: summarize(findings), findings };
      }
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/registry/diff',
    operationId: 'diffConsoleRegistry',
    summary: 'Console: line diff and semantic summary between two registries — stored versions, or the editor text against a version (session)',
    description: '`from` defaults to the active version; the other side is `yaml` (the editor text) or the stored version `to`. `summary` is null when the text is not a valid registry.',
    tags,
    auth: READ,
    bodyLimit: BODY_LIMIT,
    body: z.strictObject({ from: version.optional(), to: version.optional(), yaml: yamlText.optional() }),
    response: {
      200: z.object({
        from: versionRef,
        to: versionRef.extend({ hash: z.string().nullable() }),
        added: z.number().int(),
        removed: z.number().int(),
        lines: z.array(z.object({ op: z.enum(['same', 'add', 'del', 'gap']), text: z.string(), a: z.number().int().optional(), b: z.number().int().optional() })),
        summary: anyObject.nullable(),
        summary_error: z.string().optional(),
      }),
    },
    handler: async ({ request, body }) => {
      await need(request);
      if ((body.yaml === undefined) === (body.to === undefined)) {
        throw new CgError('CANDIDATE_REQUIRED', 'give exactly one of `yaml` (the editor text) and `to` (a stored version)', 400, [
          { code: 'CANDIDATE_REQUIRED', message: 'exactly one of yaml and to', path: body.yaml === undefined ? 'to' : 'yaml' },
        ]);
      }
      const fromVersion = body.from ?? svc.active?.version;
      if (fromVersion === undefined) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet: name `from`', 404, [{ code: 'NO_ACTIVE_REGISTRY', message: 'no active version', path: 'from' }]);
      const a = await stored(fromVersion, 'from');
      const bSource = body.yaml ?? (await stored(body.to!, 'to')).source;
      let summary: RegistryImpact | null = null;
      let bHash: string | null = null;
      let summaryError: string | undefined;
      try {
        const after = svc.validate(bSource).model;
        bHash = after.hash;
        summary = registryImpact(svc.validate(a.source).model, after);
      } catch (e) {
        if (!(e instanceof CgError) || e.status === 413) throw e;
        summaryError = e.message;
      }
      const all = lineDiff(a.source, bSource);
      return {
        from: { version: a.version, hash: a.hash },
        to: { version: body.to ?? null, hash: bHash },
        added: all.filter((l) => l.op === 'add').length,
        removed: all.filter((l) => l.op === 'del').length,
        lines: hunks(all).map((l) => l ?? { op: 'gap' as const, text: '' }),
        summary: summary as unknown as Record<string, unknown> | null,
        ...(summaryError ? { summary_error: summaryError } : {}),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/registry/dry-run',
    operationId: 'dryRunConsoleRegistry',
    summary: 'Console: what activating a registry (editor text or stored version) would change, and the confirmation activation needs (session)',
    description: 'Changes in purposes, categories and declarations (terms that change, items and countries added or removed), recipients and classes gaining or losing data items or countries, registered members of affected classes, and active consents that would go stale (CONSENT_STALE). `confirmation` is a digest of the change; POST …/registry/activate must echo it.',
    tags,
    auth: READ,
    bodyLimit: BODY_LIMIT,
    body: z.strictObject({ yaml: yamlText.optional(), version: version.optional() }),
    response: {
      200: z.object({
        from: versionRef.nullable(),
        to: versionRef,
        activatable: z.boolean(),
        counts,
        findings: z.array(finding),
        impact: anyObject,
        consents: anyObject,
        members_by_class: z.record(z.string(), z.number().int()),
        confirmation: z.string(),
      }),
    },
    handler: async ({ request, body }) => {
      await need(request);
      const r = await dryRun(await candidate(body));
      return { ...r, impact: r.impact as unknown as Record<string, unknown>, consents: r.consents as unknown as Record<string, unknown> };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/registry/versions',
    operationId: 'createConsoleRegistryVersion',
    summary: 'Console: store the editor text as a registry version (a draft: lint errors allowed, never activatable) (session)',
    tags,
    auth: WRITE,
    bodyLimit: BODY_LIMIT,
    body: z.strictObject({ yaml: yamlText }),
    response: {
      201: z.object({ version: z.number().int(), hash: z.string(), created: z.boolean(), counts, findings: z.array(finding) }),
      200: z.object({ version: z.number().int(), hash: z.string(), created: z.boolean(), counts, findings: z.array(finding) }),
    },
    handler: async ({ request, reply, body }) => {
      const s = await need(request);
      const r = await svc.store(body.yaml, s.principal.keyId);
      reply.code(r.created ? 201 : 200);
      return { version: r.row.version, hash: r.row.hash, created: r.created, counts: summarize(r.findings), findings: r.findings.map(findingJson) };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/console/api/registry/activate',
    operationId: 'activateConsoleRegistry',
    summary: 'Console: store (if text) and activate a registry, confirmed by the dry run the officer saw (session)',
    description: '409 CONFIRMATION_STALE when the dry run recomputed now differs from the confirmed one; 422 REGISTRY_HAS_ERRORS (nothing stored) while lint errors remain. The transparency log records the activation with the session\'s key id (or account id) as the actor.',
    tags,
    auth: WRITE,
    bodyLimit: BODY_LIMIT,
    body: z.strictObject({ yaml: yamlText.optional(), version: version.optional(), confirmation: digest }),
    response: {
      200: z.object({ version: z.number().int(), hash: z.string(), activated_at: z.string(), activated_by: z.string(), changed: z.boolean(), stale_consents: z.number().int(), counts }),
    },
    handler: async ({ request, body }) => {
      const s = await need(request);
      const c = await candidate(body);
      const actor = s.principal.keyId;
      svc.assertActivatable(c.v, c.version ?? undefined);
      const impact = registryImpact(svc.active?.model, c.v.model);
      if (impactDigest(impact) !== body.confirmation) {
        throw new CgError('CONFIRMATION_STALE', 'the change is no longer the one confirmed (the active registry or the text changed): run the dry run again and confirm what it shows', 409, [
          { code: 'CONFIRMATION_STALE', message: 'confirmation does not match the current dry run', path: 'confirmation' },
        ]);
      }
      // The candidate was parsed and linted once (above): storing and activating reuse that.
      const versionNo = c.version ?? (await svc.store(c.v, actor)).row.version;
      const r = await svc.activate(versionNo, actor, { expectActive: impact.from, validated: c.v });
      return {
        version: r.info.version,
        hash: r.info.hash,
        activated_at: r.info.activatedAt.toISOString(),
        activated_by: r.info.activatedBy,
        changed: r.changed,
        stale_consents: ctx.consents.staleConsents(0).total,
        counts: summarize(r.findings),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/registry/versions',
    operationId: 'listConsoleRegistryVersions',
    summary: 'Console: registry version history — who stored and who activated each version, when (session)',
    tags,
    auth: READ,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().min(1).optional() }),
    response: {
      200: z.object({
        active: z.number().int().nullable(),
        versions: z.array(z.object({
          version: z.number().int(), hash: z.string(), created_at: z.string(), created_by: z.string(), active: z.boolean(),
          activations: z.array(z.object({ at: z.string(), by: z.string() })),
        })),
      }),
    },
    handler: async ({ request, query }) => {
      await need(request);
      const [rows, acts] = await Promise.all([svc.list(query.limit, query.before), svc.activations(2_000)]);
      const active = svc.active?.version ?? null;
      return {
        active,
        versions: rows.map((r) => ({
          version: r.version,
          hash: r.hash,
          created_at: new Date(r.createdAt).toISOString(),
          created_by: r.createdBy,
          active: r.version === active,
          activations: acts.filter((a) => a.version === r.version).map((a) => ({ at: new Date(a.activatedAt).toISOString(), by: a.activatedBy })),
        })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/registry/versions/:version',
    operationId: 'getConsoleRegistryVersion',
    summary: 'Console: one stored registry version with its YAML source and its lint findings today (session)',
    tags,
    auth: READ,
    params: z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647) }),
    response: {
      200: z.object({ version: z.number().int(), hash: z.string(), created_at: z.string(), created_by: z.string(), active: z.boolean(), source: z.string(), counts, findings: z.array(finding) }),
    },
    handler: async ({ request, params }) => {
      await need(request);
      const r = await stored(params.version, 'version');
      const v = svc.validate(r.source);
      return {
        version: r.version,
        hash: r.hash,
        created_at: new Date(r.createdAt).toISOString(),
        created_by: r.createdBy,
        active: r.version === svc.active?.version,
        source: r.source,
        counts: summarize(v.findings),
        findings: v.findings.map(findingJson),
      };
    },
  }));
}
