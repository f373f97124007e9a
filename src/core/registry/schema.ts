import { z } from 'zod';

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

const contact = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  email: z.email().max(254).optional(),
  phone: z.string().min(3).max(40).optional(),
  address: z.string().min(1).max(500).optional(),
  url: z.url().max(2000).optional(),
});

/** ISO 8601 duration without weeks mixed in, e.g. P5Y, P90D, P1Y6M, PT12H. */
export const isoDuration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
    'an ISO 8601 duration such as P90D or P3Y',
  );

export const safeguards = z.strictObject({
  /** e.g. ISMS-P, or an equivalent certification recognised by the PIPC (PIPA 28-8(1)4). */
  certification: z.string().min(1).max(200).optional(),
  /** The destination has an adequacy/equivalence decision (PIPA 28-8(1)5; GDPR 45). */
  adequacy: z.boolean().optional(),
  /** Reference of the standard contractual clauses signed with the recipient (GDPR 46). */
  scc: z.string().min(1).max(200).optional(),
  /** Binding corporate rules reference (GDPR 47). */
  bcr: z.string().min(1).max(200).optional(),
  /** Data processing / outsourcing agreement reference (PIPA 26; GDPR 28). */
  dpa: z.string().min(1).max(200).optional(),
});

export const operatorSchema = z.strictObject({
  legal_name: z.string().min(1).max(200),
  country,
  address: z.string().min(1).max(500).optional(),
  privacy_policy_url: z.url().max(2000).optional(),
  privacy_officer: z.strictObject({
    name: z.string().min(1).max(200),
    email: z.email().max(254),
    phone: z.string().min(3).max(40),
  }),
  /** PIPA 31-2 (KR) and GDPR 27 (EU): where the operator has no establishment. */
  domestic_agents: z
    .array(
      z.strictObject({
        jurisdiction,
        name: z.string().min(1).max(200),
        address: z.string().min(1).max(500),
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
      guardian_consent_method: z.string().min(1).max(200).optional(),
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
  name: z.string().min(1).max(200),
  role: recipientRole,
  country,
  contact,
  safeguards: safeguards.default({}),
});

/** A class of recipients registered individually later (e.g. "marketplace sellers in CN"). */
export const recipientClassSchema = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  role: recipientRole,
  /** Countries members may be located in; a member elsewhere is refused at registration. */
  countries: z.array(country).min(1).max(250),
  contact,
  safeguards: safeguards.default({}),
});

export const legalBasis = z.enum([
  'consent',
  'contract_necessity',
  'legal_obligation',
  'vital_interest',
  'processor',
  'certification',
  'adequacy',
  'scc',
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
  /** Required whenever the recipient is outside the subjects' jurisdiction. */
  transfer: z
    .strictObject({
      ground: transferGround,
      /** PIPA 28-8(2)3: when and how the data is transferred. */
      timing: z.string().min(1).max(500).optional(),
      method: z.string().min(1).max(500).optional(),
      /** Where contract necessity is the ground, where the transfer is disclosed (privacy policy URL). */
      disclosed_in: z.string().min(1).max(2000).optional(),
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
