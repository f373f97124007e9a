import type { DataCategory, Jurisdiction, LegalBasis, ReleaseForm } from '../registry/schema.ts';
import type { RegistryModel } from '../registry/model.ts';
import type { ConsentState, ConsentStatus } from '../consent/lookup.ts';
import type { IsoDuration } from '../time/duration.ts';

/**
 * The release gate's contract. `decide` (src/core/gate/decide.ts) is pure: everything it needs
 * is in a `GateContext` built from in-memory indexes; the clock is passed in as `at`.
 */
export const DENY_CODES = [
  'UNDECLARED_RECIPIENT',
  'UNDECLARED_PURPOSE',
  'UNDECLARED_ITEMS',
  'NO_CONSENT',
  'CONSENT_WITHDRAWN',
  'CONSENT_EXPIRED',
  'NO_TRANSFER_GROUND',
  'RETENTION_EXPIRED',
  'SUBJECT_OBJECTED',
  'SUBJECT_ERASED',
  'POLICY_DENY',
  /** The gate holds nothing about this subject (never stored, or unknown pseudonym). */
  'UNKNOWN_SUBJECT',
  /** The declaration's legal basis cannot carry a provision (e.g. contract necessity to a third party, PIPA 17(1)). */
  'NO_LEGAL_BASIS',
  /** A class member asked about a subject without a registered order between them (no status oracle). */
  'NO_ORDER',
  /** An overseas third party: the provision consent is there, the separate transfer consent is not (PIPA 28-8(1)1). */
  'NO_TRANSFER_CONSENT',
  /** The consent was given to a notice whose terms have since changed (PIPA 17(2), 28-8(3)). */
  'CONSENT_STALE',
  /** A recorded suspension order covers the recipient or its country (PIPA 28-9). */
  'TRANSFER_SUSPENDED',
  /** The class member has not accepted the class's current agreement (PIPA 28-8(4)). */
  'NO_RECIPIENT_CONTRACT',
] as const;
export type DenyCode = (typeof DENY_CODES)[number];

/** What shape a category's values have (`valueFormat` in the registry schema). */
export type ValueFormat = DataCategory['format'];

export interface ReleaseRequest {
  /** The authenticated recipient: a registry recipient id or a registered class member id. */
  readonly recipientId: string;
  readonly subject: string;
  readonly purpose: string;
  /** Requested categories; omitted = every item the declaration allows. */
  readonly items?: readonly string[];
  readonly orderRef?: string;
  /** Epoch ms of the decision. */
  readonly at: number;
}

/** A class member (e.g. one seller) as the gate sees it. */
export interface MemberInfo {
  /** The member id's key (`idKey`, src/core/gate/intern.ts): the per-subject records name members by key. */
  readonly key: number;
  readonly classId: string;
  readonly country: string;
  /** The version of the class's agreement the member accepted (PIPA 28-8(4)); absent: none. */
  readonly agreementVersion?: string | null | undefined;
}

/** A registered order (PIPA 17(2)1, 18): which customer ordered from which class member, under which declarations. */
export interface OrderInfo {
  readonly subject: string;
  /** The member the order was placed with. */
  readonly recipient: string;
  readonly declarations: readonly string[];
  /** Epoch ms when this order's contract ended (anchor for `from: contract_end` of releases naming it); absent: ongoing, or the subject's. */
  readonly contractEndedAt?: number | undefined;
}

/** A PIPC suspension order (PIPA 28-9) as recorded by the operator: a country or one recipient, from a date. */
export interface SuspensionInfo {
  readonly id: string;
  /** Exactly one of country and recipient (a registry recipient, a class or a member id). */
  readonly country?: string | undefined;
  readonly recipient?: string | undefined;
  /** Epoch ms from which releases are refused. */
  readonly from: number;
  /** Epoch ms from which the order no longer applies (the PIPC lifted it); absent = in force. */
  readonly until?: number | undefined;
}

/** A completed objection or processing-suspension request (PIPA 37, GDPR 21) that stops releases in its scope. */
export interface RightsStop {
  readonly requestId: string;
  readonly type: 'objection' | 'suspension';
}

/** What the gate knows about a subject, from memory. */
export interface SubjectInfo {
  readonly jurisdiction: Jurisdiction;
  readonly erased: boolean;
  /** Epoch ms when the subject's data was collected (anchor for `from: collection`). */
  readonly collectedAt?: number;
  /**
   * Epoch ms when the subject's contract ended (anchor for `from: contract_end`), unless the
   * request names an order with its own end (`OrderInfo.contractEndedAt`). Absent: ongoing.
   */
  readonly contractEndedAt?: number | undefined;
}

/**
 * Everything the gate holds about one subject, reached by one lookup (`GateContext.subjects`):
 * its own state, its registered orders, its consents and objections, its completed objection and
 * suspension requests. In production one `GateRecord` (gate-records.ts) per subject, kept by the
 * projections as each event arrives, so a decision reads a few neighbouring objects instead of
 * probing five tables keyed by subject.
 */
export interface SubjectGate extends SubjectInfo {
  /**
   * Whether the subject itself is known. Orders or consents can arrive before the subject does
   * (another server's NOTIFY): the record then exists, and the subject is still unknown.
   */
  readonly known: boolean;
  /**
   * The declarations of this subject's order `orderRef`, when that order was placed with the
   * member keyed `recipientKey` (PIPA 17(2)1, 18); undefined for no such order, another subject's
   * or another member's.
   */
  orderedDeclarations(recipientKey: number, orderRef: string): readonly string[] | undefined;
  /**
   * The consent answer for a choice (`<declaration>` or `<declaration>:transfer`) as it applies to
   * a recipient, as `ConsentLookup.status` defines it. Choice by `choiceKey`, recipient by `idKey` (intern.ts).
   */
  consent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentStatus;
  /**
   * When `consent(…)` is active: its event, notice, items and terms, else undefined. The answer
   * may be a shared object that the next call overwrites (GateRecord): read it at once.
   */
  activeConsent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ActiveConsent | undefined;
  /**
   * `consent(…)`'s answer without the event's time, for the allow path's consent denies. It
   * may be a shared object that the next call overwrites (GateRecord reads it from the cells
   * `activeConsent` has just read): read it at once.
   */
  consentState(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentAnswer;
  /** The subject objected to the purpose (GDPR 21, `Sec-GPC: 1` for ad targeting), as `ConsentLookup.hasObjected`. */
  objected(purposeId: string): boolean;
  /** A completed objection or suspension request covering (declaration, purpose), if any. */
  stop(declarationId: string, purposeId: string): RightsStop | undefined;
  /** The `contract_end` anchor of a release naming `orderRef`: that order's end if it has one, else the subject's. */
  contractEnd(orderRef: string | undefined): number | undefined;
  /**
   * `addDuration(contractEnd(orderRef), duration)`, NaN while the contract runs: the allow path's
   * window end, computed where the anchor is kept so that it is never a boxed number on the way.
   */
  contractWindowEnd(orderRef: string | undefined, duration: IsoDuration): number;
  /** `known && !erased`, as one read for the allow path. */
  releasable(): boolean;
}

/** A consent answer (`ConsentStatus`) as a deny reads it: its state and, unless none, the fields of `ActiveConsent`. */
export type ConsentAnswer = { readonly state: 'none' } | ({ readonly state: ConsentState } & ActiveConsent);

/** The fields of an active consent answer the gate reads (a consent projection slot has them). */
export interface ActiveConsent {
  readonly eventId: string;
  readonly noticeHash: string;
  /** Items of the declaration the notice showed. */
  readonly items: readonly string[];
  readonly fingerprint: string | null;
}

export interface GateContext {
  readonly registry: RegistryModel;
  /**
   * The registered class members the gate knows (a disabled member is not one). `find` is `get`
   * for the allow path: the same fields, possibly from one shared view that the next `find`
   * re-aims (MemberTable: the fields are read from the table's slot, no member object fetched).
   */
  readonly members: {
    get(id: string): MemberInfo | undefined;
    /** `hash`, when given, is `idHash(id)` (open-addressing.ts), computed by the caller. */
    find(id: string, hash?: number): MemberInfo | undefined;
  };
  /** What the gate holds per subject (state, orders, consents, objections, rights stops): one lookup. */
  readonly subjects: {
    get(subject: string): SubjectGate | undefined;
    /**
     * `get` for the allow path: the same answers, possibly from one shared view that the next
     * `find` re-aims (GateRecords: so that the record object itself is not fetched). Read at once.
     */
    find(subject: string, hash?: number): SubjectGate | undefined;
    /**
     * Reads the table slot where a probe for `hash` (`idHash` of the subject) starts and returns
     * what it holds, for `find`'s `first`: so a seller's decision can have this load and its
     * member's in flight together (GateRecords; docs/gate-history.md, twelfth round). Optional.
     */
    first?(hash: number): number;
  };
  /** Recorded PIPC suspension orders: the one in force at `at` for `country`, `recipient` or (a member's) `classId`. */
  readonly suspensions: { find(recipient: string, classId: string | undefined, country: string, at: number): SuspensionInfo | undefined };
}

export interface TraceStep {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly article?: string;
}

export interface ReleasedItem {
  readonly category: string;
  readonly form: ReleaseForm;
  /** The category's value format (drives masking and safe numbers); set by `decide`. */
  readonly format?: ValueFormat;
}

export type Decision =
  | {
      readonly allow: true;
      readonly declarationId: string;
      readonly basis: LegalBasis;
      readonly items: readonly ReleasedItem[];
      /** The consent event and notice the release relied on, when the basis is consent. */
      readonly consentEventId?: string;
      /** The separate overseas-transfer consent (`<id>:transfer`) the release also relied on. */
      readonly transferConsentEventId?: string;
      readonly noticeHash?: string;
      /**
       * Epoch ms at which the recipient's retention of this release ends (tokens and safe numbers
       * expire then). Absent when unbounded so far: `indefinite`, or a contract that has not ended.
       */
      readonly retentionEndsAt?: number;
      readonly trace: readonly TraceStep[];
    }
  | {
      readonly allow: false;
      readonly code: DenyCode;
      readonly article: string;
      readonly message: string;
      readonly declarationId?: string;
      readonly trace: readonly TraceStep[];
    };
