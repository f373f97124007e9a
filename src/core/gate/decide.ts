import type { Jurisdiction } from '../registry/schema.ts';
import { articleFor, DENY_ARTICLES, TRANSFER_CONSENT_ARTICLE } from './articles.ts';
import { addDuration, addDurationAt } from '../time/duration.ts';
import { isoString } from '../time/iso.ts';
import type { RegistryModel } from '../registry/model.ts';
import { allowTraces, gateIndex, itemsOfMask, type DeclarationPlan, type FastPlan, type GateIndex, type PartyPlan, type RetentionPlan, type TransferPlan } from './gate-index.ts';
import { EMPTY, idHash } from './open-addressing.ts';
import { CONSENT_OK, ORDER_OK, SUBJECT_OK, SUSPENSION_OK, TRANSFER_CONSENT_OK } from './steps.ts';
import type { ActiveConsent, ConsentAnswer, Decision, DenyCode, GateContext, ReleasedItem, ReleaseRequest, RightsStop, SubjectGate, SuspensionInfo, TraceStep } from './types.ts';

/**
 * The statutory release decision. Pure: reads only the in-memory indexes in `ctx` and the time
 * in `req.at`. Checks run in a fixed order and stop at the first failure; every check performed
 * leaves a trace step (passing steps are shared frozen objects from the `GateIndex`).
 *
 * A registry recipient (a courier, a processor):
 *  1. subject known and not erased        UNKNOWN_SUBJECT, SUBJECT_ERASED
 *  2. recipient declared                   UNDECLARED_RECIPIENT
 *  2b. no suspension order in force        TRANSFER_SUSPENDED (PIPA 28-9)
 *  3. a declaration for (party, purpose)   UNDECLARED_PURPOSE
 *
 * A class member (one seller among many) never learns anything about a customer it has no
 * order with, so everything that does not depend on the subject comes first, then the order,
 * and only then the subject's state (no status oracle):
 *  1. member of a declared class           UNDECLARED_RECIPIENT
 *  1b. accepted the class's current agreement NO_RECIPIENT_CONTRACT (PIPA 28-8(4))
 *  1c. no suspension order in force        TRANSFER_SUSPENDED (PIPA 28-9)
 *  2. a declaration for (class, purpose)   UNDECLARED_PURPOSE
 *  2b. an order of this subject with this member covers the declaration   NO_ORDER (PIPA 17(2)1, 18)
 *  3. subject known and not erased        UNKNOWN_SUBJECT, SUBJECT_ERASED
 *
 * Then, for every caller, per declaration:
 *  4. requested items ⊆ declared items     UNDECLARED_ITEMS (refused, never silently dropped)
 *  5. no objection to the purpose, no completed objection/suspension request   SUBJECT_OBJECTED
 *  5b. the legal basis carries it          NO_LEGAL_BASIS (law packs: PIPA 17(1), 26; GDPR 6)
 *  6. overseas → a valid transfer ground   NO_TRANSFER_GROUND
 *  7. consent (basis or transfer ground)   NO_CONSENT, NO_TRANSFER_CONSENT, CONSENT_WITHDRAWN,
 *     each choice apart, naming the member  CONSENT_EXPIRED, CONSENT_STALE
 *  8. retention window not ended           RETENTION_EXPIRED
 *
 * Steps a class member fails before its order is checked cite both laws' articles: the
 * subject's jurisdiction is itself something the member must not learn.
 *
 * When several declarations match (party, purpose), the first that allows wins; otherwise the
 * deny that got furthest through the checks is returned. Operator rules (POLICY_DENY) come after,
 * in src/policy/cedar.ts.
 *
 * Two evaluations of the same checks: the allow path (`allowOrGiveUp`) answers an allow from the
 * index's tables without building anything but the decision, and gives up at the first check
 * that does not pass; the traced one (`decideTraced`) then builds the deny, and answers every
 * `explain`. They never disagree (test/gate/fast-path.test.ts, test/gate/decide.property.test.ts).
 */
export interface DecideOptions {
  /**
   * Keep checking after the first failure (for `/v1/releases/explain`): the code, article and
   * message are still those of the first failing check, and the trace shows every check that
   * could run. Checks that need a declaration cannot run when recipient or purpose fail, and
   * nothing after a class member's failed recipient, agreement, suspension or order check runs.
   */
  readonly explain?: boolean;
}

export function decide(req: ReleaseRequest, ctx: GateContext, opts?: DecideOptions): Decision {
  const explain = opts?.explain === true;
  if (!explain) {
    const allowed = allowOrGiveUp(req, ctx);
    if (allowed !== undefined) return allowed;
  }
  return decideTraced(req, ctx, explain);
}

/**
 * The allow path alone: its answer (an allow, or one of the denies it builds itself), or
 * undefined where `decide` would ask the traced evaluation. For the tests that compare the two
 * (test/gate/decide.property.test.ts); `decide` is what everything else calls.
 */
export function decideOnAllowPath(req: ReleaseRequest, ctx: GateContext): Decision | undefined {
  return allowOrGiveUp(req, ctx);
}

/**
 * The same checks in the same order, building the trace and the messages as they go: every deny
 * and every explanation comes from here. `allowOrGiveUp` must never answer differently from this
 * (test/gate/fast-path.test.ts compares them on every request of the gate bench).
 */
export function decideTraced(req: ReleaseRequest, ctx: GateContext, explain = false): Decision {
  const idx = indexOf(ctx.registry);
  const fixed = idx.parties.get(req.recipientId);
  if (fixed === undefined || fixed.kind !== 'recipient') return decideForMember(req, ctx, idx, explain);

  const subject = ctx.subjects.get(req.subject);
  if (subject === undefined || !subject.known) {
    return deny('UNKNOWN_SUBJECT', undefined, [step('subject', false, 'no data is held for this subject', articleFor('UNKNOWN_SUBJECT', undefined))]);
  }
  const j = subject.jurisdiction;
  if (subject.erased) {
    return deny('SUBJECT_ERASED', undefined, [step('subject', false, 'the subject has been erased', ofJ(DENY_ARTICLES.SUBJECT_ERASED, j))]);
  }
  const trace: TraceStep[] = [ofJ(SUBJECT_OK, j), fixed.okStep];
  const country = fixed.country!;
  const suspended = ctx.suspensions.find(req.recipientId, undefined, country, req.at);
  if (suspended !== undefined) {
    trace.push(suspensionStep(suspended, articleFor('TRANSFER_SUSPENDED', j)));
    return deny('TRANSFER_SUSPENDED', undefined, trace);
  }
  trace.push(SUSPENSION_OK);

  const plans = fixed.byPurpose.get(req.purpose);
  if (plans === undefined) {
    trace.push(step('purpose', false, undeclaredPurpose(idx, fixed, req.purpose), ofJ(DENY_ARTICLES.UNDECLARED_PURPOSE, j)));
    return deny('UNDECLARED_PURPOSE', undefined, trace);
  }
  return evaluatePlans(plans, { req, ctx, subject, j, party: fixed, recipientKey: fixed.key, country, explain }, trace);
}

// ---- The allow path ---------------------------------------------------------------------------
//
// The checks of `decideTraced`, in its order, without a trace: an allow is built from values the
// index holds (the trace and item lists are shared frozen arrays, consent answers are the
// projection's own objects), so the only allocation is the decision itself. At the first check
// that fails — or anything the tables do not cover — it gives up (undefined) and `decide` asks
// `decideTraced`, which builds the deny with its trace and messages. (One exception: an expired
// retention window of the only candidate declaration, whose deny is the allow's trace with the
// last step failing — built here, equal to the traced one by test/gate/fast-path.test.ts.) Everything about the
// subject comes from its one region (`ctx.subjects.find`): one hash lookup per decision.

function allowOrGiveUp(req: ReleaseRequest, ctx: GateContext): Decision | undefined {
  const idx = indexOf(ctx.registry);
  const fixed = idx.parties.get(req.recipientId);
  if (fixed !== undefined && fixed.kind === 'recipient') {
    const subject = ctx.subjects.find(req.subject);
    if (subject === undefined || !subject.releasable()) return undefined;
    const country = fixed.country!;
    if (suspended(req, ctx, undefined, country)) return undefined;
    const plans = fixed.byPurpose.get(req.purpose);
    if (plans === undefined) return undefined;
    for (let i = 0; i < plans.length; i++) {
      const d = allowOf(plans[i]!, req, ctx, subject, fixed.key, country, plans.length === 1);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  // The member's fields from its table slot (one shared view, read at once): no member object.
  // The subject's table slot is read first, right before the member's: the two loads do not
  // depend on each other, so after an eviction both misses are in flight at once, instead of
  // the subject's waiting until the member, its class and its purposes have been looked at
  // (docs/gate-history.md, twelfth round). Both hashes first: they read only the request's strings.
  const hs = idHash(req.subject);
  const hm = idHash(req.recipientId);
  const first = ctx.subjects.first === undefined ? 0 : ctx.subjects.first(hs);
  const member = ctx.members.find(req.recipientId, hm);
  if (member === undefined) return undefined;
  const party = idx.parties.get(member.classId);
  if (party === undefined || party.kind !== 'class') return undefined;
  if (party.agreement !== undefined && member.agreementVersion !== party.agreement.version) return undefined;
  if (suspended(req, ctx, party.id, member.country)) return undefined;
  const plans = party.byPurpose.get(req.purpose);
  if (plans === undefined || req.orderRef === undefined) return undefined;
  // The home slot held nothing: the subject is unknown (the traced evaluation says so).
  if (first === EMPTY) return undefined;
  const subject = ctx.subjects.find(req.subject, hs);
  if (subject === undefined) return undefined;
  const ordered = subject.orderedDeclarations(member.key, req.orderRef);
  if (ordered === undefined) return undefined;
  if (!subject.releasable()) return undefined;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    if (!ordered.includes(plan.id)) continue;
    const d = allowOf(plan, req, ctx, subject, member.key, member.country, plans.length === 1);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * Whether a suspension order is in force for the caller (the allow path's check 2b/1c). It takes
 * the request, not its time: where V8 does not inline the lookup into `allowOrGiveUp` (the member
 * table's probe takes much of its inlining budget), a time passed as a number is boxed on the
 * call — 16 bytes per courier or processor allow — while the request is a pointer.
 */
function suspended(req: ReleaseRequest, ctx: GateContext, classId: string | undefined, country: string): boolean {
  return ctx.suspensions.find(req.recipientId, classId, country, req.at) !== undefined;
}

/**
 * Checks 4–8 of one declaration; the allow, or undefined at the first check that does not pass.
 * One deny is built here too: when `plan` is the only candidate (`sole`) and every check but the
 * retention window passed, the traced evaluation's answer is RETENTION_EXPIRED with the allow's
 * trace minus its last step plus the failing one (`retentionExpired`) — a fifth of the bench's
 * requests, which would otherwise run every check twice.
 */
function allowOf(plan: DeclarationPlan, req: ReleaseRequest, ctx: GateContext, subject: SubjectGate, recipientKey: number, country: string, sole: boolean): Decision | undefined {
  const fast = plan.fast;
  if (fast === undefined) return undefined;
  const j = subject.jurisdiction;
  // The destination's transfer plan (check 6), read first: the denies below take their trace from it.
  const tp = plan.transfer.get(country);

  // 4. Items, as bits of the declaration's items.
  const requested = req.items;
  let mask = fast.full;
  if (requested !== undefined) {
    mask = 0;
    for (let i = 0; i < requested.length; i++) {
      const b = fast.bit.get(requested[i]!);
      if (b === undefined) return sole ? denyAfter(plan, tp, country, j, ITEMS_AT, 'UNDECLARED_ITEMS', itemsStep(plan, requested, j)) : undefined;
      mask |= b;
    }
  }

  // 5. Objection.
  const stopped = subject.stop(plan.id, plan.purposeId);
  if (stopped !== undefined) return sole ? denyAfter(plan, tp, country, j, OBJECTION_AT, 'SUBJECT_OBJECTED', stopStep(stopped, plan, j)) : undefined;
  if (plan.objectionApplies && subject.objected(plan.purposeId)) return sole ? denyAfter(plan, tp, country, j, OBJECTION_AT, 'SUBJECT_OBJECTED', objectedStep(plan, j)) : undefined;

  // 5b. Legal basis, 6. transfer: verdicts of the law packs, compiled into the index. (Read by
  // name, not as `x[j]`: a load keyed by a string variable taking two values is a megamorphic
  // inline-cache call on every decision, a named load is inlined.)
  const lb = j === 'KR' ? plan.legalBasis.KR : plan.legalBasis.EU;
  if (!lb.ok) return sole ? denyAfter(plan, tp, country, j, BASIS_AT, 'NO_LEGAL_BASIS', lb.step) : undefined;
  let overseas = false;
  if (tp === undefined) {
    if (ctx.registry.isOverseas(country, j)) return undefined;
  } else {
    const r = j === 'KR' ? tp.KR : tp.EU;
    if (!r.ok) return sole ? denyAfter(plan, tp, country, j, TRANSFER_AT, 'NO_TRANSFER_GROUND', r.step) : undefined;
    overseas = r.overseas;
  }

  // 7. Consent: each choice needed on its own, active, to the current terms, covering the items.
  let consentEventId: string | undefined;
  let transferConsentEventId: string | undefined;
  let noticeHash: string | undefined;
  // One loop over the two choices, so that `activeConsent` and `consentedMask` have one call
  // site each: V8 inlines them there, where with two sites its inlining budget covered only the
  // first, and the second call took the request time as a boxed number (an allocation).
  const needTransfer = overseas && plan.transferGroundIsConsent;
  for (let transfer = plan.basis !== 'consent'; transfer ? needTransfer : true; transfer = !transfer) {
    const st = subject.activeConsent(transfer ? plan.transferKey : plan.key, recipientKey, req.at, plan.scopedOnly);
    let left = -1;
    if (st === undefined || (left = consentedMask(st, plan, fast, mask, requested !== undefined)) < 0) return sole ? consentDeny(plan, tp, req, subject, recipientKey, country, transfer, mask) : undefined;
    mask = left;
    if (transfer) {
      transferConsentEventId = st.eventId;
      noticeHash ??= st.noticeHash;
      consentEventId ??= transferConsentEventId;
      break;
    }
    consentEventId = st.eventId;
    noticeHash = st.noticeHash;
  }

  // 8. Retention.
  let retentionEndsAt: number | undefined;
  const ret = plan.retention;
  if (ret.kind === 'release') {
    retentionEndsAt = addDurationAt(req, ret.duration);
  } else if (ret.kind === 'collection') {
    if (subject.collectedAt === undefined) return undefined;
    retentionEndsAt = addDuration(subject.collectedAt, ret.duration);
    if (req.at >= retentionEndsAt) return sole ? retentionExpired(plan, ret, retentionEndsAt, country, subject.jurisdiction) : undefined;
  } else if (ret.kind === 'contract_end') {
    const end = subject.contractWindowEnd(req.orderRef, ret.duration);
    if (!Number.isNaN(end)) {
      retentionEndsAt = end;
      if (req.at >= retentionEndsAt) return sole ? retentionExpired(plan, ret, retentionEndsAt, country, subject.jurisdiction) : undefined;
    }
  }

  const items = itemsOfMask(plan, fast, mask);
  // The transfer plan holds the destination's traces (built with the index); others: `allowTraces`.
  const traces = tp?.allowed ?? allowTraces(plan, country);
  const trace = j === 'KR' ? traces.KR : traces.EU;
  // Two literal shapes rather than a spread: the transfer consent is named only when it differs.
  return transferConsentEventId !== undefined && transferConsentEventId !== consentEventId
    ? { allow: true, declarationId: plan.id, basis: plan.basis, items, consentEventId, transferConsentEventId, noticeHash, retentionEndsAt, trace }
    : { allow: true, declarationId: plan.id, basis: plan.basis, items, consentEventId, noticeHash, retentionEndsAt, trace };
}

/** RETENTION_EXPIRED as `evaluate` builds it for a sole declaration whose other checks all passed. */
function retentionExpired(plan: DeclarationPlan, ret: RetentionPlan, end: number, country: string, j: Jurisdiction): Decision {
  const passed = ofJ(allowTraces(plan, country).source, j);
  const failed = step('retention', false, retentionEnded(ret, end), ofJ(DENY_ARTICLES.RETENTION_EXPIRED, j));
  return withFailed(passed, passed.length - 1, 'RETENTION_EXPIRED', plan.id, failed);
}

// ---- Denies on the allow path -------------------------------------------------------------------
//
// When the declaration is the only candidate (`sole`), the traced evaluation's deny at checks 4–7
// is the allow's trace up to the failing check, then the failing step: the passing steps are the
// index's shared ones, and the failing step is built by the same functions the traced evaluation
// uses (`itemsStep`, `stopStep`, `objectedStep`, the plan's shared basis and transfer steps,
// `consentStep`, `noticeStep`). So a common deny runs the checks once and builds one step, not
// the whole trace with a second pass over the lookups. Equal to the traced answer by
// test/gate/fast-path.test.ts (every bench request) and test/gate/decide.property.test.ts.

/** Passing steps after the party's prefix (`FastPlan.prefix`) before each check: purpose; + items; + objection; + basis; + transfer. */
const ITEMS_AT = 1;
const OBJECTION_AT = 2;
const BASIS_AT = 3;
const TRANSFER_AT = 4;
const CONSENT_AT = 5;

/** The deny at the check after `passed` passing steps (beyond the party's prefix) of the allow's trace. */
function denyAfter(plan: DeclarationPlan, tp: TransferPlan | undefined, country: string, j: Jurisdiction, passed: number, code: DenyCode, failed: TraceStep): Decision {
  const traces = tp?.allowed ?? allowTraces(plan, country);
  return withFailed(ofJ(traces.source, j), ofJ(plan.fast!.prefix, j).length + passed, code, plan.id, failed);
}

/** The first `n` steps of `passed`, then `failed`: a deny's own trace array. */
function withFailed(passed: readonly TraceStep[], n: number, code: DenyCode, declarationId: string, failed: TraceStep): Decision {
  // Copied by hand from the unfrozen `source` arrays (`slice` of a frozen array takes V8's slow path).
  const trace: TraceStep[] = new Array<TraceStep>(n + 1);
  for (let i = 0; i < n; i++) trace[i] = passed[i]!;
  trace[n] = failed;
  return deny(code, declarationId, trace, failed);
}

/**
 * The consent deny of checks 7 (provision) or 7b (transfer) when `activeConsent` or the items
 * refused (`mask`: the items still released before this choice), from the full answer as the
 * traced evaluation reads it; undefined (the traced evaluation decides) if that answer carries
 * the release after all.
 */
function consentDeny(plan: DeclarationPlan, tp: TransferPlan | undefined, req: ReleaseRequest, subject: SubjectGate, recipientKey: number, country: string, transfer: boolean, mask: number): Decision | undefined {
  const j = subject.jurisdiction;
  const needProvision = plan.basis === 'consent';
  // From the cells `activeConsent` has just read (the slot and answer objects are not fetched).
  const st = subject.consentState(transfer ? plan.transferKey : plan.key, recipientKey, req.at, plan.scopedOnly);
  const passed = CONSENT_AT + (transfer && needProvision ? 1 : 0);
  const code = consentCode(st, plan, transfer);
  if (code !== undefined) return denyAfter(plan, tp, country, j, passed, code, consentStep(st, plan, transfer, needProvision, req.recipientId, j));
  const shown = (st as ActiveStatus).items;
  const items = itemsOfMask(plan, plan.fast!, mask);
  let beyond: string[] | undefined;
  let left = 0;
  for (let i = 0; i < items.length; i++) {
    if (shown.includes(items[i]!.category)) left++;
    else (beyond ??= []).push(items[i]!.category);
  }
  if (req.items !== undefined ? beyond === undefined : left > 0) return undefined;
  return denyAfter(plan, tp, country, j, passed, transfer ? 'NO_TRANSFER_CONSENT' : 'NO_CONSENT', noticeStep(st as ActiveStatus, transfer, req.items !== undefined ? beyond : undefined, j));
}

/** The failing items step: the requested items `plan` does not declare, each once, in request order. */
function itemsStep(plan: DeclarationPlan, requested: readonly string[], j: Jurisdiction): TraceStep {
  const undeclared: string[] = [];
  for (const c of requested) if (!plan.byCategory.has(c)) undeclared.push(c);
  return step('items', false, `not declared in ${plan.id}: ${unique(undeclared).join(', ')}`, ofJ(DENY_ARTICLES.UNDECLARED_ITEMS, j));
}

function stopStep(stopped: RightsStop, plan: DeclarationPlan, j: Jurisdiction): TraceStep {
  return step('objection', false, `the subject's ${stopped.type} request ${stopped.requestId} covers ${plan.id}`, ofJ(DENY_ARTICLES.SUBJECT_OBJECTED, j));
}

function objectedStep(plan: DeclarationPlan, j: Jurisdiction): TraceStep {
  return step('objection', false, `the subject objected to ${plan.purpose.id}`, ofJ(DENY_ARTICLES.SUBJECT_OBJECTED, j));
}

/** The failing retention step's detail, one text for both evaluations. */
function retentionEnded(ret: RetentionPlan, end: number): string {
  return ret.kind === 'indefinite' ? '' : ret.kind === 'release' ? `retention ${ret.text} from release ended ${isoString(end)}` : ret.ended + isoString(end);
}

/**
 * The items left once active consent `st` is applied to `mask`, or -1 when it does not carry the
 * release: given to other terms, or not showing an explicitly requested item (an open request is
 * narrowed to what the notice showed, and fails when nothing is left).
 */
function consentedMask(st: ActiveConsent, plan: DeclarationPlan, fast: FastPlan, mask: number, explicit: boolean): number {
  if (st.fingerprint !== plan.fingerprint) return -1;
  const items = st.items;
  let shown = fast.shown.get(items);
  if (shown === undefined) {
    shown = 0;
    for (let i = 0; i < items.length; i++) shown |= fast.bit.get(items[i]!) ?? 0;
    // Only a list that cannot change is remembered (the records' lists are interned and frozen).
    if (Object.isFrozen(items)) fast.shown.set(items, shown);
  }
  const left = mask & shown;
  if (left === 0 || (explicit && left !== mask)) return -1;
  return left;
}

/** A class member: everything that does not depend on the subject, then the order, then the subject. */
function decideForMember(req: ReleaseRequest, ctx: GateContext, idx: GateIndex, explain: boolean): Decision {
  // Not a registry recipient: a class member registered later (a class id itself never calls).
  const member = ctx.members.get(req.recipientId);
  const party = member ? idx.parties.get(member.classId) : undefined;
  const trace: TraceStep[] = [];
  if (member === undefined || party === undefined || party.kind !== 'class') {
    trace.push(step('recipient', false, `${req.recipientId} is neither a declared recipient nor a member of a declared class`, articleFor('UNDECLARED_RECIPIENT', undefined)));
    return deny('UNDECLARED_RECIPIENT', undefined, trace);
  }
  trace.push(party.okStep);

  if (party.agreement !== undefined) {
    if (member.agreementVersion !== party.agreement.version) {
      const had = member.agreementVersion ? `accepted v${member.agreementVersion}` : 'accepted none';
      trace.push(step('agreement', false, `${req.recipientId} has not accepted agreement ${party.agreement.id} v${party.agreement.version} (${had})`, articleFor('NO_RECIPIENT_CONTRACT', undefined)));
      return deny('NO_RECIPIENT_CONTRACT', undefined, trace);
    }
    trace.push(party.agreementOkStep!);
  }

  const suspended = ctx.suspensions.find(req.recipientId, party.id, member.country, req.at);
  if (suspended !== undefined) {
    trace.push(suspensionStep(suspended, articleFor('TRANSFER_SUSPENDED', undefined)));
    return deny('TRANSFER_SUSPENDED', undefined, trace);
  }
  trace.push(SUSPENSION_OK);

  const plans = party.byPurpose.get(req.purpose);
  if (plans === undefined) {
    trace.push(step('purpose', false, undeclaredPurpose(idx, party, req.purpose), articleFor('UNDECLARED_PURPOSE', undefined)));
    return deny('UNDECLARED_PURPOSE', undefined, trace);
  }

  // The order: registered for this subject (orders are held under their subject), with this
  // member, naming the declaration. One answer, one message for every way it can fail — no
  // order_ref, an unknown one, another customer's or another seller's order — whatever the
  // subject's state.
  const subject = ctx.subjects.get(req.subject);
  const ordered = req.orderRef === undefined || subject === undefined ? undefined : subject.orderedDeclarations(member.key, req.orderRef);
  let covered: readonly DeclarationPlan[] = EMPTY_PLANS;
  if (ordered !== undefined) {
    covered = plans.length === 1 ? (ordered.includes(plans[0]!.id) ? plans : EMPTY_PLANS) : plans.filter((p) => ordered.includes(p.id));
  }
  if (covered.length === 0) {
    trace.push(step('order', false, `no registered order of this subject with ${req.recipientId} covers ${req.purpose}`, articleFor('NO_ORDER', undefined)));
    return deny('NO_ORDER', undefined, trace);
  }
  trace.push(ORDER_OK);

  if (subject === undefined || !subject.known) {
    trace.push(step('subject', false, 'no data is held for this subject', articleFor('UNKNOWN_SUBJECT', undefined)));
    return deny('UNKNOWN_SUBJECT', undefined, trace);
  }
  const j = subject.jurisdiction;
  if (subject.erased) {
    trace.push(step('subject', false, 'the subject has been erased', ofJ(DENY_ARTICLES.SUBJECT_ERASED, j)));
    return deny('SUBJECT_ERASED', undefined, trace);
  }
  trace.push(ofJ(SUBJECT_OK, j));
  return evaluatePlans(covered, { req, ctx, subject, j, party, recipientKey: member.key, country: member.country, explain }, trace);
}

/** What one traced evaluation of a declaration reads besides the plan and the trace. */
interface Evaluation {
  readonly req: ReleaseRequest;
  readonly ctx: GateContext;
  readonly subject: SubjectGate;
  /** The subject's jurisdiction. */
  readonly j: Jurisdiction;
  /** The registry recipient, or the class of the member asking. */
  readonly party: PartyPlan;
  /** The key (`idKey`) of the caller: the registry recipient or the member. */
  readonly recipientKey: number;
  /** The destination: the recipient's country or the member's. */
  readonly country: string;
  readonly explain: boolean;
}

function evaluatePlans(plans: readonly DeclarationPlan[], ev: Evaluation, trace: TraceStep[]): Decision {
  if (plans.length === 1) return evaluate(plans[0]!, ev, trace);
  let best: Decision | undefined;
  for (const plan of plans) {
    const d = evaluate(plan, ev, trace.slice());
    if (d.allow) return d;
    if (best === undefined || reached(d) > reached(best)) best = d;
  }
  return best!;
}

function undeclaredPurpose(idx: GateIndex, party: PartyPlan, purpose: string): string {
  return idx.purposes.has(purpose) ? `no declaration lets ${party.id} receive data for ${purpose}` : `purpose ${purpose} is not in the registry`;
}

function suspensionStep(s: SuspensionInfo, article: string): TraceStep {
  const what = s.country !== undefined ? `transfers to ${s.country}` : `releases to ${s.recipient}`;
  return step('suspension', false, `suspension order ${s.id} stops ${what} since ${new Date(s.from).toISOString()}`, article);
}

const EMPTY_PLANS: readonly DeclarationPlan[] = Object.freeze([]);

// The last registry's index, in front of the WeakMap: one registry is active at a time.
let lastRegistry: RegistryModel | undefined;
let lastIndex: GateIndex | undefined;
function indexOf(registry: RegistryModel): GateIndex {
  if (registry !== lastRegistry) {
    lastIndex = gateIndex(registry);
    lastRegistry = registry;
  }
  return lastIndex!;
}

/**
 * The first failure decides the code. Normally it also ends the evaluation; when explaining, the
 * remaining checks still run so the trace shows every problem at once. (A class rather than a
 * closure per evaluation.)
 */
class Failures {
  code: DenyCode | undefined;
  step: TraceStep | undefined;
  constructor(
    private readonly trace: TraceStep[],
    private readonly explain: boolean,
  ) {}

  /** Records a failed check; true when the evaluation stops here. */
  fail(code: DenyCode, s: TraceStep): boolean {
    this.trace.push(s);
    if (this.code === undefined) {
      this.code = code;
      this.step = s;
    }
    return !this.explain;
  }
}

function evaluate(plan: DeclarationPlan, ev: Evaluation, trace: TraceStep[]): Decision {
  const { req, ctx, subject, j, party, country, recipientKey } = ev;
  trace.push(plan.steps.purposeOk);
  const failures = new Failures(trace, ev.explain);

  // 4. Items: all requested must be declared; the answer keeps declaration order.
  let items = plan.items;
  const requested = req.items;
  if (requested !== undefined) {
    let undeclared: string[] | undefined;
    for (const c of requested) if (!plan.byCategory.has(c)) (undeclared ??= []).push(c);
    items = pick(plan.items, requested);
    if (undeclared !== undefined) {
      if (failures.fail('UNDECLARED_ITEMS', itemsStep(plan, requested, j))) {
        return deny('UNDECLARED_ITEMS', plan.id, trace);
      }
    } else trace.push(plan.steps.itemsOk);
  } else trace.push(plan.steps.itemsOk);

  // 5. Objection: a completed objection or processing-suspension request (PIPA 37, GDPR 21) stops
  // releases in its scope whatever the purpose; `Sec-GPC` and consent-ledger objections stop
  // optional and ad-targeting purposes.
  const stopped = subject.stop(plan.id, plan.purposeId);
  if (stopped !== undefined) {
    if (failures.fail('SUBJECT_OBJECTED', stopStep(stopped, plan, j))) {
      return deny('SUBJECT_OBJECTED', plan.id, trace);
    }
  } else if (plan.objectionApplies && subject.objected(plan.purposeId)) {
    if (failures.fail('SUBJECT_OBJECTED', objectedStep(plan, j))) {
      return deny('SUBJECT_OBJECTED', plan.id, trace);
    }
  } else trace.push(plan.steps.objectionOk);

  // 5b. Legal basis: the pack's verdict for the subject's jurisdiction, precomputed (shared step).
  const lb = ofJ(plan.legalBasis, j);
  if (!lb.ok) {
    if (failures.fail('NO_LEGAL_BASIS', lb.step)) return deny('NO_LEGAL_BASIS', plan.id, trace);
  } else trace.push(lb.step);

  // 6. Transfer: verdicts are precomputed per destination country and jurisdiction.
  const tp = plan.transfer.get(country);
  let overseas: boolean;
  if (tp === undefined) {
    // A class member outside the class's declared countries: the notice never named its country.
    overseas = ctx.registry.isOverseas(country, j);
    if (overseas) {
      if (failures.fail('NO_TRANSFER_GROUND', step('transfer', false, `${country} is not among the countries declared for ${party.id}`, ofJ(DENY_ARTICLES.NO_TRANSFER_GROUND, j)))) {
        return deny('NO_TRANSFER_GROUND', plan.id, trace);
      }
    } else trace.push(step('transfer', true, `${country} is not overseas for ${j} subjects`));
  } else {
    const r = ofJ(tp, j);
    overseas = r.overseas;
    if (!r.ok) {
      if (failures.fail('NO_TRANSFER_GROUND', r.step)) return deny('NO_TRANSFER_GROUND', plan.id, trace);
    } else trace.push(r.step);
  }

  // 7. Consent: the provision consent when the legal basis is consent, and — for an overseas
  // recipient whose transfer ground is consent — the separate transfer consent (PIPA 28-8(1)1,
  // 22(1)): two choices, each checked on its own. A class's declaration counts only consents
  // naming the member asking (PIPA 17(2)1); a consent to other terms is stale (PIPA 17(2), 28-8(3)).
  let consentEventId: string | undefined;
  let transferConsentEventId: string | undefined;
  let noticeHash: string | undefined;
  const needProvision = plan.basis === 'consent';
  const needTransfer = overseas && plan.transferGroundIsConsent;
  if (needProvision || needTransfer) {
    let ok = true;
    for (const kind of CONSENT_KINDS) {
      if (kind === 'provision' ? !needProvision : !needTransfer) continue;
      const transfer = kind === 'transfer';
      const st = subject.consent(transfer ? plan.transferKey : plan.key, recipientKey, req.at, plan.scopedOnly);
      let failed = true;
      const code = consentCode(st, plan, transfer);
      if (code !== undefined) {
        if (failures.fail(code, consentStep(st, plan, transfer, needProvision, req.recipientId, j))) return deny(code, plan.id, trace);
      } else {
        // Consent never covers more than the notice showed: an explicit request beyond it is
        // refused whole; an open request ("everything declared") is narrowed to what was shown.
        const shown = (st as ActiveStatus).items;
        let beyond: string[] | undefined;
        if (requested !== undefined) {
          for (const it of items) if (!shown.includes(it.category)) (beyond ??= []).push(it.category);
        } else {
          items = narrow(items, shown);
        }
        if (beyond !== undefined || items.length === 0) {
          const noConsent = transfer ? 'NO_TRANSFER_CONSENT' : 'NO_CONSENT';
          if (failures.fail(noConsent, noticeStep(st as ActiveStatus, transfer, beyond, j))) return deny(noConsent, plan.id, trace);
        } else {
          failed = false;
          if (transfer) transferConsentEventId = (st as ActiveStatus).eventId;
          else consentEventId = (st as ActiveStatus).eventId;
          noticeHash ??= (st as ActiveStatus).noticeHash;
          // The event and notice are in the decision itself: the passing step stays a shared constant.
          trace.push(transfer ? TRANSFER_CONSENT_OK : CONSENT_OK);
        }
      }
      if (failed) ok = false;
    }
    // Only the transfer consent was needed: it is the consent the release relied on.
    if (ok && consentEventId === undefined) consentEventId = transferConsentEventId;
  } else {
    trace.push(plan.steps.consentNotNeeded);
  }

  // 8. Retention.
  let retentionEndsAt: number | undefined;
  let retentionFailed = false;
  const ret = plan.retention;
  if (ret.kind === 'release') {
    retentionEndsAt = addDuration(req.at, ret.duration);
  } else if (ret.kind !== 'indefinite') {
    const anchor = ret.kind === 'collection' ? subject.collectedAt : subject.contractEnd(req.orderRef);
    if (anchor === undefined && ret.kind === 'collection') {
      // Fail closed: without the collection time the window cannot be shown to be open.
      retentionFailed = true;
      if (failures.fail('RETENTION_EXPIRED', step('retention', false, 'collection time unknown: the retention window cannot be established', ofJ(DENY_ARTICLES.RETENTION_EXPIRED, j)))) {
        return deny('RETENTION_EXPIRED', plan.id, trace);
      }
    } else if (anchor !== undefined) {
      const end = addDuration(anchor, ret.duration);
      if (req.at >= end) {
        retentionFailed = true;
        const why = retentionEnded(ret, end);
        if (failures.fail('RETENTION_EXPIRED', step('retention', false, why, ofJ(DENY_ARTICLES.RETENTION_EXPIRED, j)))) {
          return deny('RETENTION_EXPIRED', plan.id, trace);
        }
      }
      retentionEndsAt = end;
    }
    // contract_end with no end yet: the contract is ongoing, the window has not started.
  }
  if (!retentionFailed) trace.push(plan.steps.retentionOk);

  if (failures.code !== undefined) return deny(failures.code, plan.id, trace, failures.step);
  return {
    allow: true,
    declarationId: plan.id,
    basis: plan.basis,
    items,
    consentEventId,
    ...(transferConsentEventId !== undefined && transferConsentEventId !== consentEventId ? { transferConsentEventId } : {}),
    noticeHash,
    retentionEndsAt,
    trace,
  };
}

/** A consent answer that is not `none`: its event, notice, items and terms. */
type ActiveStatus = Exclude<ConsentAnswer, { readonly state: 'none' }>;

/**
 * The deny code of a consent answer that cannot carry the release (none, withdrawn, expired, or
 * given to other terms), undefined when it is active to the current terms — the items it showed
 * are checked apart (`noticeStep`). One reading for both evaluations.
 */
function consentCode(st: ConsentAnswer, plan: DeclarationPlan, transfer: boolean): DenyCode | undefined {
  if (st.state === 'none') return transfer ? 'NO_TRANSFER_CONSENT' : 'NO_CONSENT';
  if (st.state === 'withdrawn') return 'CONSENT_WITHDRAWN';
  if (st.state === 'expired') return 'CONSENT_EXPIRED';
  return st.fingerprint !== plan.fingerprint ? 'CONSENT_STALE' : undefined;
}

/** The failing consent step of an answer `consentCode` refuses: its text and article. */
function consentStep(st: ConsentAnswer, plan: DeclarationPlan, transfer: boolean, needProvision: boolean, recipientId: string, j: Jurisdiction): TraceStep {
  const what = transfer ? `the overseas transfer (${plan.transferChoice})` : plan.id;
  const check = transfer ? 'transfer_consent' : 'consent';
  if (st.state === 'none') {
    const why = transfer && needProvision ? `no separate consent to ${what}: the provision consent alone does not cover it` : `no consent to ${what}${plan.scopedOnly ? ` naming ${recipientId}` : ''}`;
    return step(check, false, why, transfer ? ofJ(TRANSFER_CONSENT_ARTICLE, j) : ofJ(DENY_ARTICLES.NO_CONSENT, j));
  }
  if (st.state === 'withdrawn') return step(check, false, `consent to ${what} withdrawn by ${st.eventId}`, ofJ(DENY_ARTICLES.CONSENT_WITHDRAWN, j));
  if (st.state === 'expired') return step(check, false, `consent ${st.eventId} to ${what} has expired`, ofJ(DENY_ARTICLES.CONSENT_EXPIRED, j));
  const why = `consent ${st.eventId} to ${what} was given to other terms (notice ${st.noticeHash.slice(0, 12)}): the registry changed them since; ask the subject again`;
  return step(check, false, why, ofJ(DENY_ARTICLES.CONSENT_STALE, j));
}

/** The failing consent step when the notice did not show the requested items (`beyond`), or none of the declared ones. */
function noticeStep(st: ActiveStatus, transfer: boolean, beyond: readonly string[] | undefined, j: Jurisdiction): TraceStep {
  const shown = beyond !== undefined ? `did not show: ${beyond.join(', ')}` : 'showed none of the declared items';
  return step(transfer ? 'transfer_consent' : 'consent', false, `the notice consented to (${st.noticeHash.slice(0, 12)}) ${shown}`, transfer ? ofJ(TRANSFER_CONSENT_ARTICLE, j) : ofJ(DENY_ARTICLES.NO_CONSENT, j));
}

/** A deny citing `failed` (by default the last step: the check that stopped the evaluation). */
function deny(code: DenyCode, declarationId: string | undefined, trace: TraceStep[], failed = trace[trace.length - 1]!): Decision {
  return { allow: false, code, article: failed.article ?? articleFor(code, undefined), message: failed.detail, declarationId, trace };
}

/** How far a deny got: the index of its first failing step. */
function reached(d: Decision): number {
  return d.trace.findIndex((s) => !s.ok);
}

/** Declared items that were requested, in declaration order; reuses the declared list when all are. */
function pick(declared: readonly ReleasedItem[], requested: readonly string[]): readonly ReleasedItem[] {
  let n = 0;
  for (const it of declared) if (requested.includes(it.category)) n++;
  if (n === declared.length) return declared;
  const out: ReleasedItem[] = [];
  for (const it of declared) if (requested.includes(it.category)) out.push(it);
  return out;
}

function narrow(items: readonly ReleasedItem[], allowed: readonly string[]): readonly ReleasedItem[] {
  let all = true;
  for (const it of items) if (!allowed.includes(it.category)) all = false;
  return all ? items : items.filter((it) => allowed.includes(it.category));
}

const unique = (xs: string[]) => [...new Set(xs)];

/** A per-request step: owned by its decision, so not frozen (freezing costs on the hot path). */
function step(check: string, ok: boolean, detail: string, article?: string): TraceStep {
  return article === undefined ? { check, ok, detail } : { check, ok, detail, article };
}

const CONSENT_KINDS = ['provision', 'transfer'] as const;

/**
 * `x[j]` for a per-jurisdiction pair, as two named loads: V8 inlines those, where a load keyed by
 * a string variable that takes both values goes through a megamorphic inline-cache stub.
 */
function ofJ<T>(x: Readonly<Record<Jurisdiction, T>>, j: Jurisdiction): T {
  return j === 'KR' ? x.KR : x.EU;
}
