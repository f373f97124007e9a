import { parseChoice } from '../../core/consent/choice.ts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { RegistryModel } from '../../core/registry/model.ts';
import { bilingual } from '../../core/registry/local-text.ts';
import type { DeletionRequest } from '../../store/rights-repo.ts';
import { content, defineRoute, mount } from '../route.ts';
import type { SessionStore } from '../session.ts';

/**
 * The customer privacy centre's API under `/privacy/api`: authenticated by the privacy-centre
 * session (a subject key), always about the signed-in subject only — no endpoint takes a
 * subject id, so there is none to swap.
 */
const text = z.object({ ko: z.string(), en: z.string() });
/** A choice id: a declaration, or `<declaration>:transfer` (the separate overseas-transfer consent). */
const id = z.string().min(1).max(73).regex(/^[a-z0-9][a-z0-9_.-]{0,63}(:transfer)?$/);

export function privacyApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  const tags = ['privacy-centre'];
  const auth = { kind: 'session', session: 'privacy' } as const;
  const subjectOf = async (request: Parameters<SessionStore['require']>[0]) => (await sessions.require(request)).principal.id;

  mount(app, defineRoute({
    method: 'GET',
    url: '/privacy/api/consents',
    operationId: 'listMyConsents',
    summary: 'Privacy centre: every consent of the signed-in customer, with what it covers (session)',
    tags,
    auth,
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      const subjectId = await subjectOf(request);
      const { subject, entries, objections } = await ctx.consents.consents(subjectId);
      const model = ctx.registry.model;
      // A consent scoped to one seller shows the seller's name, never its id.
      const scopes = new Map<string, Bilingual>();
      for (const e of entries) if (e.scope && !scopes.has(e.scope)) scopes.set(e.scope, await memberName(ctx, model, e.scope));
      return {
        subject: { id: subject.id, jurisdiction: subject.jurisdiction, erased: subject.erasedAt !== null },
        controller: model
          ? { name: bilingual(model.operator.legal_name), officer: { ...model.operator.privacy_officer, name: bilingual(model.operator.privacy_officer.name) } }
          : null,
        consents: entries
          .map((e) => ({
            declaration_id: e.declarationId,
            // Provision or the separate transfer abroad (PIPA 22(1), 28-8(1)1): shown and withdrawn apart.
            choice: e.choice,
            recipient_scope: e.scope || null,
            recipient_scope_name: e.scope ? (scopes.get(e.scope) ?? null) : null,
            state: e.status.state,
            // Given to terms the registry has since changed: the centre asks the customer again.
            stale: e.stale,
            action: e.action,
            at: new Date(e.at).toISOString(),
            expires_at: e.expiresAt ? new Date(e.expiresAt).toISOString() : null,
            required: e.required,
            ledger_index: e.leafIndex,
            ...describe(model, e.declarationId, e.purposeId, e.items, subject.jurisdiction),
          }))
          .sort((a, b) => Number(a.required ?? false) - Number(b.required ?? false) || a.declaration_id.localeCompare(b.declaration_id)),
        objections,
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/privacy/api/consents/withdraw',
    operationId: 'withdrawMyConsent',
    summary: 'Privacy centre: withdraw one consent in one click (session + x-csrf-token)',
    tags,
    auth,
    body: z.strictObject({ declarationId: id, recipientId: z.string().min(1).max(64).optional() }),
    bodyLimit: 4 * 1024,
    response: { 200: z.object({ receipt: z.record(z.string(), z.unknown()) }) },
    handler: async ({ request, body }) => {
      const subjectId = await subjectOf(request);
      const r = await ctx.consents.withdraw(
        subjectId,
        { declarationIds: [body.declarationId], ...(body.recipientId ? { recipientId: body.recipientId } : {}), channel: 'web', evidence: { ui: 'privacy-centre' } },
        { caller: 'subject' },
      );
      return { receipt: r.receipt as unknown as Record<string, unknown> };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/privacy/api/releases',
    operationId: 'listMyReleases',
    summary: 'Privacy centre: who has my data — every allowed release, with its ledger index (session)',
    tags,
    auth,
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      const subjectId = await subjectOf(request);
      const model = ctx.registry.model;
      const holdings = await ctx.rights.holdings(subjectId);
      const names = await recipientNames(ctx, model, holdings.map((h) => h.recipient));
      // Labels from the registry for every id the page shows: categories, purposes.
      const category = (c: string) => label(model?.categories.get(c)?.labels, c);
      return {
        source: 'rights',
        recipients: holdings.map((h) => ({
          ...h,
          name: names.get(h.recipient)!,
          item_labels: h.items.map(category),
          releases: h.releases.map((x) => ({
            ...x,
            purpose_label: label(model?.purposes.get(x.purpose)?.labels, x.purpose),
            items: x.items.map((i) => ({ ...i, label: category(i.category) })),
          })),
        })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/privacy/api/export',
    operationId: 'exportMyData',
    summary: 'Privacy centre: download everything held about me as JSON (session)',
    tags,
    auth,
    response: { 200: content({ 'application/json': z.record(z.string(), z.unknown()) }, 'An attachment: everything held about the signed-in subject') },
    handler: async ({ request, reply }) => {
      const subjectId = await subjectOf(request);
      const body = await ctx.rights.exportJson(subjectId, request.principal?.keyId ?? 'subject');
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', 'attachment; filename="my-data-consentgate.json"')
        .send(JSON.stringify(body, null, 2) + '\n');
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/privacy/api/requests',
    operationId: 'listMyRightsRequests',
    summary: 'Privacy centre: my rights requests and their status (session)',
    tags,
    auth,
    response: { 200: z.record(z.string(), z.unknown()) },
    handler: async ({ request }) => {
      const subjectId = await subjectOf(request);
      const now = Date.now();
      const requests = await ctx.rights.requestsOf(subjectId, 50);
      // Each recipient's deletion request and its confirmation, on the erasure request that caused it.
      const deletions = await ctx.rights.deletions({ subject: subjectId, limit: 500 });
      const names = await recipientNames(ctx, ctx.registry.model, deletions.map((d) => d.recipientId));
      return {
        available: true,
        requests: requests.map((r) => ({ ...requestView(r, now), deletions: deletionsOf((d) => d.rightsRequest === r.id, deletions, names) })),
        // A withdrawn consent ends the basis too: the recipients that had the data are asked to delete it.
        withdrawal_deletions: deletionsOf((d) => d.cause === 'withdrawal' && d.rightsRequest === null, deletions, names),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/privacy/api/requests',
    operationId: 'createMyRightsRequest',
    summary: 'Privacy centre: request erasure (or access, suspension) of my data (session + x-csrf-token)',
    tags,
    auth,
    body: z.strictObject({ type: z.enum(['erasure', 'access', 'suspension']) }),
    bodyLimit: 1024,
    response: { 201: z.record(z.string(), z.unknown()) },
    handler: async ({ request, body }) => {
      const s = await sessions.require(request);
      const r = await ctx.rights.receive(s.principal.id, { type: body.type }, s.principal.keyId);
      return requestView(r, Date.now());
    },
  }));
}

function requestView(r: { id: string; type: string; state: string; article: string; receivedAt: number; deadline: { dueDate: string; dueBefore: number }; history: ReadonlyArray<unknown> }, now: number) {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    article: r.article,
    received_at: new Date(r.receivedAt).toISOString(),
    due_date: r.deadline.dueDate,
    overdue: !['completed', 'rejected'].includes(r.state) && now >= r.deadline.dueBefore,
    history: r.history,
  };
}

type Bilingual = { ko: string; en: string };

/** A class member by its registered trade name, with the class it belongs to (in both languages). */
async function memberName(ctx: AppContext, model: RegistryModel | undefined, id: string): Promise<Bilingual> {
  const m = ctx.members.get(id) ? await ctx.members.find(id) : undefined;
  if (!m) return { ko: id, en: id };
  const cls = model?.parties.get(m.classId);
  if (!cls) return { ko: m.name, en: m.name };
  const c = bilingual(cls.name);
  return { ko: `${m.name} — ${c.ko}`, en: `${m.name} — ${c.en}` };
}

/** Names of recipients (registry parties or class members), both languages. */
async function recipientNames(ctx: AppContext, model: RegistryModel | undefined, ids: readonly string[]): Promise<Map<string, Bilingual>> {
  const out = new Map<string, Bilingual>();
  for (const id of new Set(ids)) {
    const party = model?.parties.get(id);
    out.set(id, party ? bilingual(party.name) : await memberName(ctx, model, id));
  }
  return out;
}

/** Deletion requests sent to recipients (for one rights request, or for withdrawn consents), with their confirmations. */
function deletionsOf(which: (d: DeletionRequest) => boolean, all: readonly DeletionRequest[], names: ReadonlyMap<string, Bilingual>) {
  return all
    .filter(which)
    .map((d) => ({
      recipient: { id: d.recipientId, name: names.get(d.recipientId) ?? { ko: d.recipientId, en: d.recipientId } },
      state: d.state,
      requested_at: new Date(d.createdAt).toISOString(),
      confirmed_at: d.confirmedAt === null ? null : new Date(d.confirmedAt).toISOString(),
    }));
}

const label = (t: { ko: string; en: string } | undefined, fallback: string): Bilingual => (t ? { ko: t.ko, en: t.en } : { ko: fallback, en: fallback });

/** Labels for one consent entry from the active registry; ids alone when it no longer declares it. */
function describe(model: RegistryModel | undefined, choiceId: string, purposeId: string, items: readonly string[], jurisdiction: 'KR' | 'EU') {
  const d = model?.declarations.get(parseChoice(choiceId).declarationId);
  const p = model?.purposes.get(purposeId);
  const party = d ? model?.parties.get(d.recipient) : undefined;
  const countries = d && model ? [...model.destinationCountries(d)] : [];
  const label = (t: { ko: string; en: string } | undefined, fallback: string): z.infer<typeof text> => (t ? { ko: t.ko, en: t.en } : { ko: fallback, en: fallback });
  return {
    purpose: label(p?.labels, purposeId),
    recipient: party ? { id: party.id, name: bilingual(party.name), kind: party.kind } : null,
    countries,
    overseas: model ? countries.some((c) => model.isOverseas(c, jurisdiction)) : false,
    items: items.map((c) => ({ id: c, label: label(model?.categories.get(c)?.labels, c) })),
  };
}
