import { z } from 'zod';
import { CgError, formatPath, type ErrorDetail } from '../errors.ts';
import { textIssue } from '../text.ts';

/**
 * The fideslang resources the importer reads, as fideslang's pydantic models define them
 * (ethyca/fideslang src/fideslang/models.py). Objects are loose like fideslang's (`extra="ignore"`):
 * Fides manifests carry many fields the registry has no use for, and refusing them would refuse
 * every real manifest. Fields the mapping reads are checked strictly, so a bad one is reported at
 * its path instead of silently producing a wrong registry.
 */

/** fideslang's FIDES_KEY_PATTERN (src/fideslang/validation.py). */
const fidesKey = z.string().regex(/^[a-zA-Z0-9_.<>-]+$/, "a fides_key: letters, digits, '.', '_', '<', '>' or '-'");
const optText = z.string().nullish();
const keyList = z.array(fidesKey).nullish();

const dataFlow = z.looseObject({
  fides_key: fidesKey,
  type: z.string(),
  data_categories: keyList,
});

/** fideslang LegalBasisForProcessingEnum (GDPR 6(1)). */
export const FIDES_LEGAL_BASES = ['Consent', 'Contract', 'Legal obligations', 'Vital interests', 'Public interest', 'Legitimate interests'] as const;
export type FidesLegalBasis = (typeof FIDES_LEGAL_BASES)[number];

/** fideslang DataResponsibilityTitle. */
export const FIDES_RESPONSIBILITIES = ['Controller', 'Processor', 'Sub-Processor'] as const;

const privacyDeclaration = z.looseObject({
  name: optText,
  data_categories: z.array(fidesKey),
  data_use: fidesKey,
  data_subjects: z.array(fidesKey).nullish(),
  dataset_references: keyList,
  legal_basis_for_processing: z.enum(FIDES_LEGAL_BASES).nullish(),
  retention_period: optText,
  data_shared_with_third_parties: z.boolean().nullish(),
  third_parties: optText,
});

const system = z.looseObject({
  fides_key: fidesKey,
  name: optText,
  description: optText,
  system_type: z.string(),
  privacy_declarations: z.array(privacyDeclaration),
  egress: z.array(dataFlow).nullish(),
  ingress: z.array(dataFlow).nullish(),
  responsibility: z.array(z.enum(FIDES_RESPONSIBILITIES)).nullish(),
  /** Free-form in fideslang; ConsentGate reads `country` (ISO alpha-2) or `countries` from it. */
  meta: z.record(z.string(), z.unknown()).nullish(),
  does_international_transfers: z.boolean().nullish(),
  legal_basis_for_transfers: z.array(z.string()).nullish(),
});

type Field = { name: string; data_categories?: string[] | null | undefined; fields?: Field[] | null | undefined };
const datasetField: z.ZodType<Field> = z.lazy(() =>
  z.looseObject({ name: z.string(), data_categories: keyList, fields: z.array(datasetField).nullish() }),
);

const dataset = z.looseObject({
  fides_key: fidesKey,
  name: optText,
  data_categories: keyList,
  collections: z.array(z.looseObject({ name: z.string(), data_categories: keyList, fields: z.array(datasetField) })),
});

const contactDetails = z
  .looseObject({ name: optText, address: optText, email: optText, phone: optText })
  .nullish();

const organization = z.looseObject({
  fides_key: fidesKey,
  name: optText,
  controller: contactDetails,
  data_protection_officer: contactDetails,
  representative: contactDetails,
});

const taxonomyEntry = z.looseObject({ fides_key: fidesKey, name: optText, parent_key: fidesKey.nullish() });

/** One manifest file: each key optional, as in fideslang (a file may hold any mix of resources). */
const manifest = z.looseObject({
  system: z.array(system).nullish(),
  dataset: z.array(dataset).nullish(),
  organization: z.array(organization).nullish(),
  data_category: z.array(taxonomyEntry).nullish(),
  data_use: z.array(taxonomyEntry).nullish(),
});

export type FidesSystem = z.infer<typeof system>;
export type FidesDeclaration = z.infer<typeof privacyDeclaration>;
export type FidesDataset = z.infer<typeof dataset>;
export type FidesDatasetField = Field;
export type FidesOrganization = z.infer<typeof organization>;
export type FidesContact = z.infer<typeof contactDetails>;

/** Resources read from one or more files, each remembering where it came from for the report. */
export interface FidesResources {
  readonly systems: ReadonlyArray<{ file: string; index: number; system: FidesSystem }>;
  readonly datasets: ReadonlyArray<{ file: string; dataset: FidesDataset }>;
  readonly organizations: ReadonlyArray<{ file: string; organization: FidesOrganization }>;
  readonly categories: ReadonlyArray<readonly [string, string]>;
  readonly uses: ReadonlyArray<readonly [string, string]>;
  /** Top-level resource kinds the registry has no counterpart for (policy, data_subject, …). */
  readonly ignored: ReadonlyArray<{ file: string; kind: string }>;
}

const READ_KINDS = new Set(['system', 'dataset', 'organization', 'data_category', 'data_use']);

/**
 * Validates parsed YAML documents (file name → plain value). Throws one `FIDES_INVALID` error
 * listing every bad field as `file: path`, so nothing is imported from a half-valid directory.
 */
export function readManifests(docs: ReadonlyArray<{ file: string; value: unknown }>): FidesResources {
  const details: ErrorDetail[] = [];
  const out = { systems: [], datasets: [], organizations: [], categories: [], uses: [], ignored: [] } as {
    -readonly [K in keyof FidesResources]: Array<FidesResources[K][number]>;
  };
  for (const { file, value } of docs) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      details.push({ code: 'FIDES_INVALID', message: `${file}: a fideslang manifest is a mapping of resource kinds`, path: `${file}:` });
      continue;
    }
    // Text no registry can store (U+0000, lone surrogates) is refused here, at its fideslang path.
    const bad = textIssue(value);
    if (bad) {
      details.push({ code: 'FIDES_INVALID', message: bad.kind === 'nul' ? 'text must not contain U+0000' : 'text must be well-formed Unicode', path: `${file}: ${formatPath(bad.path)}` });
      continue;
    }
    const parsed = manifest.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 50)) {
        const path = formatPath(issue.path.filter((p): p is string | number => typeof p !== 'symbol'));
        details.push({ code: 'FIDES_INVALID', message: issue.message, path: `${file}: ${path}` });
      }
      continue;
    }
    const m = parsed.data;
    (m.system ?? []).forEach((system, index) => out.systems.push({ file, index, system }));
    for (const d of m.dataset ?? []) out.datasets.push({ file, dataset: d });
    for (const o of m.organization ?? []) out.organizations.push({ file, organization: o });
    for (const c of m.data_category ?? []) out.categories.push([c.fides_key, (c.name?.trim() || c.fides_key).slice(0, 500)]);
    for (const u of m.data_use ?? []) out.uses.push([u.fides_key, (u.name?.trim() || u.fides_key).slice(0, 500)]);
    for (const kind of Object.keys(value)) if (!READ_KINDS.has(kind)) out.ignored.push({ file, kind });
  }
  if (details.length > 0) {
    throw new CgError('FIDES_INVALID', `${details[0]!.path}: ${details[0]!.message}`, 422, details);
  }
  return out;
}
