import { CgError, type ErrorDetail } from '../errors.ts';
import { choiceOf, noticeDeclarations } from '../notice/build.ts';
import { termsFingerprint } from '../notice/terms.ts';
import { parseChoice } from './choice.ts';
import type { NoticeDeclaration, NoticeVersion } from '../notice/types.ts';
import type { RegistryModel } from '../registry/model.ts';
import type { ConsentActor, ConsentEvent } from './events.ts';
import type { StateRow } from './projection.ts';
import type { GrantRequest, WithdrawRequest } from './request.ts';
import { needsGuardian, type SubjectRecord } from './subject.ts';

/**
 * Turning a consent request into events, or refusing it as a whole. Pure: the service supplies
 * the subject, the notice version, current state and the clock. Every problem in the request is
 * reported (one detail per bad field), and no event is planned unless the whole request is valid.
 */
export type PlannedEvent = Omit<ConsentEvent, 'leafIndex' | 'pos' | 'receiptId'>;

export interface PlanResult {
  readonly events: PlannedEvent[];
  /** What the subject was shown for each decided declaration (from the notice version decided on). */
  readonly shown: ReadonlyMap<string, NoticeDeclaration>;
}

export interface GrantPlanInput {
  readonly subject: SubjectRecord;
  readonly notice: NoticeVersion;
  readonly registry: RegistryModel;
  readonly request: GrantRequest;
  /** `Sec-GPC: 1` was on the request. */
  readonly gpc: boolean;
  readonly caller: 'subject' | 'admin';
  readonly now: number;
  readonly newEventId: () => string;
  readonly hasObjected: (purposeId: string) => boolean;
}

export function planGrant(input: GrantPlanInput): PlanResult {
  const { subject, notice, registry, request: req, now } = input;
  assertNotErased(subject);
  const problems: ErrorDetail[] = [];
  const bad = (code: string, message: string, path: string) => problems.push({ code, message, path });
  const shownById = new Map(noticeDeclarations(notice.notice).map((d) => [d.id, d]));
  const shown = new Map<string, NoticeDeclaration>();
  const seenKeys = new Set<string>();
  const seenIds = new Set<string>();

  req.decisions.forEach((d, i) => {
    const at = `decisions[${i}]`;
    const { declarationId: base, kind } = parseChoice(d.declarationId);
    const s = shownById.get(base);
    if (!s) {
      if (registry.declarations.has(base)) {
        bad('DECLARATION_NOT_IN_NOTICE', `declaration "${base}" is not shown in notice ${notice.hash.slice(0, 12)}… (${notice.collectionPoint})`, `${at}.declarationId`);
      } else {
        bad('UNKNOWN_DECLARATION', `no declaration "${base}"`, `${at}.declarationId`);
      }
      return;
    }
    if (!choiceOf(s, d.declarationId)) {
      bad(
        'CONSENT_NOT_APPLICABLE',
        kind === 'transfer'
          ? `declaration "${base}" has no overseas transfer on consent to decide on`
          : s.choices.length > 0
            ? `declaration "${base}" relies on ${s.legalBasis}: only its overseas transfer ("${s.choices[0]!.id}") is decided on`
            : `declaration "${base}" relies on ${s.legalBasis}, not on consent`,
        `${at}.declarationId`,
      );
    }
    if (d.recipientId !== undefined && s.recipient.kind === 'recipient' && d.recipientId !== s.recipient.id) {
      bad('INVALID_RECIPIENT_SCOPE', `declaration "${base}" has the single recipient "${s.recipient.id}"`, `${at}.recipientId`);
    }
    // A class's declaration is consented to per member, on the notice naming it (PIPA 17(2)1):
    // a grant to "every seller, including those registered later" is no informed consent.
    if (d.grant && s.recipient.kind === 'class') {
      if (d.recipientId === undefined) {
        bad('RECIPIENT_REQUIRED', `declaration "${base}" goes to the class ${s.recipient.id}: name the member (the seller of the order) in recipientId`, `${at}.recipientId`);
      } else if (s.recipient.member?.id !== d.recipientId) {
        bad(
          'INVALID_RECIPIENT_SCOPE',
          s.recipient.member
            ? `notice ${notice.hash.slice(0, 12)}… names "${s.recipient.member.id}", not "${d.recipientId}"`
            : `notice ${notice.hash.slice(0, 12)}… names no member of ${s.recipient.id}: consent on GET /v1/notices/${notice.collectionPoint}?recipient=${d.recipientId}`,
          `${at}.recipientId`,
        );
      }
    }
    if (d.expiresAt !== undefined) {
      if (!d.grant) bad('INVALID_EXPIRY', 'only a grant can expire', `${at}.expiresAt`);
      else if (Date.parse(d.expiresAt) <= now) bad('INVALID_EXPIRY', 'expiry is not in the future', `${at}.expiresAt`);
    }
    const key = `${d.declarationId}\u0000${d.recipientId ?? ''}`;
    if (seenKeys.has(key)) bad('DUPLICATE_DECISION', `declaration "${d.declarationId}" decided twice for the same recipient`, at);
    seenKeys.add(key);
    if (d.eventId !== undefined) {
      if (seenIds.has(d.eventId)) bad('DUPLICATE_EVENT_ID', `event id "${d.eventId}" used twice in one request`, `${at}.eventId`);
      seenIds.add(d.eventId);
    }
    if (d.grant && input.gpc && registry.purposes.get(s.purposeId)?.ad_targeting) {
      bad('GPC_CONFLICT', 'the request carries Sec-GPC: 1, an objection to ad targeting, and also grants it', `${at}.grant`);
    }
    shown.set(d.declarationId, s);
  });
  if (problems.length > 0) throw new CgError(problems[0]!.code, problems[0]!.message, 422, problems);

  const anyGrant = req.decisions.some((d) => d.grant);
  if (anyGrant && !req.guardian && needsGuardian(subject, registry.operator, now)) {
    throw new CgError('GUARDIAN_REQUIRED', 'the subject is a child: a grant needs the verified consent of a parent or guardian (PIPA 22-2; GDPR 8)', 422, [
      { code: 'GUARDIAN_REQUIRED', message: 'add a verified guardian consent', path: 'guardian' },
    ]);
  }

  const actor: ConsentActor = req.guardian ? 'guardian' : input.caller;
  const evidence: Record<string, string> = { ...req.evidence };
  if (req.guardian) {
    evidence.guardianMethod = req.guardian.method;
    evidence.guardianReference = req.guardian.reference;
    if (req.guardian.relationship) evidence.guardianRelationship = req.guardian.relationship;
  }
  if (input.gpc) evidence.gpc = 'Sec-GPC: 1';

  const base = { subjectId: subject.id, at: now, channel: req.channel, actor, evidence };
  const events: PlannedEvent[] = req.decisions.map((d) => {
    const s = shown.get(d.declarationId)!;
    return {
      ...base,
      eventId: d.eventId ?? input.newEventId(),
      action: d.grant ? 'grant' : 'withdraw',
      declarationId: d.declarationId,
      purposeId: s.purposeId,
      recipientId: d.recipientId ?? null,
      noticeHash: notice.hash,
      collectionPoint: notice.collectionPoint,
      items: s.items.map((it) => it.category),
      expiresAt: d.grant && d.expiresAt !== undefined ? Date.parse(d.expiresAt) : null,
      // The terms this notice showed: the gate compares them with the active registry's.
      fingerprint: termsFingerprint(s),
    };
  });
  if (input.gpc) events.push(...objections(input, base));
  return { events, shown };
}

/** `Sec-GPC: 1`: an objection to every ad-targeting purpose not already objected to. */
function objections(input: GrantPlanInput, base: Pick<PlannedEvent, 'subjectId' | 'at' | 'channel' | 'actor' | 'evidence'>): PlannedEvent[] {
  return input.registry.doc.purposes
    .filter((p) => p.ad_targeting && !input.hasObjected(p.id))
    .map((p) => ({
      ...base,
      eventId: input.newEventId(),
      action: 'object' as const,
      declarationId: null,
      purposeId: p.id,
      recipientId: null,
      noticeHash: input.notice.hash,
      collectionPoint: input.notice.collectionPoint,
      items: [],
      expiresAt: null,
    }));
}

export interface WithdrawPlanInput {
  readonly subject: SubjectRecord;
  readonly registry: RegistryModel;
  readonly request: WithdrawRequest;
  /** The subject's current state rows. */
  readonly entries: readonly StateRow[];
  readonly caller: 'subject' | 'admin';
  readonly now: number;
  readonly newEventId: () => string;
}

/**
 * One call withdraws: the named declarations, or — with none named — every declaration with an
 * active grant. A withdrawal without `recipientId` is later than every scoped grant of the
 * declaration, so it ends them all (the projection lets the latest decision win).
 */
export function planWithdraw(input: WithdrawPlanInput): { events: PlannedEvent[] } {
  const { subject, registry, request: req, entries, now } = input;
  assertNotErased(subject);
  const scope = req.recipientId ?? null;
  const known = new Map<string, StateRow[]>();
  for (const e of entries) known.set(e.declarationId, [...(known.get(e.declarationId) ?? []), e]);

  let targets: string[];
  if (req.declarationIds) {
    const problems: ErrorDetail[] = [];
    req.declarationIds.forEach((id, i) => {
      if (!registry.declarations.has(parseChoice(id).declarationId) && !known.has(id)) {
        problems.push({ code: 'UNKNOWN_DECLARATION', message: `no declaration "${id}"`, path: `declarationIds[${i}]` });
      }
      if (req.declarationIds!.indexOf(id) !== i) problems.push({ code: 'DUPLICATE_DECISION', message: `"${id}" named twice`, path: `declarationIds[${i}]` });
    });
    if (problems.length) throw new CgError(problems[0]!.code, problems[0]!.message, 422, problems);
    targets = req.declarationIds;
  } else {
    targets = [...known.entries()]
      .filter(([, rows]) => rows.some((r) => (scope === null || r.scope === '' || r.scope === scope) && stillGranted(r, rows, now)))
      .map(([id]) => id);
    if (targets.length === 0) {
      throw new CgError('NO_CONSENT_TO_WITHDRAW', 'the subject has no consent on record to withdraw', 409, [
        { code: 'NO_CONSENT_TO_WITHDRAW', message: 'nothing granted', path: 'declarationIds' },
      ]);
    }
  }

  const events = targets.map((declarationId, i): PlannedEvent => {
    const rows = known.get(declarationId) ?? [];
    const current = rows.find((r) => r.scope === (scope ?? '')) ?? rows.find((r) => r.scope === '') ?? rows[0];
    const purposeId = registry.declarations.get(parseChoice(declarationId).declarationId)?.purpose ?? current?.purposeId ?? '';
    return {
      eventId: req.eventId ? (i === 0 ? req.eventId : `${req.eventId}.${i}`) : input.newEventId(),
      subjectId: subject.id,
      action: 'withdraw',
      declarationId,
      purposeId,
      recipientId: scope,
      noticeHash: current?.noticeHash ?? null,
      collectionPoint: null,
      items: current ? [...current.items] : [],
      expiresAt: null,
      at: now,
      channel: req.channel,
      actor: input.caller,
      evidence: { ...req.evidence },
      ...(req.declarationIds ? {} : { withdrawAll: true }),
    };
  });
  return { events };
}

/** A grant row still in force: not lapsed, and not overtaken by a later withdrawal for every recipient. */
function stillGranted(r: StateRow, rows: readonly StateRow[], now: number): boolean {
  if (r.action !== 'grant' || (r.expiresAt !== null && r.expiresAt <= now)) return false;
  const all = rows.find((x) => x.scope === '');
  return !(all && all !== r && all.action === 'withdraw' && (all.leafIndex > r.leafIndex || (all.leafIndex === r.leafIndex && all.pos > r.pos)));
}

function assertNotErased(s: SubjectRecord): void {
  if (s.erasedAt !== null) {
    throw new CgError('SUBJECT_ERASED', 'the subject was erased; no consent can be recorded', 410, [
      { code: 'SUBJECT_ERASED', message: 'erased subject', path: 'id' },
    ]);
  }
}
