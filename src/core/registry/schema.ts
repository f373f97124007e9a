import { z } from 'zod';
import { localText } from './local-text.ts';

/**
 * The privacy-as-code registry: who may receive which personal data, why, on what legal basis,
 * for how long and in which country. This zod schema is the single source of truth; the JSON
 * Schema in `docs/registry.schema.json` is generated from it (`consentgate schema`).
 *
 * The schema only checks shape. Cross-references, duplicate ids and the statutory rules live in
 * `src/core/lint`, so that each finding carries its own code and article.
 */

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'ids are lower-case letters, digits, "_", "-" or "."');

/** ISO 3166-1 alpha-2, upper case. `EU` is accepted as a jurisdiction, never as a country. */
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as KR or CN');
const jurisdiction = z.enum(['KR', 'EU']);

const labels = z.strictObject({
  ko: z.string().min(1).max(500),
  en: z.string().min(1).max(500),
});

/**
 * A URL a data subject may follow (privacy policy, disclosure, contact page): https only, so a
 * registry can never put `javascript:` or a clear-text page in front of a customer. Plain http is
 * accepted for localhost alone, for the demo.
 */
export const httpsUrl = z
  .url()
  .max(2000)
  .refine(isSafeUrl, 'an https URL (http only for localhost)');

function isSafeUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return u.hostname.length > 0;
  return u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname);
}
const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A calendar date, YYYY-MM-DD. */
export const civilDate = z.iso.date();

/** Human texts (`name`, `address`) are localised: a plain string or `{ ko, en }` (local-text.ts). */
const contact = z.strictObject({
  name: localText(200).optional(),
  email: z.email().max(254).optional(),
  phone: z.string().min(3).max(40).optional(),
  address: localText(500).optional(),
  url: httpsUrl.optional(),
});

/** ISO 8601 duration without weeks mixed in, e.g. P5Y, P90D, P1Y6M, PT12H. */
export const isoDuration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
    'an ISO 8601 duration such as P90D or P3Y',
  );

/**
 * PIPA 28-8(1)4: a certification the PIPC has designated (`scheme` names an entry of the built-in
 * reference data, src/core/law/reference/pipc-certifications.ts), held by the recipient, with the
 * two measures the Act requires declared: (a) the safety measures and the measures that guarantee
 * the subject's rights, (b) the measures that carry out the certified matters in the destination.
 */
export const pipcCertification = z.strictObject({
  scheme: id,
  certificate: z.string().min(1).max(200),
  valid_until: civilDate,
  measures: z.array(z.enum(['safety_and_rights', 'implementation_abroad'])).max(2).default([]),
});

/** GDPR 47: binding corporate rules, approved by a supervisory authority (GDPR 47(1), 63). */
export const bcrApproval = z.strictObject({
  approved_by: z.string().min(1).max(200),
  reference: z.string().min(1).max(200),
  approved_on: civilDate,
});

/**
 * GDPR 45 for the United States: the recipient is on the Data Privacy Framework List, which
 * Commission Implementing Decision (EU) 2023/1795 covers. GDPR adequacy only: never a PIPA ground.
 */
export const dpfListing = z.strictObject({
  entry_url: httpsUrl,
  checked_on: civilDate,
});

export const safeguards = z.strictObject({
  /**
   * Free text kept for older registries. It is never a transfer ground: an operator typing a
   * certification's name proves nothing (lint OVERSEAS_NO_GROUND when relied on). Use
   * `pipc_certification`.
   */
  certification: z.string().min(1).max(200).optional(),
  /**
   * An operator flag kept for older registries. It never makes a country adequate: PIPA 28-8(1)5
   * and GDPR 45 are read from built-in, dated reference data (src/core/law/reference).
   */
  adequacy: z.boolean().optional(),
  /** Free-text SCC reference kept for older registries; not a safeguard: name them in `agreement.scc`. */
  scc: z.string().min(1).max(200).optional(),
  bcr: bcrApproval.optional(),
  pipc_certification: pipcCertification.optional(),
  dpf: dpfListing.optional(),
  /** Free-text agreement reference kept for older registries; `agreement` replaces it. */
  dpa: z.string().min(1).max(200).optional(),
});

/**
 * Clauses an agreement with a recipient may carry. Which are required depends on the recipient:
 * PIPA 26(1) and its decree for an entrustee, GDPR 28(3) for a processor of EU residents' data,
 * PIPA 28-8(4) and its decree for every recipient abroad (src/core/law/kr/agreement.ts,
 * src/core/law/eu/agreement.ts).
 */
export const agreementClause = z.enum([
  'work_scope',
  'purpose_limitation',
  'security_measures',
  're_entrustment_limits',
  'supervision',
  'liability',
  'confidentiality',
  'subject_rights_assistance',
  'controller_assistance',
  'return_or_destruction',
  'grievance_handling',
  'dispute_resolution',
  'onward_transfer',
]);

/** GDPR 46(2)(c): the Commission's standard contractual clauses, by decision and module. */
export const sccReference = z.strictObject({
  /** Commission Implementing Decision (EU) 2021/914 is the only set in force for GDPR transfers. */
  version: z.literal('2021/914'),
  /** 1 controller→controller, 2 controller→processor, 3 processor→processor, 4 processor→controller. */
  module: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
});

/**
 * The contract with a recipient or class (PIPA 26(1), 28-8(4); GDPR 28(3), 46(2)(c)). `version` is
 * what a class member accepts (`agreementVersion` in POST /v1/members).
 */
export const agreementSchema = z.strictObject({
  id,
  version: z.string().min(1).max(64),
  clauses: z.array(agreementClause).max(agreementClause.options.length).default([]),
  scc: sccReference.optional(),
});

/**
 * PIPA 26 entrustment (GDPR 28 processing) as the registry records it for a `processor`.
 */
export const entrustmentSchema = z.strictObject({
  /** The entrusted work, as the privacy policy discloses it (26(2)). */
  work: labels,
  /** Where the work and the entrustee are publicly disclosed (26(2)); defaults to `operator.privacy_policy_url`. */
  disclosed_in: httpsUrl.optional(),
  /** The entrusted work promotes or sells goods or services (26(3)): the subject must be told. */
  marketing: z.boolean().default(false),
  /** How the subject is told of a marketing entrustment (26(3)). */
  subject_notice: labels.optional(),
  /** 26(6), GDPR 28(2): re-entrustment only with the operator's recorded consent. */
  re_entrustment: z
    .strictObject({
      allowed: z.boolean(),
      /** Reference of the operator's recorded (written) consent. */
      operator_consent: z.string().min(1).max(200).optional(),
    })
    .default({ allowed: false }),
});

export const operatorSchema = z.strictObject({
  legal_name: localText(200),
  country,
  address: localText(500).optional(),
  privacy_policy_url: httpsUrl.optional(),
  privacy_officer: z.strictObject({
    name: localText(200),
    email: z.email().max(254),
    phone: z.string().min(3).max(40),
  }),
  /** PIPA 31-2 (KR) and GDPR 27 (EU): where the operator has no establishment. */
  domestic_agents: z
    .array(
      z.strictObject({
        jurisdiction,
        name: localText(200),
        address: localText(500),
        email: z.email().max(254).optional(),
        phone: z.string().min(3).max(40).optional(),
      }),
    )
    .max(10)
    .default([]),
  /** Jurisdictions whose residents the operator serves. */
  jurisdictions: z.array(jurisdiction).min(1).max(5),
  children: z
    .strictObject({
      serves_children: z.boolean(),
      /** Age below which a guardian must consent: 14 in Korea (PIPA 22-2), 13–16 under GDPR 8. */
      kr_age: z.number().int().min(14).max(19).default(14),
      gdpr_age: z.number().int().min(13).max(16).default(16),
      guardian_consent_method: localText(200).optional(),
    })
    .default({ serves_children: false, kr_age: 14, gdpr_age: 16 }),
});

/** How an item leaves the gate. */
export const releaseForm = z.enum(['plain', 'masked', 'safe_number', 'token']);

/** What shape a category's values have: drives masking and safe numbers. */
export const valueFormat = z.enum(['name', 'phone', 'email', 'address', 'identifier', 'date', 'text', 'json']);

export const dataCategorySchema = z.strictObject({
  id,
  labels,
  sensitivity: z.enum(['normal', 'sensitive', 'unique_identifier']).default('normal'),
  format: valueFormat.default('text'),
  /**
   * A kind of data some instruments treat apart: the PIPC's recognition of the EU excludes resident
   * registration numbers and personal credit information; the EU's decision on Korea excludes
   * personal credit information.
   */
  legal_kind: z.enum(['resident_registration_number', 'personal_credit_information']).optional(),
});

export const collectionPointSchema = z.strictObject({
  id,
  labels,
});

export const purposeSchema = z.strictObject({
  id,
  labels,
  /** Needed to conclude or perform the contract with the subject (PIPA 15(1)4, GDPR 6(1)(b)). */
  required: z.boolean(),
  ad_targeting: z.boolean().default(false),
  /** The maximal set of items the purpose may ever use (minimisation, PIPA 3 and 16). */
  items: z.array(id).min(1).max(100),
  collection_points: z.array(id).max(20).default([]),
  /** What the subject loses by refusing (PIPA 15(2)4); generated when absent. */
  refusal_consequence: labels.optional(),
});

export const recipientRole = z.enum(['third_party', 'processor', 'affiliate']);

export const recipientSchema = z.strictObject({
  id,
  /** The name a subject is told (PIPA 17(2)1): localised, `{ ko, en }`, or a plain string. */
  name: localText(200),
  role: recipientRole,
  country,
  contact,
  safeguards: safeguards.default({}),
  agreement: agreementSchema.optional(),
  entrustment: entrustmentSchema.optional(),
});

/** A class of recipients registered individually later (e.g. "marketplace sellers in CN"). */
export const recipientClassSchema = z.strictObject({
  id,
  name: localText(200),
  role: recipientRole,
  /** Countries members may be located in; a member elsewhere is refused at registration. */
  countries: z.array(country).min(1).max(250),
  contact,
  safeguards: safeguards.default({}),
  agreement: agreementSchema.optional(),
  entrustment: entrustmentSchema.optional(),
});

/**
 * Legal bases: PIPA 15(1)1–7 / GDPR 6(1)(a)–(f), plus `processor` (an entrustment: the operator's
 * own basis for the purpose carries it). `certification`, `adequacy`, `scc`, `bcr` and `derogation`
 * are Chapter V transfer mechanisms, never legal bases: the schema accepts them so that the lint can
 * refuse them with their article (BASIS_IS_TRANSFER_MECHANISM).
 */
export const legalBasis = z.enum([
  'consent',
  'contract_necessity',
  'legal_obligation',
  'public_task',
  'vital_interest',
  'legitimate_interest',
  'public_safety',
  'processor',
  'certification',
  'adequacy',
  'scc',
  'bcr',
  'derogation',
]);

/** Grounds for a transfer abroad: PIPA 28-8(1)1–5 and GDPR 45, 46, 49. */
export const transferGround = z.enum([
  'consent',
  'contract_necessity',
  'law_or_treaty',
  'certification',
  'adequacy',
  'scc',
  'bcr',
  'derogation',
]);

export const retentionSchema = z.union([
  z.literal('indefinite'),
  z.strictObject({
    duration: isoDuration,
    /** When the clock starts: at release (default), at the end of the contract, or at collection. */
    from: z.enum(['release', 'contract_end', 'collection']).default('release'),
  }),
]);

export const declarationSchema = z.strictObject({
  id,
  /** A recipient id or a recipient class id. */
  recipient: id,
  purpose: id,
  /** The recipient's own purpose of use, as shown in the notice (PIPA 17(2)2). */
  recipient_purpose: labels.optional(),
  items: z
    .array(
      z.strictObject({
        category: id,
        form: releaseForm.default('plain'),
      }),
    )
    .max(100),
  legal_basis: legalBasis,
  /** Legitimate interests (GDPR 6(1)(f), PIPA 15(1)6): reference of the recorded balancing test. */
  balancing_test: z.string().min(1).max(200).optional(),
  /** Required whenever the recipient is outside the subjects' jurisdiction. */
  transfer: z
    .strictObject({
      ground: transferGround,
      /** PIPA 28-8(2)3: when and how the data is transferred. */
      timing: localText(500).optional(),
      method: localText(500).optional(),
      /** Where an entrusted transfer (28-8(1)3) is disclosed; defaults to `operator.privacy_policy_url`. */
      disclosed_in: httpsUrl.optional(),
      /** PIPA 28-8(2)6: how the subject refuses the transfer and what refusing means. */
      refusal: z.strictObject({ method: labels, consequence: labels }).optional(),
      /** PIPA 28-8(1)2: the law or treaty that provides for the transfer. */
      instrument: localText(500).optional(),
      /** GDPR 49: derogations cover only occasional, non-repetitive transfers. */
      occasional: z.boolean().optional(),
      /** GDPR 49(1)(a): the risks of a transfer without adequacy or safeguards, as the notice states them. */
      risks: labels.optional(),
    })
    .optional(),
  retention: retentionSchema,
  /** Collection points whose notice shows this declaration; defaults to the purpose's. */
  collection_points: z.array(id).max(20).optional(),
});

export const registrySchema = z.strictObject({
  /** Registry format version. */
  version: z.literal(1),
  operator: operatorSchema,
  data_categories: z.array(dataCategorySchema).min(1).max(500),
  collection_points: z.array(collectionPointSchema).max(100).default([]),
  purposes: z.array(purposeSchema).min(1).max(500),
  recipients: z.array(recipientSchema).max(5000).default([]),
  recipient_classes: z.array(recipientClassSchema).max(500).default([]),
  declarations: z.array(declarationSchema).max(5000).default([]),
});

export type Registry = z.infer<typeof registrySchema>;
export type Operator = Registry['operator'];
export type DataCategory = z.infer<typeof dataCategorySchema>;
export type Purpose = z.infer<typeof purposeSchema>;
export type Recipient = z.infer<typeof recipientSchema>;
export type RecipientClass = z.infer<typeof recipientClassSchema>;
export type Declaration = z.infer<typeof declarationSchema>;
export type DeclaredItem = Declaration['items'][number];
export type LegalBasis = z.infer<typeof legalBasis>;
export type TransferGround = z.infer<typeof transferGround>;
export type ReleaseForm = z.infer<typeof releaseForm>;
export type Retention = z.infer<typeof retentionSchema>;
export type Jurisdiction = z.infer<typeof jurisdiction>;
export type Safeguards = z.infer<typeof safeguards>;
export type Agreement = z.infer<typeof agreementSchema>;
export type AgreementClause = z.infer<typeof agreementClause>;
export type Entrustment = z.infer<typeof entrustmentSchema>;
export type Transfer = NonNullable<Declaration['transfer']>;
