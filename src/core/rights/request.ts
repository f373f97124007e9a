import { CgError } from '../errors.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { answerDeadline, extendDeadline, isOverdue, type Deadline, type DeadlinePolicy } from './deadline.ts';
import { EVIDENCE_REF_RE, refusalGrounds, VERIFY_METHODS, type VerifyEvidence } from './grounds.ts';

/**
 * A data-subject request and its lifecycle:
 *
 *   received ──verify──▶ verified ──start──▶ in_progress ──complete──▶ completed
 *       │                   │                     │
 *       └──────reject───────┴────────reject───────┴──────────────────▶ rejected (with reason)
 *
 * `extend` (GDPR 12(3)) changes the deadline, not the state, and is allowed while open.
 * `verify` records how identity was checked (method + case reference, grounds.ts); `reject`
 * needs a reason and the provision it rests on, from the list for the request's jurisdiction
 * and type — the console can offer only those, and the core refuses anything else.
 * Every change returns a new value with one more history step; nothing is mutated, so the
 * store can write the result and the history in one statement.
 */
export const RIGHTS_TYPES = ['access', 'portability', 'withdrawal', 'objection', 'suspension', 'erasure', 'correction'] as const;
export type RightsType = (typeof RIGHTS_TYPES)[number];

export const RIGHTS_STATES = ['received', 'verified', 'in_progress', 'completed', 'rejected'] as const;
export type RightsState = (typeof RIGHTS_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<RightsState> = new Set(['completed', 'rejected']);
export const MAX_REASON = 2000;

/** The provision granting each right, per jurisdiction (citations from the statutory reference). */
export const RIGHT_ARTICLES: Readonly<Record<RightsType, Readonly<Record<Jurisdiction, string>>>> = {
  access: { KR: 'PIPA 35', EU: 'GDPR 15' },
  portability: { KR: 'PIPA 35-2', EU: 'GDPR 20' },
  withdrawal: { KR: 'PIPA 37', EU: 'GDPR 7(3)' },
  objection: { KR: 'PIPA 37', EU: 'GDPR 21' },
  suspension: { KR: 'PIPA 37', EU: 'GDPR 18' },
  erasure: { KR: 'PIPA 36', EU: 'GDPR 17' },
  correction: { KR: 'PIPA 36', EU: 'GDPR 16' },
};

export type RightsAction =
  | { readonly kind: 'verify'; readonly evidence: VerifyEvidence }
  | { readonly kind: 'start' }
  | { readonly kind: 'complete' }
  | { readonly kind: 'reject'; readonly reason: string; readonly article: string }
  | { readonly kind: 'extend'; readonly reason: string };

export type RightsActionKind = RightsAction['kind'];

export interface HistoryStep {
  readonly action: RightsActionKind | 'receive';
  readonly from: RightsState | null;
  readonly to: RightsState;
  /** Epoch ms. */
  readonly at: number;
  /** Who acted: an API key id, never a person's name or contact. */
  readonly actor: string;
  readonly reason?: string;
  /** `verify`: how identity was checked. */
  readonly evidence?: VerifyEvidence;
  /** `reject`: the provision relied on. */
  readonly article?: string;
}

/** What the request is about; empty lists mean "everything of mine". */
export interface RightsScope {
  readonly purposes: readonly string[];
  readonly declarations: readonly string[];
}

export interface RightsRequest {
  readonly id: string;
  readonly type: RightsType;
  readonly subject: string;
  readonly jurisdiction: Jurisdiction;
  readonly article: string;
  readonly scope: RightsScope;
  readonly state: RightsState;
  /** Epoch ms of receipt: the deadline runs from here. */
  readonly receivedAt: number;
  readonly deadline: Deadline;
  readonly extensionReason?: string;
  readonly rejectionReason?: string;
  readonly rejectionArticle?: string;
  readonly history: readonly HistoryStep[];
}

export interface NewRightsRequest {
  readonly id: string;
  readonly type: RightsType;
  readonly subject: string;
  readonly jurisdiction: Jurisdiction;
  readonly scope?: Partial<RightsScope>;
  readonly receivedAt: number;
  readonly actor: string;
}

export function receiveRequest(input: NewRightsRequest, policy: DeadlinePolicy = {}): RightsRequest {
  return {
    id: input.id,
    type: input.type,
    subject: input.subject,
    jurisdiction: input.jurisdiction,
    article: RIGHT_ARTICLES[input.type][input.jurisdiction],
    scope: { purposes: input.scope?.purposes ?? [], declarations: input.scope?.declarations ?? [] },
    state: 'received',
    receivedAt: input.receivedAt,
    deadline: answerDeadline(input.jurisdiction, input.receivedAt, policy),
    history: [{ action: 'receive', from: null, to: 'received', at: input.receivedAt, actor: input.actor }],
  };
}

const NEXT: Readonly<Record<RightsState, Partial<Record<RightsActionKind, RightsState>>>> = {
  received: { verify: 'verified', reject: 'rejected' },
  verified: { start: 'in_progress', reject: 'rejected' },
  in_progress: { complete: 'completed', reject: 'rejected' },
  completed: {},
  rejected: {},
};

/** The actions allowed in `state` (what a console offers as buttons). */
export function allowedActions(state: RightsState): RightsActionKind[] {
  const out = Object.keys(NEXT[state]) as RightsActionKind[];
  return TERMINAL_STATES.has(state) ? out : [...out, 'extend'];
}

function requireReason(reason: string): string {
  if (reason.trim().length === 0 || reason.length > MAX_REASON) {
    throw new CgError('RIGHTS_REASON_REQUIRED', `a reason of 1-${MAX_REASON} characters is required`, 400, [
      { code: 'RIGHTS_REASON_REQUIRED', message: 'state the reason', path: 'reason' },
    ]);
  }
  return reason;
}

function requireGround(req: RightsRequest, article: string | undefined): string {
  const grounds = refusalGrounds(req.jurisdiction, req.type);
  const hit = grounds.find((g) => g.article === article);
  if (!hit) {
    throw new CgError('RIGHTS_GROUND_REQUIRED', `a refusal of a ${req.jurisdiction} ${req.type} request must cite one of: ${grounds.map((g) => g.article).join(', ')}`, 400, [
      { code: 'RIGHTS_GROUND_REQUIRED', message: 'cite the provision relied on', path: 'article' },
    ], { allowed: grounds.map((g) => g.article) });
  }
  return hit.article;
}

function requireEvidence(e: VerifyEvidence | undefined): VerifyEvidence {
  if (!e || !(VERIFY_METHODS as readonly string[]).includes(e.method)) {
    throw new CgError('RIGHTS_EVIDENCE_REQUIRED', `identity evidence is required: method one of ${VERIFY_METHODS.join(', ')}`, 400, [
      { code: 'RIGHTS_EVIDENCE_REQUIRED', message: 'how identity was checked', path: 'evidence.method' },
    ]);
  }
  if (typeof e.reference !== 'string' || !EVIDENCE_REF_RE.test(e.reference)) {
    throw new CgError('RIGHTS_EVIDENCE_REQUIRED', 'the evidence reference is a case or ticket id (letters, digits, _ . : # / -; at most 100), not the evidence itself', 400, [
      { code: 'RIGHTS_EVIDENCE_REQUIRED', message: 'a case or ticket reference', path: 'evidence.reference' },
    ]);
  }
  return { method: e.method, reference: e.reference };
}

/** Applies `action` at `at` (epoch ms); throws a CgError with a stable code when not allowed. */
export function applyAction(req: RightsRequest, action: RightsAction, at: number, actor: string, policy: DeadlinePolicy = {}): RightsRequest {
  const last = req.history[req.history.length - 1];
  if (last && at < last.at) {
    throw new CgError('RIGHTS_TIME_ORDER', 'an action cannot be dated before the previous step', 409);
  }
  if (action.kind === 'extend') {
    if (TERMINAL_STATES.has(req.state)) throw invalid(req, action.kind);
    const deadline = extendDeadline(req.deadline, action.reason, at, policy);
    const step: HistoryStep = { action: 'extend', from: req.state, to: req.state, at, actor, reason: action.reason };
    return { ...req, deadline, extensionReason: action.reason, history: [...req.history, step] };
  }
  const to = NEXT[req.state][action.kind];
  if (!to) throw invalid(req, action.kind);
  if (action.kind === 'reject') {
    const reason = requireReason(action.reason);
    const article = requireGround(req, action.article);
    const step: HistoryStep = { action: 'reject', from: req.state, to, at, actor, reason, article };
    return { ...req, state: to, rejectionReason: reason, rejectionArticle: article, history: [...req.history, step] };
  }
  if (action.kind === 'verify') {
    const evidence = requireEvidence(action.evidence);
    return { ...req, state: to, history: [...req.history, { action: 'verify', from: req.state, to, at, actor, evidence }] };
  }
  return { ...req, state: to, history: [...req.history, { action: action.kind, from: req.state, to, at, actor }] };
}

function invalid(req: RightsRequest, kind: RightsActionKind): CgError {
  return new CgError('RIGHTS_INVALID_TRANSITION', `cannot ${kind} a request that is ${req.state}`, 409, [], {
    state: req.state,
    action: kind,
    allowed: allowedActions(req.state),
  });
}

export function isOpen(req: Pick<RightsRequest, 'state'>): boolean {
  return !TERMINAL_STATES.has(req.state);
}

/** Open requests past their deadline, most overdue first. */
export function overdueRequests<R extends Pick<RightsRequest, 'state' | 'deadline'>>(requests: readonly R[], now: number): R[] {
  return requests
    .filter((r) => isOpen(r) && isOverdue(r.deadline, now))
    .sort((a, b) => a.deadline.dueBefore - b.deadline.dueBefore);
}

/** When a closed request was closed after its deadline (reports "answered late"). */
export function answeredLate(req: RightsRequest): boolean {
  const closing = req.history.find((h) => h.to === 'completed' || h.to === 'rejected');
  return closing !== undefined && closing.at >= req.deadline.dueBefore;
}
