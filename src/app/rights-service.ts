import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../core/canonical.ts';
import type { SubjectRecord } from '../core/consent/subject.ts';
import { CgError } from '../core/errors.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import { toCsv } from '../core/rights/csv.ts';
import type { DeadlinePolicy } from '../core/rights/deadline.ts';
import {
  applyAction,
  receiveRequest,
  type HistoryStep,
  type RightsAction,
  type RightsRequest,
  type RightsScope,
  type RightsType,
} from '../core/rights/request.ts';
import { RightsStopIndex, STOPPING_TYPES } from '../core/rights/stops.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { RightsStop } from '../core/gate/types.ts';
import type { EventStream } from '../events/stream.ts';
import { disabledEventStream } from '../events/stream.ts';
import { toRow, type OutboxMessage } from '../outbox/message.ts';
import { encodeSecret } from '../outbox/signature.ts';
import { validateWebhookUrl } from '../outbox/webhook.ts';
import type { WebhookAddressPolicy } from '../outbox/address-policy.ts';
import type { Journal } from '../store/journal.ts';
import { upsertWebhookEndpoint, webhookEndpointOf } from '../store/outbox-repo.ts';
import {
  DELETION_CONFIRMED_KIND,
  DELETION_ESCALATED_KIND,
  DELETION_REQUEST_KIND,
  RIGHTS_REQUEST_KIND,
  RightsRepo,
  writeDeletionConfirmations,
  writeDeletionEscalations,
  writeDeletionRequests,
  writeRightsRequests,
  type DeletionCause,
  type DeletionRequest,
  type DeletionState,
  type NewDeletionRequest,
  type ReleaseRecord,
} from '../store/rights-repo.ts';
import type { Database, Sql } from '../store/sql.ts';
import type { AdminAction } from './admin-actions.ts';
import { rightsNotice } from '../core/rights/notice.ts';
import { noticesOfRequest, noticesOfSubject, type StoredRightsNotice } from '../store/rights-notices-repo.ts';
import { dutiesOf, packFor } from '../core/law/packs.ts';
import { civilDateAt, formatCivil } from '../core/time/civil-date.ts';

/**
 * Data-subject rights (PIPA 35-37; GDPR 15-21) and their propagation to recipients.
 *
 * - "Who has my data": every allowed release of the subject, from the release decision records,
 *   with the ledger leaf that proves it (GET /v1/ledger/entries/{index}).
 * - Access and portability: a JSON (and CSV) export of stored items, consents, releases and requests.
 * - Requests with the statutory lifecycle and deadline (src/core/rights), each change journaled.
 * - Propagation: when a basis ends — a consent withdrawal or objection (read from the consent
 *   ledger by a restart-safe sweep), an erasure or suspension request, a retention period that ran
 *   out — every recipient that received data under it gets a deletion request: a journal record
 *   (its own ledger leaf) whose signed webhook and stream event are queued in the same
 *   transaction, and the recipient's tokens and relay numbers for the subject are revoked.
 *   Unconfirmed requests escalate after `escalateAfterMs`.
 */
export interface VaultPort {
  describe(subject: string): Promise<{ erased: boolean; items: ReadonlyArray<{ category: string }> }>;
  read(subject: string, categories: readonly string[]): Promise<Map<string, string>>;
  erase(subject: string, at: number, actor?: string): Promise<unknown>;
}

export interface ConsentPort {
  consents(subjectId: string): Promise<{ entries: ReadonlyArray<unknown>; objections: readonly string[] }>;
  history(subjectId: string, limit: number): Promise<ReadonlyArray<unknown>>;
  withdraw(
    subjectId: string,
    req: { declarationIds?: string[]; eventId?: string; channel: 'api'; evidence: Record<string, string> },
    who: { caller: 'admin' },
  ): Promise<unknown>;
}

export interface RightsServiceDeps {
  readonly db: Database;
  readonly journal: Journal;
  readonly subjects: { require(id: string): Promise<SubjectRecord> };
  readonly registry: { readonly model: RegistryModel | undefined };
  readonly members: { get(id: string): { country: string } | undefined };
  readonly vault?: VaultPort | undefined;
  readonly consents?: ConsentPort | undefined;
  readonly issuers?: { revoke(subject: string, recipientId: string | null, at: number): Promise<unknown> } | undefined;
  readonly events?: EventStream | undefined;
  /** Records each export in the transparency log: personal data never leaves without an entry. */
  readonly admin?: { record(action: AdminAction, apply: (tx: Sql, at: Date) => Promise<void>): Promise<unknown> } | undefined;
  readonly clock?: () => number;
  readonly deadlines?: DeadlinePolicy;
  /** Unconfirmed deletion requests escalate after this long (default 7 days). */
  readonly escalateAfterMs?: number;
  /** Background sweep interval (consent endings, retention, escalation); 0 = only on demand. */
  readonly sweepMs?: number;
  /** Where completed objection and suspension requests are noted for the gate (shared with its context). */
  readonly stops?: RightsStopIndex;
  /** Accept http:// webhook URLs on loopback (tests, local demo). */
  readonly allowHttpWebhooks?: boolean;
  /** Which addresses a webhook URL may name (literals are checked at registration). */
  readonly webhookPolicy?: WebhookAddressPolicy;
}

export const RIGHTS_STOPS_CHANNEL_PREFIX = 'cg_rights_stops_';
/**
 * The webhook "recipient" through which the operator's own mailer (e-mail, SMS, app push) gets
 * each notice to a subject: register it with PUT /v1/recipients/subject-notices/webhook. Without
 * one, notices are still stored and shown in the privacy centre.
 */
export const SUBJECT_NOTICE_ENDPOINT = 'subject-notices';
export const DEFAULT_ESCALATE_AFTER_MS = 7 * 86_400_000;
const CONSENT_CURSOR = 'consent_endings';
/** Stream event type per lifecycle step. */
/** What carrying out a request adds to its completion step: messages sent with it, facts for its log entry. */
interface StepEffect {
  readonly messages: readonly OutboxMessage[];
  readonly facts?: Readonly<Record<string, readonly string[]>>;
}
const NO_EFFECT: StepEffect = { messages: [] };

const EVENT_TYPE: Readonly<Record<HistoryStep['action'], string>> = {
  receive: 'rights.received',
  verify: 'rights.verified',
  start: 'rights.started',
  complete: 'rights.completed',
  reject: 'rights.rejected',
  extend: 'rights.extended',
};
const MAX_RELEASES = 10_000;

export interface RecipientHolding {
  readonly recipient: string;
  readonly country: string | null;
  readonly items: string[];
  readonly releases: ReadonlyArray<{
    decision_id: string;
    ledger_index: number;
    at: string;
    purpose: string;
    basis: string | null;
    declaration_id: string | null;
    items: ReadonlyArray<{ category: string; form: string }>;
    retention_until: string | null;
  }>;
  readonly deletion: { id: string; state: DeletionState; requested_at: string; confirmed_at: string | null } | null;
}

/** One step of a rights request as the journal writes it (`writeRightsRequests`). */
type RightsRequestRow = Parameters<typeof writeRightsRequests>[1][number]['row'];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class RightsService {
  private readonly repo: RightsRepo;
  private readonly clock: () => number;
  private readonly events: EventStream;
  private readonly escalateAfterMs: number;
  private readonly queues = new Map<string, Promise<unknown>>();
  private sweeping: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Completed objection and suspension requests: the gate's `rightsStops` (SUBJECT_OBJECTED). */
  private readonly stops: RightsStopIndex;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: RightsServiceDeps) {
    this.repo = new RightsRepo(deps.db);
    this.stops = deps.stops ?? new RightsStopIndex();
    this.clock = deps.clock ?? Date.now;
    this.events = deps.events ?? disabledEventStream;
    this.escalateAfterMs = deps.escalateAfterMs ?? DEFAULT_ESCALATE_AFTER_MS;
    deps.journal.register<RightsRequestRow>(RIGHTS_REQUEST_KIND, async (tx, rows) => {
      await writeRightsRequests(tx, rows);
      // Other servers' gates hear of a completed stop from the transaction that stores it.
      const stop = rows.find(({ row }) => STOPPING_TYPES.has(row.request.type) && row.request.state === 'completed');
      if (stop) await notifyOnCommit(tx, RIGHTS_STOPS_CHANNEL_PREFIX, stop.row.request.id);
    });
    deps.journal.register(DELETION_REQUEST_KIND, writeDeletionRequests);
    deps.journal.register(DELETION_CONFIRMED_KIND, writeDeletionConfirmations);
    deps.journal.register(DELETION_ESCALATED_KIND, writeDeletionEscalations);
  }

  async start(): Promise<void> {
    // Other servers' completions arrive by NOTIFY; this server's are noted as they are recorded.
    // After a lost LISTEN session, the same full re-read catches up what was notified meanwhile.
    const load = () => void this.loadStops().catch(() => {});
    this.unlisten = await this.deps.db.listen(RIGHTS_STOPS_CHANNEL_PREFIX + this.deps.db.schema, load, load);
    await this.loadStops();
    if (!this.deps.sweepMs) return;
    this.timer = setInterval(() => void this.sweep().catch(() => {}), this.deps.sweepMs);
    this.timer.unref();
  }

  /**
   * The gate's lookup: the completed objection or processing-suspension request (PIPA 37; GDPR 21,
   * 18) that covers a release of `subject` under `declarationId` for `purposeId`. Synchronous.
   */
  stopFor(subject: string, declarationId: string, purposeId: string): RightsStop | undefined {
    return this.stops.find(subject, declarationId, purposeId);
  }

  private async loadStops(): Promise<void> {
    for (const r of await this.repo.completedOfTypes([...STOPPING_TYPES])) this.stops.note(r);
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    if (this.timer) clearInterval(this.timer);
    await this.sweeping.catch(() => {});
  }

  // ── requests ──────────────────────────────────────────────────────────────────────

  async receive(subjectId: string, input: { type: RightsType; scope?: Partial<RightsScope> }, actor: string): Promise<RightsRequest> {
    const subject = await this.deps.subjects.require(subjectId);
    const at = this.clock();
    const req = receiveRequest(
      { id: 'rr_' + randomBytes(12).toString('base64url'), type: input.type, subject: subject.id, jurisdiction: subject.jurisdiction, scope: input.scope ?? {}, receivedAt: at, actor },
      this.deps.deadlines,
    );
    await this.record(req, subject, at);
    return req;
  }

  /**
   * Applies an action. `complete` first carries out the request's effect (withdrawal, erasure,
   * suspension or objection propagated to recipients) and records completion only once it
   * succeeded; effects are idempotent, so completing again after a failure is safe.
   */
  act(requestId: string, action: RightsAction, actor: string): Promise<RightsRequest> {
    return this.serialised(requestId, async () => {
      const current = await this.get(requestId);
      const at = Math.max(this.clock(), current.history.at(-1)?.at ?? 0);
      const next = applyAction(current, action, at, actor, this.deps.deadlines);
      const subject = await this.deps.subjects.require(current.subject);
      const effect = action.kind === 'complete' ? await this.carryOut(next, subject, actor, at) : NO_EFFECT;
      await this.record(next, subject, at, effect);
      return next;
    });
  }

  async get(requestId: string): Promise<RightsRequest> {
    const r = await this.repo.request(requestId);
    if (!r) throw new CgError('RIGHTS_REQUEST_NOT_FOUND', 'no such rights request', 404);
    return r;
  }

  async requestsOf(subjectId: string, limit = 100): Promise<RightsRequest[]> {
    const subject = await this.deps.subjects.require(subjectId);
    return this.repo.requestsOf(subject.id, limit);
  }

  overdue(limit = 500): Promise<RightsRequest[]> {
    return this.repo.overdue(this.clock(), limit);
  }

  // ── who has my data, export ───────────────────────────────────────────────────────

  async holdings(subjectId: string): Promise<RecipientHolding[]> {
    const subject = await this.deps.subjects.require(subjectId);
    const releases = await this.repo.releasesOf(subject.pseudonym, MAX_RELEASES);
    const deletions = await this.repo.deletions({ subject: subject.id, limit: MAX_RELEASES });
    const byRecipient = byRecipientOf(releases);
    return [...byRecipient].sort(([a], [b]) => a.localeCompare(b)).map(([recipient, list]) => {
      const latestDeletion = deletions.find((d) => d.recipientId === recipient);
      return {
        recipient,
        country: this.countryOf(recipient),
        items: categoriesOf(list),
        releases: list.map((r) => ({
          decision_id: r.decisionId,
          ledger_index: r.leafIndex,
          at: new Date(r.at).toISOString(),
          purpose: r.purpose,
          basis: r.basis,
          declaration_id: r.declarationId,
          items: r.items,
          retention_until: iso(r.retentionUntil),
        })),
        deletion: latestDeletion
          ? { id: latestDeletion.id, state: latestDeletion.state, requested_at: new Date(latestDeletion.createdAt).toISOString(), confirmed_at: iso(latestDeletion.confirmedAt) }
          : null,
      };
    });
  }

  /** Access (PIPA 35; GDPR 15) and portability (PIPA 35-2; GDPR 20): everything, machine-readable. */
  async exportJson(subjectId: string, actor = 'subject'): Promise<Record<string, unknown>> {
    const subject = await this.deps.subjects.require(subjectId);
    const stored = this.deps.vault ? await this.deps.vault.describe(subject.id) : { erased: false, items: [] };
    const values = this.deps.vault && !stored.erased ? await this.deps.vault.read(subject.id, stored.items.map((i) => i.category)) : new Map<string, string>();
    // Like every release, an export of stored values is in the log before it is answered.
    await this.deps.admin?.record({ action: 'subject.export', actor, target: subject.pseudonym, facts: { items: [...values.keys()].sort() } }, async () => {});
    const consents = this.deps.consents ? await this.deps.consents.consents(subject.id) : { entries: [], objections: [] };
    const history = this.deps.consents ? await this.deps.consents.history(subject.id, 1000) : [];
    return {
      format: 'consentgate.export/1',
      generated_at: new Date(this.clock()).toISOString(),
      controller: this.deps.registry.model?.operator.legal_name ?? null,
      subject: { id: subject.id, jurisdiction: subject.jurisdiction, pseudonym: subject.pseudonym, erased: stored.erased },
      items: Object.fromEntries([...values].sort(([a], [b]) => a.localeCompare(b))),
      consents: consents.entries,
      objections: consents.objections,
      consent_history: history,
      recipients: await this.holdings(subject.id),
      requests: await this.repo.requestsOf(subject.id, 1000),
    };
  }

  /** The export as one CSV table: record type, key, value and context columns. */
  async exportCsv(subjectId: string, actor = 'subject'): Promise<string> {
    const x = await this.exportJson(subjectId, actor);
    const rows: unknown[][] = [];
    for (const [category, value] of Object.entries(x.items as Record<string, string>)) rows.push(['item', category, value, '', '', '', '', '', '']);
    for (const e of x.consents as Array<Record<string, unknown>>) {
      rows.push(['consent', e.declarationId, (e.status as { state?: string } | undefined)?.state ?? e.action, e.purposeId, 'consent', '', '', iso(Number(e.at)) ?? '', e.leafIndex ?? '']);
    }
    for (const h of x.recipients as RecipientHolding[]) {
      for (const r of h.releases) {
        rows.push(['release', r.decision_id, r.items.map((i) => `${i.category}:${i.form}`).join(';'), r.purpose, r.basis, h.recipient, h.country ?? '', r.at, r.ledger_index]);
      }
    }
    for (const r of x.requests as RightsRequest[]) {
      rows.push(['request', r.id, r.state, r.type, r.article, '', '', new Date(r.receivedAt).toISOString(), '']);
    }
    return toCsv(['record', 'key', 'value', 'purpose', 'basis', 'recipient', 'country', 'at', 'ledger_index'], rows);
  }

  // ── recipients ────────────────────────────────────────────────────────────────────

  /** Registers (or replaces) a recipient's webhook; returns the signing secret, shown once. */
  async registerWebhook(recipientId: string, url: string): Promise<{ id: string; recipient: string; url: string; secret: string }> {
    if (recipientId !== SUBJECT_NOTICE_ENDPOINT && !this.isKnownRecipient(recipientId)) {
      throw new CgError('UNKNOWN_RECIPIENT', `no recipient "${recipientId}" in the registry or among registered members`, 404);
    }
    const clean = validateWebhookUrl(url, this.deps.allowHttpWebhooks ?? false, this.deps.webhookPolicy);
    const secret = new Uint8Array(randomBytes(32));
    const id = 'we_' + randomBytes(12).toString('base64url');
    await upsertWebhookEndpoint(this.deps.db, { id, recipientId, url: clean, secret }, this.clock());
    return { id, recipient: recipientId, url: clean, secret: encodeSecret(secret) };
  }

  /**
   * A recipient confirms it deleted the data. Only the recipient the request was sent to may; any
   * other caller gets the same 404 as for an unknown id. Confirming twice changes nothing.
   */
  async confirmDeletion(id: string, recipientId: string, actor: string): Promise<DeletionRequest> {
    const d = await this.repo.deletion(id);
    if (!d || d.recipientId !== recipientId) throw new CgError('DELETION_REQUEST_NOT_FOUND', 'no such deletion request', 404);
    if (d.state === 'confirmed') return d;
    const at = this.clock();
    const outbox = this.events
      .messages({ id: `evt_conf_${d.id}`, type: 'deletion.confirmed', at, data: { deletion_request: d.id, recipient: d.recipientId } })
      .map(toRow);
    await this.deps.journal.append(DELETION_CONFIRMED_KIND, { id, at, by: actor, outbox }, { type: 'deletion_confirmed', deletion_request: id, recipient: recipientId, at: iso(at) });
    return (await this.repo.deletion(id))!;
  }

  deletions(filter: { recipientId?: string; subject?: string; state?: DeletionState; limit?: number }): Promise<DeletionRequest[]> {
    return this.repo.deletions({ ...filter, limit: filter.limit ?? 500 });
  }

  // ── sweeps ────────────────────────────────────────────────────────────────────────

  /** One background round: consent endings, retention ends, escalations. Serialised. */
  sweep(): Promise<void> {
    const next = this.sweeping.then(async () => {
      await this.propagateConsentEndings();
      await this.propagateRetentionEnds();
      await this.escalateDue();
    });
    this.sweeping = next.catch(() => {});
    return next;
  }

  /** Reads withdrawals and objections from the consent ledger past the durable cursor. */
  private async propagateConsentEndings(): Promise<void> {
    for (;;) {
      const from = await this.repo.cursor(CONSENT_CURSOR);
      const { events, through } = await this.repo.consentEndingsAfter(from, 500);
      if (through === from) return;
      for (const e of events) {
        const subject = await this.deps.subjects.require(e.subjectId).catch(() => undefined);
        if (!subject) continue;
        // Withdrawal ends only what consent carried; an objection ends the purpose whatever the basis.
        const covered = await this.releasesWhere(subject, (r) =>
          r.at <= e.at &&
          (e.action === 'withdraw'
            ? r.basis === 'consent' && r.declarationId === e.declarationId && (e.recipientId === null || r.recipient === e.recipientId)
            : r.purpose === e.purposeId),
        );
        const cause = e.action === 'withdraw' ? 'withdrawal' : 'objection';
        await this.propagate(subject, { cause, causeRef: `consent:${e.eventId}`, rightsRequest: e.rightsRequest }, covered);
      }
      await this.repo.advanceCursor(CONSENT_CURSOR, through);
    }
  }

  /** PIPA 21: each release whose retention ran out becomes a deletion request to its recipient. */
  private async propagateRetentionEnds(): Promise<void> {
    for (;;) {
      const ended = await this.repo.retentionEnded(this.clock(), 200);
      for (const r of ended) {
        const subject = await this.deps.subjects.require(r.subject);
        await this.propagate(subject, { cause: 'retention_end', causeRef: `retention:${r.decisionId}`, rightsRequest: null }, [r]);
      }
      // Each round requests every release it read, so the next one reads new rows or none.
      if (ended.length < 200) return;
    }
  }

  /** Marks unconfirmed deletion requests past their escalation time; each escalation is logged. */
  async escalateDue(): Promise<number> {
    const due = await this.repo.dueForEscalation(this.clock(), 1000);
    const at = this.clock();
    await Promise.all(
      due.map((d) =>
        this.deps.journal.append(
          DELETION_ESCALATED_KIND,
          { id: d.id, at, outbox: this.events.messages({ id: `evt_esc_${d.id}`, type: 'deletion.escalated', at, data: { deletion_request: d.id, recipient: d.recipientId } }).map(toRow) },
          { type: 'deletion_escalated', deletion_request: d.id, recipient: d.recipientId, at: iso(at) },
        ),
      ),
    );
    return due.length;
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  /** The effect of completing a request. Idempotent: deletion ids derive from the request id. */
  private async carryOut(req: RightsRequest, subject: SubjectRecord, actor: string, at: number): Promise<StepEffect> {
    const inScope = (r: ReleaseRecord) =>
      (req.scope.declarations.length === 0 || (r.declarationId !== null && req.scope.declarations.includes(r.declarationId))) &&
      (req.scope.purposes.length === 0 || req.scope.purposes.includes(r.purpose));
    switch (req.type) {
      case 'withdrawal': {
        if (!this.deps.consents) throw new CgError('RIGHTS_EFFECT_UNAVAILABLE', 'the consent ledger is not configured', 503);
        await this.deps.consents.withdraw(
          subject.id,
          {
            ...(req.scope.declarations.length > 0 ? { declarationIds: [...req.scope.declarations] } : {}),
            // A retried completion replays the same withdrawal instead of writing a second one.
            eventId: `${req.id}.withdraw`,
            channel: 'api',
            evidence: { rights_request: req.id },
          },
          { caller: 'admin' },
        ).catch((e: unknown) => {
          // Nothing left to withdraw is a completed withdrawal.
          if ((e as CgError).code !== 'NO_CONSENT_TO_WITHDRAW') throw e;
        });
        await this.sweep(); // the withdrawal events propagate now, not at the next tick
        return NO_EFFECT;
      }
      case 'objection':
      case 'suspension':
      case 'erasure': {
        const covered = await this.releasesWhere(subject, req.type === 'erasure' ? () => true : inScope);
        await this.propagate(subject, { cause: req.type, causeRef: `rr:${req.id}`, rightsRequest: req.id }, covered);
        if (req.type === 'erasure') {
          if (!this.deps.vault) throw new CgError('RIGHTS_EFFECT_UNAVAILABLE', 'the vault is not configured', 503);
          await this.deps.vault.erase(subject.id, at, actor);
        }
        return NO_EFFECT;
      }
      case 'correction':
        return this.rectificationNotices(req, subject, await this.releasesWhere(subject, inScope), at);
      default:
        return NO_EFFECT; // access and portability are answered with the export
    }
  }

  /**
   * GDPR 19 (and PIPA 36 read for the customer): a completed correction is communicated to every
   * recipient that received the subject's data in its scope, so that it fetches the corrected
   * values again (a new release for its order). One webhook message per recipient that has an
   * endpoint, plus the event stream; the step's log entry names the recipients. They commit with
   * the completion step (same journal record), so a retried completion sends nothing twice.
   */
  private async rectificationNotices(req: RightsRequest, subject: SubjectRecord, releases: readonly ReleaseRecord[], at: number): Promise<StepEffect> {
    const byRecipient = byRecipientOf(releases);
    // The law pack says whether telling them is due (EU.RECTIFICATION_RECIPIENTS, KR.RECTIFICATION_RECIPIENTS).
    const pack = packFor(subject.jurisdiction);
    const due = dutiesOf(pack.duties.rectification, { on: formatCivil(civilDateAt(at, pack.timeZone)), recipients: byRecipient.size }).filter((v) => v.ok);
    if (due.length === 0) return NO_EFFECT;
    const messages: OutboxMessage[] = [];
    for (const [recipient, list] of byRecipient) {
      const id = 'rect_' + sha256Hex(`${req.id}|${recipient}`).slice(0, 32);
      const items = categoriesOf(list);
      const data = {
        rectification: id,
        rights_request: req.id,
        subject: subject.pseudonym,
        items,
        releases: list.map((r) => ({ decision_id: r.decisionId, order_ref: r.orderRef, released_at: new Date(r.at).toISOString() })),
        refetch: 'POST /v1/releases with the same order_ref returns the corrected values',
      };
      const endpoint = await webhookEndpointOf(this.deps.db, recipient);
      if (endpoint) messages.push({ id, kind: 'webhook', destination: endpoint.id, topic: 'rectification.notified', data, at });
      messages.push(...this.events.messages({ id: `evt_${id}`, type: 'rectification.notified', at, data: { rectification: id, recipient, rights_request: req.id, subject: subject.pseudonym, items } }));
    }
    return { messages, facts: { recipients_notified: [...byRecipient.keys()].sort(), duty: due.map((v) => v.rule) } };
  }

  /** The subject's releases that `covers` selects. */
  private async releasesWhere(subject: SubjectRecord, covers: (r: ReleaseRecord) => boolean): Promise<ReleaseRecord[]> {
    return (await this.repo.releasesOf(subject.pseudonym, MAX_RELEASES)).filter(covers);
  }

  /**
   * Sends a deletion request to every recipient of `releases`, once per (cause, recipient), and
   * revokes that recipient's tokens and relay numbers for the subject.
   */
  private async propagate(
    subject: SubjectRecord,
    spec: { cause: DeletionCause; causeRef: string; rightsRequest: string | null },
    releases: readonly ReleaseRecord[],
  ): Promise<DeletionRequest[]> {
    const byRecipient = byRecipientOf(releases);
    const idOf = (recipient: string) => 'del_' + sha256Hex(`${spec.causeRef}|${recipient}`).slice(0, 32);
    const existing = await this.repo.existingDeletions([...byRecipient.keys()].map(idOf));
    const now = this.clock();
    const created = await Promise.all(
      [...byRecipient]
        .filter(([recipient]) => !existing.has(idOf(recipient)))
        .map(async ([recipient, list]) => {
          const id = idOf(recipient);
          const items = categoriesOf(list);
          const declarations = [...new Set(list.map((r) => r.declarationId).filter((d): d is string => d !== null))].sort();
          const payload = {
            deletion_request: id,
            cause: spec.cause,
            subject: subject.pseudonym,
            items,
            declarations,
            releases: list.map((r) => ({ decision_id: r.decisionId, order_ref: r.orderRef, released_at: new Date(r.at).toISOString(), items: r.items.map((i) => i.category) })),
            confirm: `POST /v1/recipients/deletions/${id}/confirm`,
          };
          const endpoint = await webhookEndpointOf(this.deps.db, recipient);
          const messages: OutboxMessage[] = [
            ...(endpoint ? [{ id, kind: 'webhook' as const, destination: endpoint.id, topic: 'deletion.requested', data: payload, at: now }] : []),
            ...this.events.messages({ id: `evt_${id}`, type: 'deletion.requested', at: now, data: { deletion_request: id, recipient, cause: spec.cause, subject: subject.pseudonym, items } }),
          ];
          const row: NewDeletionRequest = {
            id,
            recipientId: recipient,
            subject: subject.id,
            cause: spec.cause,
            causeRef: spec.causeRef,
            rightsRequest: spec.rightsRequest,
            decisions: list.map((r) => r.decisionId),
            declarations,
            items,
            outboxId: endpoint ? id : null,
            createdAt: now,
            escalateAt: now + this.escalateAfterMs,
            outbox: messages.map(toRow),
          };
          const { leafIndex } = await this.deps.journal.append(DELETION_REQUEST_KIND, row, {
            type: 'deletion_request',
            id,
            recipient,
            subject: subject.pseudonym,
            cause: spec.cause,
            rights_request: spec.rightsRequest,
            decisions: row.decisions,
            items,
            at: new Date(now).toISOString(),
          });
          await this.deps.issuers?.revoke(subject.id, recipient, now);
          return { ...row, state: 'requested' as const, escalatedAt: null, confirmedAt: null, confirmedBy: null, leafIndex };
        }),
    );
    return created.map(({ outbox: _outbox, ...d }) => d);
  }

  private async record(req: RightsRequest, subject: SubjectRecord, at: number, effect: StepEffect = NO_EFFECT): Promise<void> {
    const step = req.history.at(-1)!;
    const notice = await this.noticeFor(req, subject, at);
    const outbox = [
      ...this.events.messages({
        id: `evt_${req.id}_${req.history.length}`,
        type: EVENT_TYPE[step.action],
        at,
        data: { request: req.id, type: req.type, subject: subject.pseudonym, state: req.state, due_date: req.deadline.dueDate },
      }),
      ...notice.messages,
      ...effect.messages,
    ].map(toRow);
    // The log names who acted and on what ground — never the evidence reference or a reason's text.
    await this.deps.journal.append(
      RIGHTS_REQUEST_KIND,
      { request: req, at, outbox, notice: notice.stored },
      {
        type: 'rights_request',
        id: req.id,
        request_type: req.type,
        subject: subject.pseudonym,
        action: step.action,
        actor: step.actor,
        state: req.state,
        due_date: req.deadline.dueDate,
        article: req.article,
        ...(step.evidence ? { evidence_method: step.evidence.method } : {}),
        ...(step.article ? { ground: step.article } : {}),
        notice: notice.stored.id,
        ...effect.facts,
        at: new Date(at).toISOString(),
      },
    );
    // Durable: from now on the gate refuses what a completed objection or suspension covers
    // (other servers were notified by the batch's commit itself).
    if (STOPPING_TYPES.has(req.type) && req.state === 'completed') this.stops.note(req);
  }

  /**
   * The subject's notice of this step (core/rights/notice.ts): stored with the step and, when the
   * operator registered a subject-notice webhook, queued for its mailer in the same transaction.
   */
  private async noticeFor(req: RightsRequest, subject: SubjectRecord, at: number): Promise<{ stored: StoredRightsNotice; messages: OutboxMessage[] }> {
    const n = rightsNotice(req, this.deps.registry.model?.operator.legal_name ?? '');
    const id = `rn_${req.id.slice(3)}_${req.history.length}`;
    const endpoint = subject.erasedAt === null ? await webhookEndpointOf(this.deps.db, SUBJECT_NOTICE_ENDPOINT) : undefined;
    const step = req.history.at(-1)!;
    const stored: StoredRightsNotice = { id, requestId: req.id, subject: subject.id, action: step.action, lang: n.lang, title: n.title, body: n.text, outboxId: endpoint ? id : null, createdAt: at };
    const messages: OutboxMessage[] = endpoint
      ? [{ id, kind: 'webhook', destination: endpoint.id, topic: 'rights.notice', at, data: { notice: id, request: req.id, subject: subject.id, state: req.state, lang: n.lang, title: n.title, text: n.text } }]
      : [];
    return { stored, messages };
  }

  /** The notices of one request, oldest first (console), or of one subject, newest first (privacy centre). */
  noticesOfRequest(requestId: string): Promise<StoredRightsNotice[]> {
    return noticesOfRequest(this.deps.db, requestId);
  }

  async noticesOf(subjectId: string, limit = 100): Promise<StoredRightsNotice[]> {
    const subject = await this.deps.subjects.require(subjectId);
    return noticesOfSubject(this.deps.db, subject.id, limit);
  }

  private countryOf(recipient: string): string | null {
    const member = this.deps.members.get(recipient);
    if (member) return member.country;
    const party = this.deps.registry.model?.parties.get(recipient);
    return party && party.kind === 'recipient' ? party.country : null;
  }

  private isKnownRecipient(id: string): boolean {
    return this.deps.members.get(id) !== undefined || this.deps.registry.model?.parties.get(id)?.kind === 'recipient';
  }

  private serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }
}

/** Releases grouped by the recipient that received them, in release order. */
function byRecipientOf(releases: readonly ReleaseRecord[]): Map<string, ReleaseRecord[]> {
  const out = new Map<string, ReleaseRecord[]>();
  for (const r of releases) {
    const list = out.get(r.recipient);
    if (list) list.push(r);
    else out.set(r.recipient, [r]);
  }
  return out;
}

/** The categories a set of releases carried, sorted, each once. */
const categoriesOf = (releases: readonly ReleaseRecord[]): string[] => [...new Set(releases.flatMap((r) => r.items.map((i) => i.category)))].sort();
