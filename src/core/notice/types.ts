import type { Jurisdiction, LegalBasis, ReleaseForm, TransferGround } from '../registry/schema.ts';

/**
 * A notice is what a subject is told at one collection point, in both languages at once: one
 * document, one SHA-256 (JCS) identity, whichever language was rendered. It holds only what the
 * notice *says* — no registry hash, no timestamps — so an unrelated registry change leaves its
 * hash alone, and any change to what it says gives a new hash (a new notice version).
 */
export interface Text {
  readonly ko: string;
  readonly en: string;
}

/**
 * A registry text as the notice carries it: a plain string (an older, unlocalised registry: the
 * notice and its hash stay as they were) or a `Text` that `localize` renders in one language.
 */
export type NoticeText = string | Text;

export interface NoticeItem {
  readonly category: string;
  readonly label: Text;
  readonly sensitivity: 'normal' | 'sensitive' | 'unique_identifier';
}

export interface NoticeRetention {
  /** `indefinite` or an ISO 8601 duration. */
  readonly duration: string;
  readonly from?: 'release' | 'contract_end' | 'collection';
  readonly text: Text;
}

/** Collection and use by the operator itself (PIPA 15(2); GDPR 13(1)(c)). */
export interface NoticePurpose {
  readonly id: string;
  readonly label: Text;
  readonly required: boolean;
  readonly adTargeting: boolean;
  readonly items: readonly NoticeItem[];
  /** PIPA 15(1)4 / GDPR 6(1)(b) for required purposes; consent for optional ones. */
  readonly legalBasis: 'contract_necessity' | 'consent';
  readonly retention: Text;
  readonly refusal: Text;
  readonly articles: readonly string[];
}

export interface NoticeContact {
  readonly name?: NoticeText;
  readonly email?: string;
  readonly phone?: string;
  readonly address?: NoticeText;
  readonly url?: string;
}

/** A member's contact, as registered through the API (plain strings). */
export interface MemberContact {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly address?: string;
  readonly url?: string;
}

export interface NoticeTransfer {
  /** Jurisdictions whose subjects this transfer takes abroad (PIPA 28-8; GDPR 44). */
  readonly overseasFor: readonly Jurisdiction[];
  readonly countries: readonly string[];
  readonly ground: TransferGround;
  /** PIPA 28-8(2)3. */
  readonly timing: NoticeText;
  readonly method: NoticeText;
  readonly safeguards: readonly string[];
  readonly disclosedIn?: string;
}

/**
 * One thing the subject decides on. PIPA 22(1) and 28-8(1)1 ask for the provision consent and
 * the overseas-transfer consent separately: an overseas third party on consent shows two
 * choices, `<declaration id>` (provision) and `<declaration id>:transfer` (transfer abroad).
 */
export interface NoticeChoice {
  readonly id: string;
  readonly kind: 'provision' | 'transfer';
  readonly label: Text;
  readonly articles: readonly string[];
}

/** The one member of a recipient class a notice names (PIPA 17(2)1: the recipient, not only its class). */
export interface NoticeMember {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly contact: MemberContact;
}

/** Provision to a recipient (PIPA 17(2), 18, 28-8(2); GDPR 13(1)(e)(f)). */
export interface NoticeDeclaration {
  readonly id: string;
  readonly purposeId: string;
  readonly purpose: Text;
  readonly required: boolean;
  /** Whether the subject decides on this one (consent basis or consent as transfer ground). */
  readonly consentable: boolean;
  /** What the subject decides on, each apart (empty when not consentable). */
  readonly choices: readonly NoticeChoice[];
  readonly legalBasis: LegalBasis;
  readonly recipient: {
    readonly id: string;
    readonly kind: 'recipient' | 'class';
    readonly name: NoticeText;
    readonly role: 'third_party' | 'processor' | 'affiliate';
    /** The recipient's country, or every country of the class. */
    readonly countries: readonly string[];
    readonly contact: NoticeContact;
    /** For a class: the member this notice was rendered for (`?recipient=`), if any. */
    readonly member?: NoticeMember;
  };
  readonly recipientPurpose: Text;
  readonly items: ReadonlyArray<NoticeItem & { readonly form: ReleaseForm }>;
  readonly retention: NoticeRetention;
  readonly transfer?: NoticeTransfer;
  readonly refusal: Text;
  readonly articles: readonly string[];
}

export interface NoticeSection {
  readonly purposes: readonly NoticePurpose[];
  readonly declarations: readonly NoticeDeclaration[];
}

export interface Notice {
  readonly schema: 'consentgate.notice/1';
  readonly collectionPoint: { readonly id: string; readonly label: Text };
  readonly controller: {
    readonly name: NoticeText;
    readonly country: string;
    readonly address?: NoticeText;
    readonly privacyPolicyUrl?: string;
    readonly privacyOfficer: { readonly name: NoticeText; readonly email: string; readonly phone: string };
    readonly representatives: ReadonlyArray<{ readonly jurisdiction: Jurisdiction } & NoticeContact>;
  };
  /** PIPA 22(1): required and optional matters are shown, and decided, separately. */
  readonly required: NoticeSection;
  readonly optional: NoticeSection;
  readonly rights: Text;
  readonly withdrawal: Text;
  readonly children?: Text;
}

/** A stored notice version: immutable, identified by `hash` = contentHash(notice). */
export interface NoticeVersion {
  readonly hash: string;
  readonly collectionPoint: string;
  readonly notice: Notice;
}
