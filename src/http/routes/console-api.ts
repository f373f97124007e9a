import type { FastifyInstance, FastifyRequest } from 'fastify';
import { text } from '../../core/registry/local-text.ts';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { CgError } from '../../core/errors.ts';
import { lintRegistry } from '../../core/lint/index.ts';
import { formatSarif } from '../../core/lint/format/sarif.ts';
import { lintReport, summarize } from '../../core/lint/report.ts';
import { checkConsistency } from '../../ledger/verify.ts';
import { verifyCheckpoint } from '../../ledger/checkpoint.ts';
import { parseVerifierKey } from '../../ledger/note.ts';
import { ConsoleQueries } from '../../store/console-queries.ts';
import { content, defineRoute, mount } from '../route.ts';
import { findingJson } from '../finding-json.ts';
import type { SessionStore } from '../session.ts';
import { consoleAuth, sessionWithScopes } from '../console-scopes.ts';
import { RightsRepo } from '../../store/rights-repo.ts';

/**
 * The officer console's read-only API under `/console/api`: authenticated by the console
 * session cookie (see session.ts), each endpoint needing the admin scope it would need on /v1.
 * It calls the services directly — what the pages show is what the API would answer.
 */
const DAY = 86_400_000;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function consoleApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  const queries = new ConsoleQueries(ctx.db);
  // The route's declared scopes (the ones the OpenAPI document lists), checked again on the session.
  const need = (request: FastifyRequest) => sessionWithScopes(sessions, request);
  const tags = ['console'];

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/overview',
    operationId: 'getConsoleOverview',
    summary: 'Console: active registry, its lint findings and headline counts (session)',
    tags,
    auth: consoleAuth(['registry:read']),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      await need(request);
      const active = ctx.registry.active;
      if (!active) return { registry: null, findings: [], counts: { errors: 0, warnings: 0, notes: 0 } };
      const findings = lintRegistry(active.model);
      const m = active.model;
      return {
        registry: {
          version: active.version,
          hash: active.hash,
          activated_at: active.activatedAt.toISOString(),
          operator: text(m.operator.legal_name, 'en'),
          purposes: m.purposes.size,
          declarations: m.declarations.size,
          recipients: m.parties.size,
          categories: m.categories.size,
        },
        findings: findings.map(findingJson),
        counts: summarize(findings),
        subjects: ctx.subjects.size,
        members: ctx.members.size,
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/recipients',
    operationId: 'getConsoleRecipients',
    summary: 'Console: recipients and registered members by destination country (session)',
    tags,
    auth: consoleAuth(['recipients:read']),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      await need(request);
      const model = ctx.registry.model;
      if (!model) return { countries: [] };
      const byCountry = new Map<string, { recipients: Array<{ id: string; name: string; kind: string; role: string }>; members: number; declarations: Set<string> }>();
      const at = (c: string) => {
        let e = byCountry.get(c);
        if (!e) byCountry.set(c, (e = { recipients: [], members: 0, declarations: new Set() }));
        return e;
      };
      for (const p of model.parties.values()) {
        const countries = p.kind === 'recipient' ? [p.country] : p.countries;
        for (const c of countries) at(c).recipients.push({ id: p.id, name: text(p.name, 'en'), kind: p.kind, role: p.role });
      }
      for (const d of model.declarations.values()) for (const c of model.destinationCountries(d)) at(c).declarations.add(d.id);
      for (const m of await ctx.members.list({ limit: 10_000 })) if (!m.disabledAt) at(m.country).members++;
      const home = model.operator.country;
      return {
        home,
        countries: [...byCountry]
          .map(([country, e]) => ({
            country,
            overseas_for_kr: model.isOverseas(country, 'KR'),
            overseas_for_eu: model.isOverseas(country, 'EU'),
            recipients: e.recipients,
            members: e.members,
            declarations: [...e.declarations].sort(),
          }))
          .sort((a, b) => b.recipients.length + b.members - (a.recipients.length + a.members) || a.country.localeCompare(b.country)),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/decisions',
    operationId: 'listConsoleDecisions',
    summary: 'Console: release decisions newer than a ledger index, newest first (session; poll for a live stream)',
    tags,
    auth: consoleAuth(['subjects:read']),
    query: z.object({ after: z.coerce.number().int().min(-1).default(-1), limit: z.coerce.number().int().min(1).max(200).default(50) }),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request, query }) => {
      await need(request);
      const rows = await queries.recentDecisions(query.after, query.limit);
      return {
        decisions: rows.map((r) => ({
          id: r.id,
          ledger_index: r.leaf_index,
          recipient: r.recipient,
          // A pseudonym prefix is enough to tell subjects apart on screen.
          subject: r.subject_pseudonym.slice(0, 10),
          purpose: r.purpose,
          declaration: r.declaration_id,
          allow: r.allow,
          code: r.code,
          article: r.article,
          basis: r.basis,
          at: new Date(r.decided_at).toISOString(),
        })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/stale-consents',
    operationId: 'listConsoleStaleConsents',
    summary: 'Console: active consents given to terms the active registry has changed (CONSENT_STALE at the gate), newest first (session)',
    tags,
    auth: consoleAuth(['subjects:read']),
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request, query }) => {
      await need(request);
      const r = ctx.consents.staleConsents(query.limit);
      return {
        total: r.total,
        consents: r.consents.map((c) => ({
          // A pseudonym prefix is enough to tell subjects apart on screen.
          subject: c.pseudonym?.slice(0, 10) ?? null,
          declaration: c.declarationId,
          recipient: c.scope === '' ? null : c.scope,
          event_id: c.eventId,
          notice_hash: c.noticeHash,
          at: new Date(c.at).toISOString(),
        })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/charts',
    operationId: 'getConsoleCharts',
    summary: 'Console: consents and release decisions per day, deny codes (session)',
    tags,
    auth: consoleAuth(['subjects:read']),
    query: z.object({ days: z.coerce.number().int().min(1).max(90).default(14) }),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request, query }) => {
      await need(request);
      const today = Math.floor(Date.now() / DAY) * DAY;
      const since = new Date(today - (query.days - 1) * DAY);
      const [consents, decisions, codes] = await Promise.all([queries.consentsPerDay(since), queries.decisionsPerDay(since), queries.denyCodes(since)]);
      const c = new Map(consents.map((r) => [r.day, r]));
      const d = new Map(decisions.map((r) => [r.day, r]));
      const days = Array.from({ length: query.days }, (_, i) => {
        const day = new Date(since.getTime() + i * DAY).toISOString().slice(0, 10);
        return { day, grants: c.get(day)?.a ?? 0, withdrawals: c.get(day)?.b ?? 0, allows: d.get(day)?.a ?? 0, denies: d.get(day)?.b ?? 0 };
      });
      return { days, deny_codes: codes };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/ledger',
    operationId: 'getConsoleLedger',
    summary: 'Console: transparency-log head, newest checkpoints and a monitor check (signature, consistency) (session)',
    tags,
    auth: consoleAuth(['ledger:read']),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      await need(request);
      const ledger = ctx.ledger;
      const [head, latest, keys] = await Promise.all([ledger.reader.head(), ledger.latestCheckpoint(), ledger.keys()]);
      const [prev] = await ledger.checkpoints.list({ before: latest.size, limit: 1 });
      const monitor: Array<{ check: string; ok: boolean; detail: string }> = [];
      try {
        verifyCheckpoint(latest.note, parseVerifierKey(keys.verifier));
        monitor.push({ check: 'signature', ok: true, detail: `newest checkpoint signed by ${keys.origin}` });
      } catch (e) {
        monitor.push({ check: 'signature', ok: false, detail: (e as Error).message });
      }
      if (prev) {
        const { proof } = await ledger.consistency(prev.size, latest.size);
        const v = checkConsistency(prev.size, latest.size, prev.root, latest.root, proof);
        monitor.push({ check: 'consistency', ok: v.ok, detail: v.ok ? `tree ${prev.size} is a prefix of tree ${latest.size}` : v.reason });
      }
      const ageS = Math.round((Date.now() - latest.createdAt.getTime()) / 1000);
      return {
        origin: keys.origin,
        verifier: keys.verifier,
        head_size: head.size,
        checkpoint: { size: latest.size, root: b64(latest.root), created_at: latest.createdAt.toISOString(), age_seconds: ageS, note: latest.note },
        previous: prev ? { size: prev.size, created_at: prev.createdAt.toISOString() } : null,
        behind: head.size - latest.size,
        monitor,
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/rights',
    operationId: 'listConsoleRightsRequests',
    summary: 'Console: open data-subject requests with deadlines and overdue flags (session)',
    tags,
    auth: consoleAuth(['subjects:read']),
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      await need(request);
      const list = await new RightsRepo(ctx.db).requests({ limit: 200 });
      const now = Date.now();
      return {
        available: true,
        requests: list.map((r) => ({
          id: r.id,
          type: r.type,
          subject: r.subject,
          state: r.state,
          article: r.article,
          received_at: new Date(r.receivedAt).toISOString(),
          due_date: r.deadline.dueDate,
          overdue: !['completed', 'rejected'].includes(r.state) && now >= r.deadline.dueBefore,
          extended: r.deadline.extended,
        })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/reports/:name',
    operationId: 'getConsoleReport',
    summary: 'Console: report downloads — lint findings of the active registry as JSON or SARIF (session)',
    tags,
    auth: consoleAuth(['registry:read']),
    params: z.object({ name: z.enum(['findings.json', 'findings.sarif']) }),
    response: { 200: content({ 'application/json': z.record(z.string(), z.unknown()), 'application/sarif+json': z.record(z.string(), z.unknown()) }, 'An attachment: the findings as JSON, or as SARIF 2.1.0') },
    handler: async ({ request, params, reply }) => {
      await need(request);
      const active = ctx.registry.active;
      if (!active) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet', 404);
      const findings = lintRegistry(active.model);
      const file = `registry-v${active.version}.yaml`;
      const body =
        params.name === 'findings.sarif'
          ? formatSarif(lintReport(file, active.hash, findings), { uri: file })
          : JSON.stringify({ registry: { version: active.version, hash: active.hash }, counts: summarize(findings), findings: findings.map(findingJson) }, null, 2) + '\n';
      return reply
        .type(params.name.endsWith('.sarif') ? 'application/sarif+json' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="consentgate-v${active.version}-${params.name}"`)
        .send(body);
    },
  }));
}

