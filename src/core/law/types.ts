import type {
  Agreement,
  Declaration,
  Entrustment,
  Jurisdiction,
  LegalBasis,
  Safeguards,
  Transfer,
  TransferGround,
} from '../registry/schema.ts';
import type { ReferenceData } from './reference/types.ts';

/**
 * The vocabulary of the law packs. A pack (src/core/law/kr, src/core/law/eu) is, per question, a list
 * of named rules; each rule carries its article, the dates it is in force, its official source and
 * the reading chosen where the law leaves room. The lint, the gate index, the audit replay and the
 * reports all ask the packs (src/core/law/verdicts.ts), so they never disagree. Pure: no I/O.
 */

/** A calendar date, `YYYY-MM-DD`; compares correctly as a string. */
export type LawDate = string;

export type RecipientRole = 'third_party' | 'processor' | 'affiliate';

/** Why a verdict fails; stable, so adapters (lint, gate, reports) can word it in their own language. */
export type Problem =
  // legal basis
  | 'contract_not_provision'
  | 'processor_basis_for_third_party'
  | 'transfer_mechanism'
  | 'no_balancing_test'
  | 'not_a_gdpr_basis'
  | 'no_basis'
  // transfer
  | 'no_ground'
  | 'not_a_ground'
  | 'no_instrument'
  | 'entrustment_only'
  | 'not_disclosed'
  | 'items_missing'
  | 'not_necessary'
  | 'no_certification'
  | 'operator_flag'
  | 'certification_not_designated'
  | 'certification_measures_missing'
  | 'not_recognised'
  | 'excluded_items'
  | 'no_safeguard'
  | 'scc_module_mismatch'
  | 'bcr_outside_group'
  | 'not_occasional'
  | 'no_risk_notice'
  // agreement and entrustment
  | 'agreement_missing'
  | 'clauses_missing'
  | 'entrustment_missing'
  | 'marketing_not_notified'
  | 're_entrustment_without_consent';

/** A rule's answer: it grants (`ok`), or it objects with a problem. */
export interface RuleAnswer {
  readonly ok: boolean;
  /** One line, in English, naming the facts (country, ground, missing items). */
  readonly detail: string;
  /** The citation, in the form of docs/legal/articles.yaml. */
  readonly article: string;
  readonly problem?: Problem;
  /** Items of the registry the answer is about (missing notice items, missing clauses). */
  readonly missing?: readonly string[];
}

/** A verdict: the answer that decided, and the rule that gave it. */
export interface Verdict extends RuleAnswer {
  /** Id of the rule that decided; `default` when no rule spoke. */
  readonly rule: string;
}

export interface LawRule<C> {
  /** Stable, e.g. `KR.PROVISION_GROUNDS`; listed in docs/legal/rules.md. */
  readonly id: string;
  readonly title: string;
  readonly article: string;
  readonly effectiveFrom: LawDate;
  /** Last day in force, when superseded. */
  readonly effectiveTo?: LawDate;
  /** Official source (law.go.kr, eur-lex.europa.eu, …). */
  readonly source: string;
  /** The reading chosen, where the text leaves room. */
  readonly reading: string;
  /** The rule's answer, or undefined when the rule does not speak to this case. */
  readonly judge: (c: C) => RuleAnswer | undefined;
}

/**
 * How a question combines its rules:
 * - `every`: each rule that speaks must grant (restrictions stack); when none speaks, `fallback`.
 * - `any`: the first rule that grants decides (alternative grounds); otherwise the first objection;
 *   when none speaks, `fallback`.
 */
export interface Question<C> {
  readonly mode: 'every' | 'any';
  readonly rules: readonly LawRule<C>[];
  readonly fallback: (c: C) => RuleAnswer;
}

/**
 * A version of a jurisdiction's law: the span of dates over which one set of its rules is in force.
 * Replay says which version judged each record (the one in force on the record's date), so a
 * violation before 15 September 2023 is reported under the former PIPA, not under 28-8.
 */
export interface LawVersion {
  /** Stable, e.g. `PIPA-2020`; the key of the replay summary's `by_law`. */
  readonly id: string;
  readonly title: string;
  readonly effectiveFrom: LawDate;
  readonly effectiveTo?: LawDate;
  readonly source: string;
  /** The article(s) that govern a transfer abroad in this version (what NO_TRANSFER_GROUND cites). */
  readonly transferArticle: string;
}

export interface LawPack {
  readonly jurisdiction: Jurisdiction;
  readonly name: string;
  /**
   * IANA zone whose calendar dates the law's effective dates are: a statute in force "from 15
   * September 2023" is in force from 00:00 on that day where it applies (Korea: Asia/Seoul).
   */
  readonly timeZone: string;
  /** The versions the pack carries, oldest first, without gaps; the last has no `effectiveTo`. */
  readonly versions: readonly LawVersion[];
  /** Legal basis of the provision or entrustment (PIPA 15, 17, 26; GDPR 6). */
  readonly basis: Question<BasisCase>;
  /** The ground of a transfer abroad (PIPA 28-8; GDPR Chapter V). */
  readonly transfer: Question<TransferCase>;
  /** What the contract with a recipient must carry (PIPA 26(1), 28-8(4); GDPR 28(3)). */
  readonly agreement: Question<PartyCase>;
  /** What an entrustment must record (PIPA 26(2), (3), (6); GDPR 28(2)). */
  readonly entrustment: Question<PartyCase>;
  /** Duties an event triggers (src/core/law/duties.ts): a breach, a year of use. */
  readonly duties: Duties;
}

/**
 * Duty questions. Unlike the questions above, nothing is granted or refused: each rule in force
 * that speaks says whether its duty applies (`ok: true`: it does) and why, in `detail`. Every rule
 * is asked (`dutiesOf`), because several duties can apply at once (PIPA 34(1) and 34(3), GDPR 33 and 34).
 */
export interface DutyQuestion<C> {
  readonly rules: readonly LawRule<C>[];
}

export interface Duties {
  /** Notification of a personal-data breach (PIPA 34 and decree 39–40; GDPR 33–34). */
  readonly breach: DutyQuestion<BreachCase>;
  /** The yearly usage-history notice (PIPA 20-2 and decree 15-3). */
  readonly usageNotice: DutyQuestion<UsageNoticeCase>;
  /** Telling earlier recipients of a completed correction (GDPR 19; PIPA 36 read protectively). */
  readonly rectification: DutyQuestion<RectificationCase>;
}

export interface RectificationCase {
  readonly on: LawDate | undefined;
  /** Recipients that received the subject's data in the correction's scope (from the release ledger). */
  readonly recipients: number;
}

/** Sensitivity of a data category (registry `data_categories[].sensitivity`). */
export type Sensitivity = 'normal' | 'sensitive' | 'unique_identifier';

/** What is known of a breach when it is assessed; `on` is the day it was discovered. */
export interface BreachCase {
  readonly on: LawDate | undefined;
  readonly krSubjects: number;
  readonly euSubjects: number;
  /** Sensitivities of the items that reached at least one affected subject. */
  readonly sensitivities: readonly Sensitivity[];
  /** The leak resulted from unauthorised access from outside (hacking) to the systems or devices processing the data. */
  readonly unauthorisedAccess: boolean;
  /** The controller's own assessment of GDPR 34 high risk; undefined when it has made none. */
  readonly highRisk: boolean | undefined;
}

/** The facts the PIPA 20-2 threshold is judged on, for one notice year. */
export interface UsageNoticeCase {
  readonly on: LawDate | undefined;
  /** Daily average of the subjects whose data is stored, over the decree's window (see usage-notice.ts). */
  readonly averageDailySubjects: number;
  /** The registry holds sensitive or unique-identifier categories. */
  readonly sensitiveOrUniqueData: boolean;
}

/** The date a verdict is for; undefined = the law in force now (every rule and entry not superseded). */
export interface Dated {
  readonly on: LawDate | undefined;
  readonly reference: ReferenceData;
}

export interface BasisCase extends Dated {
  readonly declarationId: string;
  readonly basis: LegalBasis;
  readonly role: RecipientRole;
  readonly partyName: string;
  readonly balancingTest: string | undefined;
}

export interface TransferCase extends Dated {
  readonly declaration: Declaration;
  readonly country: string;
  readonly role: RecipientRole;
  readonly partyName: string;
  readonly ground: TransferGround | undefined;
  readonly transfer: Transfer | undefined;
  readonly safeguards: Safeguards;
  readonly agreement: Agreement | undefined;
  /** Where an entrusted transfer is disclosed: `transfer.disclosed_in`, else the operator's privacy policy. */
  readonly disclosedIn: string | undefined;
  /** Needed for the contract with the subject (the purpose is `required`). */
  readonly purposeRequired: boolean;
  /** The recipient can be reached (e-mail or phone): PIPA 28-8(2)4. */
  readonly contactReachable: boolean;
  /** Legal kinds of the released items (resident registration numbers, credit information). */
  readonly itemKinds: ReadonlySet<string>;
}

/** A recipient or class, for the agreement and entrustment questions. */
export interface PartyCase extends Dated {
  readonly partyId: string;
  readonly partyName: string;
  readonly role: RecipientRole;
  readonly agreement: Agreement | undefined;
  readonly entrustment: Entrustment | undefined;
  /** Whether any of its destinations is overseas for the pack's jurisdiction. */
  readonly overseas: boolean;
  /** Whether any declaration to it serves a marketing (ad-targeting) purpose. */
  readonly marketingPurpose: boolean;
  /** Where the entrustment is disclosed: its own `disclosed_in`, else the operator's privacy policy. */
  readonly disclosedIn: string | undefined;
}

/** Helpers for rules. */
export const grant = (detail: string, article: string): RuleAnswer => ({ ok: true, detail, article });
export const refuse = (problem: Problem, detail: string, article: string, missing?: readonly string[]): RuleAnswer =>
  missing === undefined ? { ok: false, problem, detail, article } : { ok: false, problem, detail, article, missing };
