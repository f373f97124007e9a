import type { Jurisdiction } from '../registry/schema.ts';
import { articleFor, DENY_ARTICLES, TRANSFER_CONSENT_ARTICLE } from './articles.ts';
import { addDuration } from '../time/duration.ts';
import type { RegistryModel } from '../registry/model.ts';
import { gateIndex, step as frozenStep, type DeclarationPlan, type GateIndex, type PartyPlan } from './gate-index.ts';
import type { Decision, DenyCode, GateContext, ReleasedItem, ReleaseRequest, SubjectInfo, SuspensionInfo, TraceStep } from './types.ts';

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
  const idx = indexOf(ctx.registry);
  const fixed = idx.parties.get(req.recipientId);
  if (fixed === undefined || fixed.kind !== 'recipient') return decideForMember(req, ctx, idx, explain);

  const subject = ctx.subjects.get(req.subject);
  if (subject === undefined) {
    return deny('UNKNOWN_SUBJECT', undefined, [step('subject', false, 'no data is held for this subject', articleFor('UNKNOWN_SUBJECT', undefined))]);
  }
  const j = subject.jurisdiction;
  if (subject.erased) {
    return deny('SUBJECT_ERASED', undefined, [step('subject', false, 'the subject has been erased', DENY_ARTICLES.SUBJECT_ERASED[j])]);
  }
  const trace: TraceStep[] = [SUBJECT_OK[j], fixed.okStep];
  const country = fixed.country!;
  const suspended = ctx.suspensions.find([req.recipientId], country, req.at);
  if (suspended !== undefined) {
    trace.push(suspensionStep(suspended, articleFor('TRANSFER_SUSPENDED', j)));
    return deny('TRANSFER_SUSPENDED', undefined, trace);
  }
  trace.push(SUSPENSION_OK);

  const plans = fixed.byPurpose.get(req.purpose);
  if (plans === undefined) {
    trace.push(step('purpose', false, undeclaredPurpose(idx, fixed, req.purpose), DENY_ARTICLES.UNDECLARED_PURPOSE[j]));
    return deny('UNDECLARED_PURPOSE', undefined, trace);
  }
  return evaluatePlans(plans, req, ctx, subject, j, fixed, country, trace, explain);
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

  const suspended = ctx.suspensions.find([req.recipientId, party.id], member.country, req.at);
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

  // The order: registered for this subject, with this member, naming the declaration. One
  // answer, one message for every way it can fail — no order_ref, an unknown one, another
  // customer's or another seller's order — whatever the subject's state.
  const order = req.orderRef === undefined ? undefined : ctx.orders.get(req.orderRef);
  let covered: readonly DeclarationPlan[] = EMPTY_PLANS;
  if (order !== undefined && order.subject === req.subject && order.recipient === req.recipientId) {
    covered = plans.length === 1 ? (order.declarations.includes(plans[0]!.id) ? plans : EMPTY_PLANS) : plans.filter((p) => order.declarations.includes(p.id));
  }
  if (covered.length === 0) {
    trace.push(step('order', false, `no registered order of this subject with ${req.recipientId} covers ${req.purpose}`, articleFor('NO_ORDER', undefined)));
    return deny('NO_ORDER', undefined, trace);
  }
  trace.push(ORDER_OK);

  const subject = ctx.subjects.get(req.subject);
  if (subject === undefined) {
    trace.push(step('subject', false, 'no data is held for this subject', articleFor('UNKNOWN_SUBJECT', undefined)));
    return deny('UNKNOWN_SUBJECT', undefined, trace);
  }
  const j = subject.jurisdiction;
  if (subject.erased) {
    trace.push(step('subject', false, 'the subject has been erased', DENY_ARTICLES.SUBJECT_ERASED[j]));
    return deny('SUBJECT_ERASED', undefined, trace);
  }
  trace.push(SUBJECT_OK[j]);
  return evaluatePlans(covered, req, ctx, subject, j, party, member.country, trace, explain);
}

function evaluatePlans(
  plans: readonly DeclarationPlan[],
  req: ReleaseRequest,
  ctx: GateContext,
  subject: SubjectInfo,
  j: Jurisdiction,
  party: PartyPlan,
  country: string,
  trace: TraceStep[],
  explain: boolean,
): Decision {
  if (plans.length === 1) return evaluate(plans[0]!, req, ctx, subject, j, party, country, trace, explain);
  let best: Decision | undefined;
  for (const plan of plans) {
    const d = evaluate(plan, req, ctx, subject, j, party, country, trace.slice(), explain);
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

function evaluate(
  plan: DeclarationPlan,
  req: ReleaseRequest,
  ctx: GateContext,
  subject: SubjectInfo,
  j: Jurisdiction,
  party: PartyPlan,
  country: string,
  trace: TraceStep[],
  explain: boolean,
): Decision {
  trace.push(plan.steps.purposeOk);
  // The first failure decides the code. Normally it also ends the evaluation; when explaining,
  // the remaining checks still run so the trace shows every problem at once.
  let first: { code: DenyCode; step: TraceStep } | undefined;
  const fail = (code: DenyCode, s: TraceStep): boolean => {
    trace.push(s);
    first ??= { code, step: s };
    return !explain;
  };

  // 4. Items: all requested must be declared; the answer keeps declaration order.
  let items = plan.items;
  const requested = req.items;
  if (requested !== undefined) {
    let undeclared: string[] | undefined;
    for (const c of requested) if (!plan.byCategory.has(c)) (undeclared ??= []).push(c);
    items = pick(plan.items, requested);
    if (undeclared !== undefined) {
      if (fail('UNDECLARED_ITEMS', step('items', false, `not declared in ${plan.id}: ${unique(undeclared).join(', ')}`, DENY_ARTICLES.UNDECLARED_ITEMS[j]))) {
        return deny('UNDECLARED_ITEMS', plan.id, trace);
      }
    } else trace.push(plan.steps.itemsOk);
  } else trace.push(plan.steps.itemsOk);

  // 5. Objection: a completed objection or processing-suspension request (PIPA 37, GDPR 21) stops
  // releases in its scope whatever the purpose; `Sec-GPC` and consent-ledger objections stop
  // optional and ad-targeting purposes.
  const stopped = ctx.rightsStops.find(req.subject, plan.id, plan.purpose.id);
  if (stopped !== undefined) {
    if (fail('SUBJECT_OBJECTED', step('objection', false, `the subject's ${stopped.type} request ${stopped.requestId} covers ${plan.id}`, DENY_ARTICLES.SUBJECT_OBJECTED[j]))) {
      return deny('SUBJECT_OBJECTED', plan.id, trace);
    }
  } else if (plan.objectionApplies && ctx.consents.hasObjected(req.subject, plan.purpose.id)) {
    if (fail('SUBJECT_OBJECTED', step('objection', false, `the subject objected to ${plan.purpose.id}`, DENY_ARTICLES.SUBJECT_OBJECTED[j]))) {
      return deny('SUBJECT_OBJECTED', plan.id, trace);
    }
  } else trace.push(plan.steps.objectionOk);

  // 5b. Legal basis: the pack's verdict for the subject's jurisdiction, precomputed (shared step).
  const lb = plan.legalBasis[j];
  if (!lb.ok) {
    if (fail('NO_LEGAL_BASIS', lb.step)) return deny('NO_LEGAL_BASIS', plan.id, trace);
  } else trace.push(lb.step);

  // 6. Transfer: verdicts are precomputed per destination country and jurisdiction.
  const tp = plan.transfer.get(country);
  let overseas: boolean;
  if (tp === undefined) {
    // A class member outside the class's declared countries: the notice never named its country.
    overseas = ctx.registry.isOverseas(country, j);
    if (overseas) {
      if (fail('NO_TRANSFER_GROUND', step('transfer', false, `${country} is not among the countries declared for ${party.id}`, DENY_ARTICLES.NO_TRANSFER_GROUND[j]))) {
        return deny('NO_TRANSFER_GROUND', plan.id, trace);
      }
    } else trace.push(step('transfer', true, `${country} is not overseas for ${j} subjects`));
  } else {
    const r = tp[j];
    overseas = r.overseas;
    if (!r.ok) {
      if (fail('NO_TRANSFER_GROUND', r.step)) return deny('NO_TRANSFER_GROUND', plan.id, trace);
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
      const choice = transfer ? plan.transferChoice : plan.id;
      const st = ctx.consents.status(req.subject, choice, req.recipientId, req.at, plan.scopedOnly);
      const noConsent: DenyCode = transfer ? 'NO_TRANSFER_CONSENT' : 'NO_CONSENT';
      const noConsentArticle = transfer ? TRANSFER_CONSENT_ARTICLE[j] : DENY_ARTICLES.NO_CONSENT[j];
      const what = transfer ? `the overseas transfer (${choice})` : plan.id;
      const check = transfer ? 'transfer_consent' : 'consent';
      let failed = true;
      if (st.state === 'none') {
        const why = transfer && needProvision ? `no separate consent to ${what}: the provision consent alone does not cover it` : `no consent to ${what}${plan.scopedOnly ? ` naming ${req.recipientId}` : ''}`;
        if (fail(noConsent, step(check, false, why, noConsentArticle))) return deny(noConsent, plan.id, trace);
      } else if (st.state === 'withdrawn') {
        if (fail('CONSENT_WITHDRAWN', step(check, false, `consent to ${what} withdrawn by ${st.eventId}`, DENY_ARTICLES.CONSENT_WITHDRAWN[j]))) {
          return deny('CONSENT_WITHDRAWN', plan.id, trace);
        }
      } else if (st.state === 'expired') {
        if (fail('CONSENT_EXPIRED', step(check, false, `consent ${st.eventId} to ${what} has expired`, DENY_ARTICLES.CONSENT_EXPIRED[j]))) {
          return deny('CONSENT_EXPIRED', plan.id, trace);
        }
      } else if (st.fingerprint !== plan.fingerprint) {
        const why = `consent ${st.eventId} to ${what} was given to other terms (notice ${st.noticeHash.slice(0, 12)}): the registry changed them since; ask the subject again`;
        if (fail('CONSENT_STALE', step(check, false, why, DENY_ARTICLES.CONSENT_STALE[j]))) return deny('CONSENT_STALE', plan.id, trace);
      } else {
        // Consent never covers more than the notice showed: an explicit request beyond it is
        // refused whole; an open request ("everything declared") is narrowed to what was shown.
        let beyond: string[] | undefined;
        if (requested !== undefined) {
          for (const it of items) if (!st.items.includes(it.category)) (beyond ??= []).push(it.category);
        } else {
          items = narrow(items, st.items);
        }
        if (beyond !== undefined || items.length === 0) {
          const shown = beyond !== undefined ? `did not show: ${beyond.join(', ')}` : 'showed none of the declared items';
          if (fail(noConsent, step(check, false, `the notice consented to (${st.noticeHash.slice(0, 12)}) ${shown}`, noConsentArticle))) {
            return deny(noConsent, plan.id, trace);
          }
        } else {
          failed = false;
          if (transfer) transferConsentEventId = st.eventId;
          else consentEventId = st.eventId;
          noticeHash ??= st.noticeHash;
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
    const anchor = ret.kind === 'collection' ? subject.collectedAt : subject.contractEndedAt?.(req.orderRef);
    if (anchor === undefined && ret.kind === 'collection') {
      // Fail closed: without the collection time the window cannot be shown to be open.
      retentionFailed = true;
      if (fail('RETENTION_EXPIRED', step('retention', false, 'collection time unknown: the retention window cannot be established', DENY_ARTICLES.RETENTION_EXPIRED[j]))) {
        return deny('RETENTION_EXPIRED', plan.id, trace);
      }
    } else if (anchor !== undefined) {
      const end = addDuration(anchor, ret.duration);
      if (req.at >= end) {
        retentionFailed = true;
        const why = `retention ${ret.text} from ${ret.kind.replace('_', ' ')} ended ${new Date(end).toISOString()}`;
        if (fail('RETENTION_EXPIRED', step('retention', false, why, DENY_ARTICLES.RETENTION_EXPIRED[j]))) {
          return deny('RETENTION_EXPIRED', plan.id, trace);
        }
      }
      retentionEndsAt = end;
    }
    // contract_end with no end yet: the contract is ongoing, the window has not started.
  }
  if (!retentionFailed) trace.push(plan.steps.retentionOk);

  if (first !== undefined) return deny(first.code, plan.id, trace, first.step);
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

const CONSENT_OK = frozenStep('consent', true, 'an active consent covers the released items (see consentEventId, noticeHash)');
const TRANSFER_CONSENT_OK = frozenStep('transfer_consent', true, 'an active, separate consent to the overseas transfer covers the released items (see transferConsentEventId)');

const SUSPENSION_OK = frozenStep('suspension', true, 'no suspension order (PIPA 28-9) covers the recipient or its country');
const ORDER_OK = frozenStep('order', true, 'a registered order of this subject with the member covers the declaration');

const SUBJECT_OK: Readonly<Record<Jurisdiction, TraceStep>> = {
  KR: frozenStep('subject', true, 'subject known and not erased (KR)'),
  EU: frozenStep('subject', true, 'subject known and not erased (EU)'),
};
