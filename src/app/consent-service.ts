import { randomUUID } from 'node:crypto';
import { noticeText } from '../core/registry/local-text.ts';
import { compactJson } from '../core/consent/receipt-parts.ts';
import { ledgerEntry, type ConsentActor, type ConsentEvent } from '../core/consent/events.ts';
import type { ConsentLookup, ConsentStatus } from '../core/consent/lookup.ts';
import { planGrant, planWithdraw, type PlannedEvent } from '../core/consent/plan.ts';
import { ConsentProjection, type StateRow } from '../core/consent/projection.ts';
import type { GateRecords } from '../core/gate/gate-records.ts';
import {
  RECEIPT_SCHEMA,
  RECEIPT_VERSION,
  receiptConsent,
  shareReceiptPart,
  signReceiptAsync,
  type SignedReceipt,
  type UnsignedReceipt,
} from '../core/consent/receipt.ts';
import type { GrantRequest, WithdrawRequest } from '../core/consent/request.ts';
import type { SubjectRecord } from '../core/consent/subject.ts';
import type { PublicKeyInfo } from '../core/crypto/ed25519.ts';
import { CgError } from '../core/errors.ts';
import { parseChoice } from '../core/consent/choice.ts';
import { buildNotices, nameMember, noticeDeclarations, noticeVersion } from '../core/notice/build.ts';
import { termsOf } from '../core/gate/gate-index.ts';
import { WITHDRAWAL_SHORT } from '../core/notice/text.ts';
import type { NoticeDeclaration, NoticeVersion } from '../core/notice/types.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import { ReceiptKeysRepo } from '../store/consent-keys-repo.ts';
import { NOTICE_KIND, NoticesRepo, noticeBatchWriter } from '../store/consent-notices-repo.ts';
import { CONSENT_CHANNEL_PREFIX, CONSENT_KIND, ConsentRepo, consentBatchWriter, type ConsentBatchRow } from '../store/consent-repo.ts';
import type { Committed, Journal } from '../store/journal.ts';
import type { Database } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';
import type { ReceiptKeyring } from './signing-keys.ts';
import type { SubjectsService } from './subjects-service.ts';


/** Where the active registry comes from (RegistryService in the app). */
export interface RegistrySource {
  readonly model: RegistryModel | undefined;
  onActivated?(fn: () => void): unknown;
}

export interface ConsentServiceDeps {
  readonly db: Database;
  readonly journal: Journal;
  readonly admin: AdminActions;
  readonly registry: RegistrySource;
  readonly subjects: SubjectsService;
  readonly receiptKeys: ReceiptKeyring;
  /** Class membership of registered recipients, to check a scoped grant names a member of the right class. */
  readonly members?: {
    get(id: string): { classId: string } | undefined;
    /** The member's registered details, for the notice that names it (PIPA 17(2)1). */
    find?(id: string): Promise<{ classId: string; name: string; country: string; contact: Record<string, string>; disabledAt: Date | null } | undefined>;
  };
  readonly now?: () => number;
  /** Safety net behind NOTIFY: re-read new events this often (ms); 0 = never. */
  readonly pollMs?: number;
  /** The gate's per-subject records: the projection writes every consent and objection there too. */
  readonly records?: GateRecords;
}

export interface ConsentResult {
  readonly receipt: SignedReceipt;
  /** True when an idempotent retry returned the stored receipt and nothing new was written. */
  readonly replayed: boolean;
}

export interface CallerInfo {
  readonly caller: 'subject' | 'admin';
  readonly gpc?: boolean;
}

/**
 * The consent ledger: validates requests against the notice version the subject saw, makes
 * each request durable through the journal (events + receipt + one log leaf, all or nothing),
 * keeps the in-memory projection the release gate reads, and signs receipts.
 *
 * Writes for one subject are serialised in this process, so an idempotency check and the write
 * it guards cannot interleave. Other servers' writes arrive by NOTIFY (and a slow poll as a
 * safety net) and are read from the table in log order.
 */
export class ConsentService implements ConsentLookup {
  readonly projection: ConsentProjection;
  private readonly repo: ConsentRepo;
  private readonly notices: NoticesRepo;
  private readonly noticeByHashMap = new Map<string, NoticeVersion>();
  /** Collection point → the notice the active registry shows now. */
  private current = new Map<string, NoticeVersion>();
  private syncedRegistryHash: string | undefined;
  private syncing: Promise<void> = Promise.resolve();
  /** eventId → receipt and subject, for idempotent retries. */
  private readonly eventIndex = new Map<string, { receiptId: string; subjectId: string }>();
  /**
   * Client event ids of requests checked and not yet committed, across subjects: a second request
   * naming one of them meanwhile is a conflict (409), never an insert the database would skip.
   */
  private readonly claimedIds = new Map<string, Promise<void>>();
  /** `${notice hash}\u0000${member details}` → the notice naming that member (see `notice`). */
  private readonly memberNotices = new Map<string, NoticeVersion>();
  private readonly subjectQueues = new Map<string, Promise<unknown>>();
  /** Highest leaf read from the table in order; local applies do not move it (another server may hold a lower leaf). */
  private caughtUpTo = -1;
  /** Receipts this instance is committing: their events are applied locally by `commit`. */
  private readonly ownReceipts = new Set<string>();
  /** Own journal appends not settled yet (see onNotify). */
  private readonly ownAppends = new Set<Promise<unknown>>();
  /** Leaf ranges of own committed batches not yet passed by `caughtUpTo` (see skipOwnBatch). */
  private ownRanges: Array<{ first: number; last: number }> = [];
  private catchingUp: Promise<void> = Promise.resolve();
  /** A catch-up queued behind the running one and not started yet: later callers share it. */
  private pendingCatchUp: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Per subject: moves when a consent write is submitted to the journal or an event is applied (see writeVersion). */
  private readonly versions = new Map<string, number>();
  /** Per subject: this server's consent write in flight (writes of one subject are serialised). */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: ConsentServiceDeps) {
    this.projection = new ConsentProjection(deps.records);
    this.repo = new ConsentRepo(deps.db);
    this.notices = new NoticesRepo(deps.db);
    this.now = deps.now ?? Date.now;
    deps.journal.register<ConsentBatchRow>(CONSENT_KIND, consentBatchWriter);
    deps.journal.register<NoticeVersion>(NOTICE_KIND, noticeBatchWriter);
    deps.journal.onCommitted((batch) => this.skipOwnBatch(batch));
  }

  private get channel() {
    return CONSENT_CHANNEL_PREFIX + this.deps.db.schema;
  }

  async start(): Promise<void> {
    // A macrotask later: a NOTIFY from this server's own batch arrives before the journal has
    // reported that batch, and reading it back would only re-apply what `commit` applies.
    this.unlisten = await this.deps.db.listen(this.channel, (payload) => void setImmediate(() => this.onNotify(payload)));
    for (const n of await this.notices.all()) this.noticeByHashMap.set(n.hash, n);
    await this.catchUp();
    await this.publishKeys();
    await this.syncNotices();
    this.deps.registry.onActivated?.(() => void this.syncNotices().catch(() => {}));
    if (this.deps.pollMs) {
      this.poll = setInterval(() => void this.catchUp().catch(() => {}), this.deps.pollMs);
      this.poll.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.unlisten?.();
    await this.catchingUp.catch(() => {});
  }

  // ── ConsentLookup (the gate's hot path) ─────────────────────────────────────────────

  status(subject: string, declarationId: string, recipientId: string, at: number, scopedOnly = false): ConsentStatus {
    return this.projection.status(subject, declarationId, recipientId, at, scopedOnly);
  }

  hasObjected(subject: string, purposeId: string): boolean {
    return this.projection.hasObjected(subject, purposeId);
  }

  // ── Write order (ConsentOrder: the release path records a decision only against the state it read) ──

  /**
   * A number that changes whenever a consent write of `subject` is submitted to the journal on
   * this server, and whenever an event of it (from here or another server) reaches the
   * projection. Equal before and after means nothing about the subject's consent moved.
   */
  writeVersion(subject: string): number {
    return this.versions.get(subject) ?? 0;
  }

  /** Settles once this server's consent write of `subject` now in flight has committed or failed; undefined if none. */
  writesSettled(subject: string): Promise<void> | undefined {
    const p = this.inFlight.get(subject);
    return p?.then(noop, noop);
  }

  private bump(subject: string): void {
    this.versions.set(subject, (this.versions.get(subject) ?? 0) + 1);
  }

  // ── Notices ─────────────────────────────────────────────────────────────────────────

  /**
   * The notice a collection point shows now (stored and logged before it is first returned).
   * With `memberId`, the notice naming that member of a recipient class — legal name, country,
   * contact (PIPA 17(2)1) — as its own version: a consent scoped to the member cites its hash.
   */
  async notice(collectionPoint: string, memberId?: string): Promise<NoticeVersion> {
    await this.syncNotices();
    const n = this.current.get(collectionPoint);
    if (!n) {
      throw new CgError('UNKNOWN_COLLECTION_POINT', `no collection point "${collectionPoint}" in the active registry`, 404, [
        { code: 'UNKNOWN_COLLECTION_POINT', message: `known: ${[...this.current.keys()].join(', ') || '(none)'}`, path: 'collectionPoint' },
      ]);
    }
    if (memberId === undefined) return n;
    const row = await this.deps.members?.find?.(memberId);
    if (!row || row.disabledAt !== null) {
      throw new CgError('UNKNOWN_RECIPIENT', `"${memberId}" is not a registered member of a recipient class`, 404, [
        { code: 'UNKNOWN_RECIPIENT', message: 'unknown member', path: 'recipient' },
      ]);
    }
    if (!noticeDeclarations(n.notice).some((d) => d.recipient.kind === 'class' && d.recipient.id === row.classId)) {
      throw new CgError('INVALID_RECIPIENT_SCOPE', `the ${collectionPoint} notice shows no declaration to ${row.classId}, the class of "${memberId}"`, 422, [
        { code: 'INVALID_RECIPIENT_SCOPE', message: 'the member\'s class is not in this notice', path: 'recipient' },
      ]);
    }
    const contact: Record<string, string> = {};
    for (const k of ['name', 'email', 'phone', 'address', 'url'] as const) if (typeof row.contact[k] === 'string') contact[k] = row.contact[k];
    const member = { id: memberId, name: row.name, country: row.country, contact };
    const key = `${n.hash}\u0000${JSON.stringify(member)}`;
    let named = this.memberNotices.get(key);
    if (!named) {
      named = noticeVersion(nameMember(n.notice, row.classId, member));
      if (!(await this.noticeByHash(named.hash))) {
        // Stored (and logged) before it is first served, like every notice version.
        await this.deps.journal.append(NOTICE_KIND, named, { type: 'notice', hash: named.hash, collectionPoint: named.collectionPoint });
        this.noticeByHashMap.set(named.hash, named);
      }
      if (this.memberNotices.size >= MAX_MEMBER_NOTICES) this.memberNotices.clear();
      this.memberNotices.set(key, named);
    }
    return named;
  }

  async noticeByHash(hash: string): Promise<NoticeVersion | undefined> {
    const hit = this.noticeByHashMap.get(hash);
    if (hit) return hit;
    const n = await this.notices.get(hash);
    if (n) this.noticeByHashMap.set(hash, n);
    return n;
  }

  currentNotices(): NoticeVersion[] {
    return [...this.current.values()];
  }

  /** Stores (through the journal) every notice of the active registry not stored yet. Serialised. */
  syncNotices(): Promise<void> {
    const model = this.deps.registry.model;
    if (!model || model.hash === this.syncedRegistryHash) return this.syncing;
    const next = this.syncing.then(async () => {
      if (model.hash === this.syncedRegistryHash) return;
      const versions = buildNotices(model);
      const fresh = versions.filter((v) => !this.noticeByHashMap.has(v.hash));
      await Promise.all(fresh.map((v) => this.deps.journal.append(NOTICE_KIND, v, { type: 'notice', hash: v.hash, collectionPoint: v.collectionPoint })));
      for (const v of versions) this.noticeByHashMap.set(v.hash, v);
      this.current = new Map(versions.map((v) => [v.collectionPoint, v]));
      this.syncedRegistryHash = model.hash;
    });
    this.syncing = next.catch(() => {});
    return next;
  }

  // ── Consent ─────────────────────────────────────────────────────────────────────────

  /** The decisions for one notice version, atomically. */
  grant(subjectId: string, req: GrantRequest, who: CallerInfo): Promise<ConsentResult> {
    return this.serialised(subjectId, () => this.claimed(req.decisions.flatMap((d) => (d.eventId ? [d.eventId] : [])), async () => {
      const subject = await this.deps.subjects.require(subjectId);
      const replay = await this.replay(
        subjectId,
        req.decisions.map((d) => ({
          id: d.eventId,
          same: (e: ConsentEvent) =>
            e.action === (d.grant ? 'grant' : 'withdraw') &&
            e.declarationId === d.declarationId &&
            e.recipientId === (d.recipientId ?? null) &&
            e.noticeHash === req.noticeHash &&
            e.expiresAt === (d.grant && d.expiresAt !== undefined ? Date.parse(d.expiresAt) : null) &&
            e.channel === req.channel,
        })),
        (i) => `decisions[${i}].eventId`,
      );
      if (replay) return replay;
      const notice = await this.noticeByHash(req.noticeHash);
      if (!notice) {
        throw new CgError('UNKNOWN_NOTICE', 'the notice hash is not a known notice version', 422, [
          { code: 'UNKNOWN_NOTICE', message: 'fetch the current notice from GET /v1/notices/{collectionPoint}', path: 'noticeHash' },
        ]);
      }
      const model = this.requireModel();
      this.checkScopes(req, notice);
      const plan = planGrant({
        subject,
        notice,
        registry: model,
        request: req,
        gpc: who.gpc === true,
        caller: who.caller,
        now: this.now(),
        newEventId: newEventId,
        hasObjected: (p) => this.projection.hasObjected(subjectId, p),
      });
      return this.commit(subject, plan.events, req.guardian ? 'guardian' : who.caller, req.channel, notice, (e) => plan.shown.get(e.declarationId ?? ''));
    }));
  }

  /** Withdrawal in one call: the named declarations, or everything granted. */
  withdraw(subjectId: string, req: WithdrawRequest, who: CallerInfo): Promise<ConsentResult> {
    return this.serialised(subjectId, () => this.claimed(req.eventId ? [req.eventId] : [], async (claim) => {
      const subject = await this.deps.subjects.require(subjectId);
      const replay = await this.replayWithdrawal(subjectId, req);
      if (replay) return replay;
      const model = this.requireModel();
      const plan = planWithdraw({
        subject,
        registry: model,
        request: req,
        entries: this.projection.entriesOf(subjectId),
        caller: who.caller,
        now: this.now(),
        newEventId,
      });
      // The ids a withdrawal derives (`<eventId>.1`, …) must be free as well: one already used
      // by another event would make the database skip this one — a withdrawal swallowed.
      const derived = req.eventId ? plan.events.slice(1).map((e) => e.eventId) : [];
      claim(derived, (i) => `eventId (derived "${derived[i]}")`);
      await this.assertFree(derived, (i) => `eventId (derived "${derived[i]}")`);
      const shown = new Map<string, NoticeDeclaration | undefined>();
      for (const e of plan.events) shown.set(e.eventId, await this.shownFor(e));
      return this.commit(subject, plan.events, who.caller, req.channel, undefined, (e) => shown.get(e.eventId));
    }));
  }

  /**
   * Runs `fn` holding the client event ids of a request, across subjects: a request naming an id
   * another one holds waits for it to settle (then replays or conflicts against what it stored),
   * so an id is never checked free by two requests that both then write it — the database would
   * keep one event and silently skip the other. `claim` adds ids known only later (non-blocking:
   * held elsewhere = 409). Within one server; across servers the first stored event keeps the id.
   */
  private async claimed<T>(ids: readonly string[], fn: (claim: (more: readonly string[], path: (i: number) => string) => void) => Promise<T>): Promise<T> {
    for (;;) {
      const busy = ids.map((id) => this.claimedIds.get(id)).filter((p): p is Promise<void> => p !== undefined);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release!: () => void;
    const done = new Promise<void>((res) => (release = res));
    const held = [...ids];
    for (const id of held) this.claimedIds.set(id, done);
    const claim = (more: readonly string[], path: (i: number) => string) => {
      const i = more.findIndex((id) => this.claimedIds.has(id));
      if (i >= 0) throw conflict(more[i]!, path(i));
      for (const id of more) {
        this.claimedIds.set(id, done);
        held.push(id);
      }
    };
    try {
      return await fn(claim);
    } finally {
      for (const id of held) if (this.claimedIds.get(id) === done) this.claimedIds.delete(id);
      release();
    }
  }

  /**
   * Current state of a subject, with what each declaration is (required or optional), which
   * choice (provision or overseas transfer) and whether an active grant is stale: given to terms
   * the active registry has changed since — the privacy centre asks the subject again.
   */
  async consents(subjectId: string): Promise<{
    subject: SubjectRecord;
    entries: Array<StateRow & { status: ConsentStatus; required: boolean | null; choice: 'provision' | 'transfer'; stale: boolean }>;
    objections: string[];
  }> {
    const subject = await this.deps.subjects.require(subjectId);
    const at = this.now();
    const model = this.deps.registry.model;
    const entries = this.projection.entriesOf(subjectId).map((r) => {
      const status = this.projection.status(subjectId, r.declarationId, r.scope, at);
      return {
        ...r,
        status,
        required: model?.purposes.get(r.purposeId)?.required ?? null,
        choice: parseChoice(r.declarationId).kind,
        stale: model !== undefined && status.state === 'active' && isStale(model, r),
      };
    });
    const objections = this.projection.objectionsOf(subjectId).filter((o) => o.objected).map((o) => o.purposeId);
    return { subject, entries, objections };
  }

  /**
   * Active grants whose terms the active registry has changed since they were given: the gate
   * answers CONSENT_STALE for them until the subject consents to the new notice. Counted at each
   * activation and listed in the console. From memory (the projection), newest first.
   */
  staleConsents(limit = 500): { total: number; consents: Array<StateRow & { pseudonym: string | null }> } {
    const model = this.deps.registry.model;
    if (!model) return { total: 0, consents: [] };
    const at = this.now();
    const stale: StateRow[] = [];
    for (const r of this.projection.snapshot().state) {
      if (r.action !== 'grant' || this.projection.status(r.subjectId, r.declarationId, r.scope, at).state !== 'active') continue;
      if (isStale(model, r)) stale.push(r);
    }
    stale.sort((a, b) => b.leafIndex - a.leafIndex || b.pos - a.pos);
    return {
      total: stale.length,
      consents: stale.slice(0, limit).map((r) => ({ ...r, pseudonym: this.deps.subjects.record(r.subjectId)?.pseudonym ?? null })),
    };
  }

  /**
   * Every active grant with the terms fingerprint it was given to, from memory: what a registry
   * dry run compares against a candidate registry (src/core/registry/impact.ts, staleImpact).
   */
  activeGrants(): StateRow[] {
    const at = this.now();
    return this.projection
      .snapshot()
      .state.filter((r) => r.action === 'grant' && this.projection.status(r.subjectId, r.declarationId, r.scope, at).state === 'active');
  }

  async history(subjectId: string, limit: number, beforeLeaf?: number): Promise<ConsentEvent[]> {
    await this.deps.subjects.require(subjectId);
    return this.repo.history(subjectId, limit, beforeLeaf);
  }

  /** A stored receipt, signed with the current active key (Ed25519 is deterministic: same key, same signature). */
  async receipt(subjectId: string, receiptId: string): Promise<SignedReceipt> {
    const r = await this.repo.receipt(receiptId);
    if (!r || r.subjectId !== subjectId) {
      throw new CgError('UNKNOWN_RECEIPT', `no receipt "${receiptId}" for this subject`, 404, [{ code: 'UNKNOWN_RECEIPT', message: 'unknown receipt', path: 'receiptId' }]);
    }
    return signReceiptAsync(r.body, this.deps.receiptKeys.active);
  }

  async publicKeys(): Promise<PublicKeyInfo[]> {
    const stored = await new ReceiptKeysRepo(this.deps.db).all();
    const mine = this.deps.receiptKeys.publicKeys();
    const byKid = new Map(stored.map((k) => [k.kid, k]));
    for (const k of mine) if (!byKid.has(k.kid)) byKid.set(k.kid, k);
    return [...byKid.values()];
  }

  /**
   * Reads events committed (here or elsewhere) before the call and not read yet, in log order.
   * Serialised, and coalesced: a catch-up that has not started yet reads everything committed
   * before it starts, so every caller arriving meanwhile shares it. A burst of N notifications
   * (another server's N small transactions) then costs two reads, not N.
   */
  catchUp(): Promise<void> {
    if (this.pendingCatchUp) return this.pendingCatchUp;
    const next = this.catchingUp.then(() => {
      // Started: whoever calls from now on may have seen a commit this run will not read.
      this.pendingCatchUp = undefined;
      return this.readNewEvents();
    });
    this.pendingCatchUp = next;
    this.catchingUp = next.catch(() => {});
    return next;
  }

  /**
   * A batch writer's NOTIFY carries the batch's last consent leaf. Every consent leaf up to
   * `caughtUpTo` is applied already (read, or this server's own batch), so such a notification
   * — above all the one for this server's own batch — needs no read.
   */
  private onNotify(payload: string): void {
    const leaf = payload === '' ? NaN : Number(payload);
    const applied = () => Number.isSafeInteger(leaf) && leaf <= this.caughtUpTo;
    if (applied()) return;
    const read = () => void this.catchUp().catch(() => {});
    // The notification may be for a batch of this server's that the journal has not reported
    // yet (PostgreSQL delivers NOTIFY on another connection, possibly before the COMMIT reply).
    // The journal reports batches in order, each before its appends settle: once the first of
    // the appends in flight now has settled, a committed own batch counts as applied, and
    // anything else is read then — a delay of at most one commit for another server's events.
    if (this.ownAppends.size === 0) return read();
    void Promise.race([...this.ownAppends].map((p) => p.then(noop, noop))).then(() => {
      if (!applied()) read();
    });
  }

  private async readNewEvents(): Promise<void> {
    for (;;) {
      this.absorbOwnRanges();
      // Own batches above the caught-up leaf are applied already: read only the gap before
      // the first of them. Every leaf below a committed batch is committed (the head lock
      // orders commits), so once the gap is read it is done.
      let gapEnd: number | undefined;
      for (const r of this.ownRanges) if (gapEnd === undefined || r.first < gapEnd) gapEnd = r.first;
      const events = await this.repo.eventsAfter(this.caughtUpTo, CATCH_UP_PAGE, gapEnd);
      for (const e of events) this.remember(e);
      if (events.length === CATCH_UP_PAGE) {
        // A full page may have cut the last request in two: read that leaf again (applying is idempotent).
        this.caughtUpTo = events[events.length - 1]!.leafIndex - 1;
        continue;
      }
      if (gapEnd === undefined) {
        if (events.length > 0) this.caughtUpTo = Math.max(this.caughtUpTo, events[events.length - 1]!.leafIndex);
        this.absorbOwnRanges();
        return;
      }
      this.caughtUpTo = Math.max(this.caughtUpTo, gapEnd - 1);
    }
  }

  // ── internals ───────────────────────────────────────────────────────────────────────

  /**
   * A batch that starts right after the caught-up leaf and whose consent leaves are all this
   * instance's own commits needs no read-back: `commit` applies those events itself, and no
   * other server can hold a leaf inside the batch. Catch-up then starts after it, instead of
   * re-reading every event this server just wrote (the write path's largest read).
   */
  private skipOwnBatch(batch: readonly Committed[]): void {
    const first = batch[0];
    if (!first) return;
    for (const c of batch) {
      if (c.kind !== CONSENT_KIND) continue;
      if (!this.ownReceipts.has((c.row as ConsentBatchRow).receiptId)) return;
    }
    this.ownRanges.push({ first: first.leafIndex, last: batch[batch.length - 1]!.leafIndex });
    this.absorbOwnRanges();
  }

  /** Moves `caughtUpTo` over own batches that now start right after it. */
  private absorbOwnRanges(): void {
    for (;;) {
      this.ownRanges = this.ownRanges.filter((r) => r.last > this.caughtUpTo);
      const next = this.ownRanges.find((r) => r.first <= this.caughtUpTo + 1);
      if (!next) return;
      this.caughtUpTo = next.last;
    }
  }

  private remember(e: ConsentEvent): void {
    this.projection.apply(e);
    this.bump(e.subjectId);
    this.eventIndex.set(e.eventId, { receiptId: e.receiptId, subjectId: e.subjectId });
  }

  private async commit(
    subject: SubjectRecord,
    planned: PlannedEvent[],
    actor: ConsentActor,
    channel: string,
    notice: NoticeVersion | undefined,
    shownFor: (e: PlannedEvent) => NoticeDeclaration | undefined,
  ): Promise<ConsentResult> {
    const model = this.requireModel();
    const receiptId = 'cr_' + randomUUID();
    const at = planned[0]?.at ?? this.now();
    const { controller, withdrawal } = operatorParts(model);
    const body: Omit<UnsignedReceipt, 'ledger'> = {
      schema: RECEIPT_SCHEMA,
      version: RECEIPT_VERSION,
      receiptId,
      issuedAt: new Date(at).toISOString(),
      jurisdiction: subject.jurisdiction,
      controller,
      subject: { pseudonym: subject.pseudonym },
      collection: { actor, channel, collectionPoint: notice?.collectionPoint ?? null, noticeHash: notice?.hash ?? null },
      consents: planned.map((e) => {
        const p = model.purposes.get(e.purposeId);
        return receiptConsent(e, shownFor(e), p ? { ko: p.labels.ko, en: p.labels.en } : { ko: e.purposeId, en: e.purposeId }, p?.required ?? false);
      }),
      withdrawal,
    };
    const row: ConsentBatchRow = { receiptId, subjectId: subject.id, events: planned, receipt: compactJson(body) };
    const entry = ledgerEntry({ receiptId, pseudonym: subject.pseudonym, at, events: planned.map((e) => ({ ...e, scoped: e.recipientId !== null })) });
    this.ownReceipts.add(receiptId);
    // Submitted to the journal in this same turn as the version moves: a release decided on the
    // old state and not yet submitted sees the change and decides again (release-service.ts).
    this.bump(subject.id);
    const appended = this.deps.journal.append(CONSENT_KIND, row, entry);
    this.inFlight.set(subject.id, appended);
    this.ownAppends.add(appended);
    let leafIndex: number;
    try {
      ({ leafIndex } = await appended);
      // Other servers hear of it from the NOTIFY the batch writer issued inside the transaction.
      planned.forEach((e, pos) => this.remember({ ...e, receiptId, leafIndex, pos }));
    } finally {
      this.ownReceipts.delete(receiptId);
      this.ownAppends.delete(appended);
      if (this.inFlight.get(subject.id) === appended) this.inFlight.delete(subject.id);
      this.bump(subject.id);
    }
    return { receipt: await signReceiptAsync({ ...body, ledger: { leafIndex } }, this.deps.receiptKeys.active), replayed: false };
  }

  /**
   * Idempotent retries: when every client-supplied event id of the request is stored under one
   * receipt of this subject, and the stored events are exactly what the request asks for (same
   * action, choice, recipient, notice, expiry, channel — and no other decision in that receipt),
   * that receipt is the answer and nothing is written. Any other use of a known id — above all
   * a withdrawal reusing a grant's id — is 409 EVENT_ID_CONFLICT: the client learns that nothing
   * was recorded, instead of a "replayed" answer that silently keeps the consent alive.
   */
  private async replay(
    subjectId: string,
    ids: ReadonlyArray<{ id: string | undefined; same: (e: ConsentEvent) => boolean }>,
    path: (i: number) => string,
  ): Promise<ConsentResult | undefined> {
    const given = ids.map((x, i) => ({ ...x, i })).filter((x): x is { id: string; same: (e: ConsentEvent) => boolean; i: number } => x.id !== undefined);
    if (given.length === 0) return undefined;
    const stored = await this.storedEvents(given.map((g) => g.id));
    if (stored.size === 0) return undefined;
    const first = stored.get(given[0]!.id);
    if (given.length === ids.length && first && first.subjectId === subjectId) {
      const all = await this.repo.eventsOfReceipt(first.receiptId);
      const decisions = all.filter((e) => e.action !== 'object');
      const same =
        decisions.length === given.length &&
        given.every((g) => {
          const e = stored.get(g.id);
          return e !== undefined && e.receiptId === first.receiptId && e.subjectId === subjectId && g.same(e);
        });
      if (same) return { receipt: await this.receipt(subjectId, first.receiptId), replayed: true };
    }
    const bad = given.find((g) => stored.has(g.id)) ?? given[0]!;
    throw conflict(bad.id, path(bad.i));
  }

  /** A withdrawal retried: the same id, and the stored events withdraw exactly what the request names. */
  private async replayWithdrawal(subjectId: string, req: WithdrawRequest): Promise<ConsentResult | undefined> {
    if (!req.eventId) return undefined;
    const stored = await this.storedEvents([req.eventId]);
    const hit = stored.get(req.eventId);
    if (!hit) return undefined;
    if (hit.subjectId === subjectId && hit.action === 'withdraw' && hit.collectionPoint === null) {
      const events = (await this.repo.eventsOfReceipt(hit.receiptId)).filter((e) => e.action !== 'object');
      const derived = events.every((e, i) => e.eventId === (i === 0 ? req.eventId : `${req.eventId}.${i}`));
      const same =
        derived &&
        events.every((e) => e.action === 'withdraw' && e.recipientId === (req.recipientId ?? null) && e.channel === req.channel) &&
        // "Everything granted" and a list naming the same declarations are different requests.
        events.every((e) => (e.withdrawAll === true) === (req.declarationIds === undefined)) &&
        (req.declarationIds === undefined || (events.length === req.declarationIds.length && events.every((e, i) => e.declarationId === req.declarationIds![i])));
      if (same) return { receipt: await this.receipt(subjectId, hit.receiptId), replayed: true };
    }
    throw conflict(req.eventId, 'eventId');
  }

  /** Stored events by id (the index remembers which ids exist; the events themselves are read). */
  private async storedEvents(ids: readonly string[]): Promise<Map<string, ConsentEvent>> {
    const out = new Map<string, ConsentEvent>();
    for (const e of await this.repo.eventsByIds(ids)) {
      out.set(e.eventId, e);
      this.eventIndex.set(e.eventId, { receiptId: e.receiptId, subjectId: e.subjectId });
    }
    return out;
  }

  /** Ids a request derives must not be stored or in flight already. */
  private async assertFree(ids: readonly string[], path: (i: number) => string): Promise<void> {
    if (ids.length === 0) return;
    const stored = await this.storedEvents(ids);
    const i = ids.findIndex((id) => stored.has(id));
    if (i >= 0) throw conflict(ids[i]!, path(i));
  }

  /** A scoped grant must name the recipient itself or a registered member of the declaration's class. */
  private checkScopes(req: GrantRequest, notice: NoticeVersion): void {
    const members = this.deps.members;
    if (!members) return;
    const shown = new Map(noticeDeclarations(notice.notice).map((d) => [d.id, d]));
    req.decisions.forEach((d, i) => {
      const s = shown.get(parseChoice(d.declarationId).declarationId);
      if (!s || d.recipientId === undefined || s.recipient.kind !== 'class') return;
      if (members.get(d.recipientId)?.classId !== s.recipient.id) {
        throw new CgError('UNKNOWN_RECIPIENT', `"${d.recipientId}" is not a registered member of ${s.recipient.id}`, 422, [
          { code: 'UNKNOWN_RECIPIENT', message: 'not a member of the declaration\'s recipient class', path: `decisions[${i}].recipientId` },
        ]);
      }
    });
  }

  /** What the subject was shown for a declaration being withdrawn: the notice of its grant, else a current one. */
  private async shownFor(e: PlannedEvent): Promise<NoticeDeclaration | undefined> {
    const fromGrant = e.noticeHash ? await this.noticeByHash(e.noticeHash) : undefined;
    const candidates = [...(fromGrant ? [fromGrant] : []), ...this.current.values()];
    const id = e.declarationId === null ? null : parseChoice(e.declarationId).declarationId;
    for (const n of candidates) {
      const d = noticeDeclarations(n.notice).find((x) => x.id === id);
      if (d) return d;
    }
    return undefined;
  }

  private requireModel(): RegistryModel {
    const m = this.deps.registry.model;
    if (!m) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet', 409);
    return m;
  }

  private async publishKeys(): Promise<void> {
    const stored = new Map((await new ReceiptKeysRepo(this.deps.db).all()).map((k) => [k.kid, k.status]));
    const changed = this.deps.receiptKeys.publicKeys().filter((k) => stored.get(k.kid) !== k.status && stored.get(k.kid) !== 'retired');
    if (changed.length === 0) return;
    await this.deps.admin.record(
      { action: 'receipt_key.publish', actor: 'system', target: changed.map((k) => k.kid).join(','), facts: { kids: changed.map((k) => k.kid) } },
      (tx) => ReceiptKeysRepo.upsert(tx, changed),
    );
  }

  private serialised<T>(subjectId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.subjectQueues.get(subjectId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.subjectQueues.set(subjectId, tail);
    void tail.then(() => {
      if (this.subjectQueues.get(subjectId) === tail) this.subjectQueues.delete(subjectId);
    });
    return run;
  }
}

const byModel = new WeakMap<RegistryModel, Pick<UnsignedReceipt, 'controller' | 'withdrawal'>>();

/** The receipt parts that depend on the registry only: built once per registry, shared and frozen. */
function operatorParts(model: RegistryModel): Pick<UnsignedReceipt, 'controller' | 'withdrawal'> {
  let parts = byModel.get(model);
  if (!parts) {
    const op = model.operator;
    parts = {
      controller: shareReceiptPart({
        name: noticeText(op.legal_name),
        country: op.country,
        address: op.address ? noticeText(op.address) : null,
        contact: { ...op.privacy_officer, name: noticeText(op.privacy_officer.name) },
        privacyPolicy: op.privacy_policy_url ?? null,
      }),
      withdrawal: shareReceiptPart({ how: structuredClone(WITHDRAWAL_SHORT), endpoint: 'POST /v1/subjects/{subjectId}/consents/withdraw', contact: op.privacy_officer.email }),
    };
    byModel.set(model, parts);
  }
  return parts;
}

const newEventId = () => 'ce_' + randomUUID();

/** A grant given to other terms than the registry's now (a declaration since removed is not stale: it is gone). */
function isStale(model: RegistryModel, r: Pick<StateRow, 'declarationId' | 'fingerprint'>): boolean {
  const now = termsOf(model, r.declarationId);
  return now !== undefined && r.fingerprint !== now;
}
const MAX_MEMBER_NOTICES = 10_000;

function conflict(id: string, path: string): CgError {
  return new CgError('EVENT_ID_CONFLICT', `event id "${id}" already belongs to another request`, 409, [
    { code: 'EVENT_ID_CONFLICT', message: 'reuse an event id only to retry the identical request; nothing was recorded', path },
  ]);
}
const noop = () => {};
const CATCH_UP_PAGE = 10_000;
