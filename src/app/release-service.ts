import { CgError } from '../core/errors.ts';
import { decide } from '../core/gate/decide.ts';
import type { Decision, GateContext, ReleaseRequest } from '../core/gate/types.ts';
import { applyFormsNow, formNeedsValue, type AppliedRelease } from '../core/transform/apply.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import type { Jurisdiction, ReleaseForm } from '../core/registry/schema.ts';
import type { Explanation, Release as ReleaseResult } from '../client/wire.ts';
import { articleFor } from '../core/gate/articles.ts';
import { perFrozen } from '../core/per-frozen.ts';
import { registerDecisionWriter, type DecisionRow, type IssuedToken } from '../store/decisions-repo.ts';
import type { Settle } from '../store/group-commit.ts';
import type { Journal } from '../store/journal.ts';
import { isoTime, releasedItem } from '../store/decision-json.ts';
import { appendDecision, appendDecisionTo } from './decision-entry.ts';
import { timeOrderedId } from './ids.ts';
import type { Issuers } from './issuers.ts';
import type { VaultService } from './vault-service.ts';

/**
 * The release gate as a service: decide (statutory, in memory) → operator policy (can only
 * narrow) → decrypt the allowed items → apply their declared forms → record the decision in the
 * journal → answer. The record is written before anything is returned and a release whose
 * record fails returns nothing: no data leaves without a durable decision behind it.
 *
 * Every 200 and every 403 of `release` and `redeem` has exactly one decision record. Requests
 * refused before a decision is made (no or bad key, malformed body) have none; an internal error
 * after the decision (vault unreadable, record failed) releases nothing.
 */
export interface ReleaseInput {
  readonly subject: string;
  readonly purpose: string;
  readonly items?: readonly string[] | undefined;
  readonly orderRef?: string | undefined;
}

/** Operator rules evaluated after the statutory decision; may only turn an allow into less. */
export interface ReleasePolicy {
  apply(req: ReleaseRequest, decision: Decision, ctx: GateContext): Decision;
}

/**
 * The consent ledger's write order per subject (ConsentService). With it, an allowed decision is
 * submitted to the journal only if no consent write of its subject was submitted since the
 * decision read the state — else it is decided again. The journal keeps submission order, so an
 * allowed decision never gets a leaf after a withdrawal leaf (of this server) that covers it.
 */
export interface ConsentOrder {
  writeVersion(subject: string): number;
  writesSettled(subject: string): Promise<void> | undefined;
}

/** Decisions retried because the subject's consent changed under them, before giving up (503). */
export const MAX_DECISION_ATTEMPTS = 8;

export interface ReleaseDeps {
  readonly journal: Journal;
  readonly vault: VaultService;
  readonly issuers: Issuers;
  /** The gate's in-memory view (registry, consents, members, subjects), current at each call. */
  readonly gate: () => GateContext | undefined;
  /** The subject's pseudonym: the only subject identifier a record carries. */
  readonly pseudonym: (subject: string) => string;
  readonly policy?: ReleasePolicy | undefined;
  readonly clock?: () => number;
  /** Orders allowed decisions after the consent writes they read (see ConsentOrder). */
  readonly order?: ConsentOrder | undefined;
}

/**
 * What the API answers is what the SDK reads: one definition, in the client's wire types
 * (src/client/wire.ts, which must stay free of server imports).
 */
export type { Release as ReleaseResult, Explanation } from '../client/wire.ts';

function toRequest(recipientId: string, input: ReleaseInput, at: number): ReleaseRequest {
  // One literal of one shape (absent options are undefined): conditional spreads made this
  // object the slow way on every release.
  return { recipientId, subject: input.subject, purpose: input.purpose, items: input.items, orderRef: input.orderRef, at };
}

export const newDecisionId = () => timeOrderedId('dec_');

export class ReleaseService {
  private readonly clock: () => number;

  constructor(private readonly deps: ReleaseDeps) {
    this.clock = deps.clock ?? Date.now;
    registerDecisionWriter(deps.journal);
  }

  /** A release for the authenticated recipient (registry recipient id or class member id). */
  release(recipientId: string, input: ReleaseInput): Promise<ReleaseResult> {
    return new Promise((resolve, reject) => this.releaseTo(recipientId, input, (e, r) => (e === null ? resolve(r!) : reject(e))));
  }

  /**
   * `release` answered through a callback, the HTTP route's form: `done(null, answer)` once the
   * decision's record is durable, `done(error)` otherwise (a refusal's 403 is an error) — once,
   * never in the caller's turn. A release that waits for nothing (no consent write of its subject
   * in flight, its vault record cached, no issuer waiting: the usual case) is decided, read,
   * formed and submitted in the caller's turn, and answered from the journal's batch itself:
   * no promise and no microtask turn between the commit and the answer (an async function
   * awaiting the journal took three promises and two turns per release). Only what waits goes
   * through a promise. When the subject's consent moved before the record could be submitted,
   * the next attempt's answer (decided again).
   */
  releaseTo(recipientId: string, input: ReleaseInput, done: Settle<ReleaseResult>, attempt = 1): void {
    let formed: Formed | Promise<Formed>;
    try {
      // Waited for only when this server has a consent write of the subject in flight.
      const pending = this.deps.order?.writesSettled(input.subject);
      formed = pending ? pending.then(() => this.form(recipientId, input)) : this.form(recipientId, input);
    } catch (e) {
      return failLater(done, e);
    }
    if (formed instanceof Promise) formed.then((f) => this.submit(f, recipientId, input, attempt, done), done);
    else this.submit(formed, recipientId, input, attempt, done);
  }

  /** The decision, the vault's values and their forms, and the row to record: in this turn unless something waits. */
  private form(recipientId: string, input: ReleaseInput): Formed | Promise<Formed> {
    const version = this.deps.order?.writeVersion(input.subject);
    const req = toRequest(recipientId, input, this.clock());
    const { decision, registry } = this.decide(req);
    // A refusal is recorded, then thrown as its 403.
    if (!decision.allow) return this.refuse(req, decision, registry, null).then(thrown);
    // The categories to read, which of them to decrypt and the record's items, made once per
    // item list the gate shares (frozen) rather than per release.
    const plan = itemsPlan(decision.items);
    let plaintext: Map<string, unknown> | undefined;
    try {
      // A cached subject is read in this turn; only a cache miss waits for the database.
      plaintext = this.deps.vault.readCached(req.subject, plan.categories, plan.decrypt);
    } catch (e) {
      return this.unread(e, req, decision, registry);
    }
    if (plaintext !== undefined) return this.formWith(req, decision, registry, plan, version, plaintext);
    return this.deps.vault.read(req.subject, plan.categories, plan.decrypt ?? all).then(
      (p) => this.formWith(req, decision, registry, plan, version, p),
      (e: unknown) => this.unread(e, req, decision, registry),
    );
  }

  /** A vault read that failed: erased between the gate's check and the read is that decision (recorded, thrown). */
  private unread(e: unknown, req: ReleaseRequest, decision: Decision, registry: RegistryModel): Promise<never> {
    if ((e as CgError).code === 'SUBJECT_ERASED') return this.refuse(req, erasedDeny(decision, this.jurisdictionOf(req.subject)), registry, null).then(thrown);
    return Promise.reject(e);
  }

  private formWith(
    req: ReleaseRequest,
    decision: Decision & { allow: true },
    registry: RegistryModel,
    plan: ItemsPlan,
    version: number | undefined,
    plaintext: Map<string, unknown>,
  ): Formed | Promise<Formed> {
    const session = this.deps.issuers.session();
    // Waited for only when an issuer must wait (a relay not cached yet): otherwise the forms are
    // made in this turn, with no async function and await of their own.
    const applying = applyFormsNow(decision, req, plaintext, session);
    if (applying instanceof Promise) return applying.then((applied) => this.formed(req, decision, registry, plan, version, session.issued, applied));
    return this.formed(req, decision, registry, plan, version, session.issued, applying);
  }

  private formed(
    req: ReleaseRequest,
    decision: Decision & { allow: true },
    registry: RegistryModel,
    plan: ItemsPlan,
    version: number | undefined,
    issued: readonly IssuedToken[],
    applied: AppliedRelease,
  ): Formed {
    // The record's items and the answer's, in one pass; the answer leaves only once the record is durable.
    // Every item there (none missing): the record's items are the plan's shared frozen list,
    // whose log text is remembered (itemJson); else a list of what was released.
    const whole = applied.items.length === plan.released.length;
    const released: DecisionRow['released'][number][] | DecisionRow['released'] = whole ? plan.released : [];
    const items: Record<string, unknown> = {};
    const forms: Record<string, ReleaseForm> = {};
    for (const i of applied.items) {
      if (!whole) (released as DecisionRow['released'][number][]).push(releasedItem(i.category, i.form));
      items[i.category] = i.value;
      forms[i.category] = i.form;
    }
    // applyForms' own fresh array: no copy.
    return { row: this.row(req, decision, registry, released, issued, null), decision, version, items, forms, missing: applied.missing as string[] };
  }

  /**
   * Checks that the subject's consent did not move since the decision read it and submits the
   * record, in one turn of the event loop: nothing can come in between. The answer goes to
   * `done` from the journal's batch once the record is durable; any failure to record is a 500
   * that carries no data (DECISION_NOT_RECORDED).
   */
  private submit(f: Formed, recipientId: string, input: ReleaseInput, attempt: number, done: Settle<ReleaseResult>): void {
    try {
      if (this.consentMoved(input.subject, f.version, attempt)) return this.releaseTo(recipientId, input, done, attempt + 1);
    } catch (e) {
      return failLater(done, e);
    }
    try {
      appendDecisionTo(this.deps.journal, f.row, (e, committed) => {
        if (e !== null) return done(notRecordedError());
        let answer: ReleaseResult;
        try {
          answer = answerOf(f, committed!.leafIndex);
        } catch (x) {
          return done(x);
        }
        done(null, answer);
      });
    } catch {
      // The entry could not even be written down: nothing was submitted.
      failLater(done, notRecordedError());
    }
  }

  /** The same decision with its full trace; nothing is decrypted, issued or recorded. */
  explain(recipientId: string, input: ReleaseInput): Explanation {
    const req = toRequest(recipientId, input, this.clock());
    const { decision: d, registry } = this.decide(req);
    return {
      allow: d.allow,
      code: d.allow ? null : d.code,
      article: d.allow ? null : d.article,
      message: d.allow ? null : d.message,
      recipient: recipientId,
      declaration_id: d.declarationId ?? null,
      basis: d.allow ? d.basis : null,
      items: d.allow ? d.items.map((i) => ({ category: i.category, form: i.form })) : [],
      retention_until: d.allow ? iso(d.retentionEndsAt) : null,
      consent_event_id: d.allow ? (d.consentEventId ?? null) : null,
      notice_hash: d.allow ? (d.noticeHash ?? null) : null,
      registry_hash: registry.hash,
      trace: d.trace,
    };
  }

  /**
   * Redeems a token: only the recipient it was issued to, only while it lives, and only if the
   * gate still allows that item for the declaration's purpose now (consent withdrawn, objection,
   * erasure or an ended retention stop it even before revocation catches up). Recorded like a
   * release, pointing at the decision that issued the token.
   */
  async redeem(recipientId: string, token: string): Promise<{ decision_id: string; ledger_index: number; category: string; value: string; expires_at: string | null }> {
    for (let attempt = 1; ; attempt++) {
      const done = await this.redeemOnce(recipientId, token, attempt);
      if (done) return done;
    }
  }

  private async redeemOnce(recipientId: string, token: string, attempt: number): Promise<{ decision_id: string; ledger_index: number; category: string; value: string; expires_at: string | null } | undefined> {
    const at = this.clock();
    const t = await this.deps.issuers.findRedeemable(recipientId, token, at);
    const gate = this.gateOrFail();
    const declaration = gate.registry.declarations.get(t.declarationId);
    const req: ReleaseRequest = {
      recipientId,
      subject: t.subject,
      purpose: declaration?.purpose ?? `(declaration ${t.declarationId} no longer in the registry)`,
      items: [t.category],
      ...(t.orderRef !== null ? { orderRef: t.orderRef } : {}),
      at,
    };
    const pending = this.deps.order?.writesSettled(t.subject);
    if (pending) await pending;
    const version = this.deps.order?.writeVersion(t.subject);
    const { decision, registry } = this.decide(req);
    if (!decision.allow) throw await this.refuse(req, decision, registry, t.decisionId);
    let value: string | undefined;
    try {
      value = (await this.deps.vault.read(t.subject, [t.category])).get(t.category);
    } catch (e) {
      if ((e as CgError).code === 'SUBJECT_ERASED') throw await this.refuse(req, erasedDeny(decision, this.jurisdictionOf(req.subject)), registry, t.decisionId);
      throw e;
    }
    if (value === undefined) throw new CgError('TOKEN_VALUE_GONE', 'the value behind this token is no longer stored', 410);
    const row = this.row(req, decision, registry, [{ category: t.category, form: 'plain' }], [], t.decisionId);
    if (this.consentMoved(t.subject, version, attempt)) return undefined;
    const { leafIndex } = await this.record(row);
    await this.deps.issuers.markRedeemed(token, at).catch(() => {});
    return { decision_id: row.id, ledger_index: leafIndex, category: t.category, value, expires_at: t.expiresAt ? t.expiresAt.toISOString() : null };
  }

  /**
   * True when a consent write of the subject was submitted (or applied) since `version` was
   * read: the decision must be made again. Synchronous, so the caller's journal submission
   * follows in the same turn. After MAX_DECISION_ATTEMPTS a subject whose consent never stops
   * changing gets a 503 rather than a decision on a stale state.
   */
  private consentMoved(subject: string, version: number | undefined, attempt: number): boolean {
    if (version === undefined || this.deps.order!.writeVersion(subject) === version) return false;
    if (attempt >= MAX_DECISION_ATTEMPTS) throw new CgError('CONSENT_CHANGING', "the subject's consent kept changing while the release was decided; retry", 503);
    return true;
  }

  private jurisdictionOf(subject: string): Jurisdiction | undefined {
    // A record can exist before its subject does (an order or consent arrived first): not known yet.
    const s = this.deps.gate()?.subjects.get(subject);
    return s?.known ? s.jurisdiction : undefined;
  }

  private gateOrFail(): GateContext {
    const gate = this.deps.gate();
    if (!gate) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active: nothing can be released', 503);
    return gate;
  }

  private decide(req: ReleaseRequest): { decision: Decision; registry: RegistryModel } {
    const gate = this.gateOrFail();
    let decision = decide(req, gate);
    if (decision.allow && this.deps.policy) decision = narrowOnly(decision, this.deps.policy.apply(req, decision, gate));
    return { decision, registry: gate.registry };
  }

  /** Records a deny and returns the problem to throw (403 with code, article and record). */
  private async refuse(req: ReleaseRequest, d: Decision, registry: RegistryModel, viaDecision: string | null): Promise<CgError> {
    if (d.allow) throw new Error('refuse() needs a deny');
    const row = this.row(req, d, registry, [], [], viaDecision);
    const { leafIndex } = await this.record(row);
    return new CgError(d.code, d.message, 403, [], { article: d.article, decision_id: row.id, ledger_index: leafIndex });
  }

  private row(
    req: ReleaseRequest,
    d: Decision,
    registry: RegistryModel,
    released: DecisionRow['released'],
    tokens: readonly IssuedToken[],
    viaDecision: string | null,
  ): DecisionRow {
    return {
      id: newDecisionId(),
      recipient: req.recipientId,
      subjectPseudonym: this.deps.pseudonym(req.subject),
      purpose: req.purpose,
      requested: req.items ?? null,
      released,
      allow: d.allow,
      code: d.allow ? null : d.code,
      article: d.allow ? null : d.article,
      basis: d.allow ? d.basis : null,
      declarationId: d.declarationId ?? null,
      trace: d.trace,
      registryHash: registry.hash,
      noticeHash: d.allow ? (d.noticeHash ?? null) : null,
      consentEventId: d.allow ? (d.consentEventId ?? null) : null,
      orderRef: req.orderRef ?? null,
      retentionUntil: d.allow ? (d.retentionEndsAt ?? null) : null,
      at: req.at,
      viaDecision,
      tokens,
    };
  }

  /** Journal append; any failure becomes a 500 that carries no data. */
  private record(row: DecisionRow): Promise<{ leafIndex: number }> {
    try {
      // A promise's own catch, not an async function awaiting it: one promise fewer per release.
      return appendDecision(this.deps.journal, row).catch(notRecorded);
    } catch {
      return Promise.reject(notRecordedError());
    }
  }
}

/**
 * Enforces "policy only narrows": a policy result that allows what the statutory decision did not,
 * or adds items or changes forms, is ignored in favour of the statutory decision.
 */
export function narrowOnly(statutory: Decision, fromPolicy: Decision): Decision {
  if (!statutory.allow || !fromPolicy.allow) return statutory.allow ? fromPolicy : statutory;
  if (fromPolicy.declarationId !== statutory.declarationId) return statutory;
  const items = statutory.items;
  // Every release passes here: a declaration's few items are compared in place (no Map per
  // release); a long list the way that stays linear. Either way, a category's form is that of
  // its last statutory item.
  if (items.length > 16) {
    const allowed = new Map(items.map((i) => [i.category, i.form]));
    return fromPolicy.items.every((i) => allowed.get(i.category) === i.form) ? fromPolicy : statutory;
  }
  // Indexed (the policy's items are the gate's frozen list: for-of over it made an iterator
  // result object per item).
  const policyItems = fromPolicy.items;
  for (let p = 0; p < policyItems.length; p++) {
    const i = policyItems[p]!;
    let form: string | undefined;
    for (let k = items.length - 1; k >= 0; k--) {
      if (items[k]!.category === i.category) {
        form = items[k]!.form;
        break;
      }
    }
    if (form !== i.form) return statutory;
  }
  return fromPolicy;
}

function erasedDeny(d: Decision, jurisdiction: Jurisdiction | undefined): Decision {
  const article = articleFor('SUBJECT_ERASED', jurisdiction);
  return {
    allow: false,
    code: 'SUBJECT_ERASED',
    article,
    message: 'the subject has been erased',
    ...(d.declarationId ? { declarationId: d.declarationId } : {}),
    trace: [...d.trace, { check: 'vault', ok: false, detail: 'the subject was erased before the data could be read', article }],
  };
}

const all = (): boolean => true;

const notRecordedError = () => new CgError('DECISION_NOT_RECORDED', 'the decision could not be recorded, so nothing was released', 500);
const notRecorded = (): never => {
  throw notRecordedError();
};

/** A release decided, read and formed: what is recorded, and what the answer is made of once it is. */
interface Formed {
  readonly row: DecisionRow;
  readonly decision: Decision & { allow: true };
  /** The subject's consent write version the decision read (ConsentOrder), if ordered. */
  readonly version: number | undefined;
  readonly items: Record<string, unknown>;
  readonly forms: Record<string, ReleaseForm>;
  readonly missing: string[];
}

function answerOf(f: Formed, leafIndex: number): ReleaseResult {
  return {
    decision_id: f.row.id,
    ledger_index: leafIndex,
    declaration_id: f.decision.declarationId,
    basis: f.decision.basis,
    items: f.items,
    forms: f.forms,
    missing: f.missing,
    retention_until: iso(f.decision.retentionEndsAt),
  };
}

/** An error found in the caller's turn, answered on a microtask (`releaseTo` never answers in the caller's turn). */
function failLater(done: Settle<never>, e: unknown): void {
  queueMicrotask(() => done(e));
}

/** A refusal's problem, recorded: thrown as the release's answer. */
const thrown = (e: CgError): never => {
  throw e;
};

/** What a release of an allowed item list reads from the vault and records (`itemsPlan`). */
interface ItemsPlan {
  /** Every item's category, in order: what the vault is asked for. */
  readonly categories: readonly string[];
  /** Which of them to decrypt; undefined when every form needs its value. Only what leaves as
   * itself (plain, masked) is decrypted; a token or a safe number needs to know that a value
   * is stored, never the value. */
  readonly decrypt: ((category: string) => boolean) | undefined;
  /** The record's items when every item is released (none missing): frozen, interned items. */
  readonly released: DecisionRow['released'];
}

/** The plan for `items`, remembered when the list is frozen (per-frozen.ts; a fresh list is planned afresh). */
export const itemsPlan = perFrozen((items: ReadonlyArray<{ readonly category: string; readonly form: ReleaseForm }>): ItemsPlan => {
  const categories: string[] = [];
  const released: DecisionRow['released'][number][] = [];
  let storedOnly = false;
  for (const i of items) {
    categories.push(i.category);
    released.push(releasedItem(i.category, i.form));
    if (!formNeedsValue(i.form)) storedOnly = true;
  }
  return { categories: Object.freeze(categories), decrypt: storedOnly ? decryptedForms(items) : undefined, released: Object.freeze(released) };
});

/** The categories of `items` whose form is made from the value (a category named twice: if any of its forms is). */
function decryptedForms(items: ReadonlyArray<{ readonly category: string; readonly form: ReleaseForm }>): (category: string) => boolean {
  const decrypt = new Set<string>();
  for (const i of items) if (formNeedsValue(i.form)) decrypt.add(i.category);
  return (category) => decrypt.has(category);
}

// isoTime: the retention end was just formatted for the log entry and the row, so its second is remembered.
const iso = (ms: number | undefined) => (ms === undefined ? null : isoTime(ms));
