import type { DataCategory } from '../registry/schema.ts';
import { FIDES_DATA_CATEGORIES, FIDES_DATA_USES } from './default-taxonomy.ts';

/**
 * The fideslang taxonomy the mapping reads: the default taxonomy plus any `data_category` and
 * `data_use` entries found next to the systems (fideslang lets an organisation extend it).
 * Keys are dotted paths; a key's parent is its prefix (`user.contact.email` → `user.contact`).
 */
export interface Taxonomy {
  readonly categories: ReadonlyMap<string, string>;
  readonly uses: ReadonlyMap<string, string>;
}

export function defaultTaxonomy(): Taxonomy {
  return { categories: new Map(FIDES_DATA_CATEGORIES), uses: new Map(FIDES_DATA_USES) };
}

export function extendTaxonomy(base: Taxonomy, categories: ReadonlyArray<readonly [string, string]>, uses: ReadonlyArray<readonly [string, string]>): Taxonomy {
  return {
    categories: new Map([...base.categories, ...categories]),
    uses: new Map([...base.uses, ...uses]),
  };
}

/** `key` equals `ancestor` or lies below it in the dotted hierarchy. */
export function under(key: string, ancestor: string): boolean {
  return key === ancestor || key.startsWith(`${ancestor}.`);
}

/**
 * Personal data in fideslang is the `user` branch; `system.*` is data about the system itself
 * (logs, operations) and has no place in a registry of personal-data flows.
 */
export function isPersonal(key: string): boolean {
  return under(key, 'user');
}

/**
 * PIPA 23 / GDPR 9 special categories as fideslang names them. Health, biometric and genetic data,
 * race, religion, sexual orientation, political opinion and criminal history are sensitive in
 * both laws; `user.demographic.gender` and `user.childrens` are not special categories in either.
 */
const SENSITIVE_BRANCHES = [
  'user.biometric',
  'user.authorization.biometric',
  'user.health_and_medical',
  'user.demographic.race_ethnicity',
  'user.demographic.religious_belief',
  'user.demographic.sexual_orientation',
  'user.demographic.political_opinion',
  'user.criminal_history',
];

/**
 * PIPA 24 unique identifiers: passport, driver's licence and national (resident registration /
 * alien registration) numbers. fideslang's other government ids (birth certificate, vehicle
 * registration) are not on the PIPA 24 list.
 */
const UNIQUE_IDENTIFIERS = [
  'user.government_id.passport_number',
  'user.government_id.drivers_license_number',
  'user.government_id.national_identification_number',
  'user.government_id.immigration',
];

export function sensitivityOf(key: string): DataCategory['sensitivity'] {
  if (UNIQUE_IDENTIFIERS.some((b) => under(key, b))) return 'unique_identifier';
  if (SENSITIVE_BRANCHES.some((b) => under(key, b))) return 'sensitive';
  return 'normal';
}

/** The value shape the gate masks by (`format`): read from the fideslang branch. */
const FORMATS: ReadonlyArray<readonly [string, DataCategory['format']]> = [
  ['user.contact.phone_number', 'phone'],
  ['user.contact.fax_number', 'phone'],
  ['user.contact.email', 'email'],
  ['user.contact.address', 'address'],
  ['user.name', 'name'],
  ['user.demographic.date_of_birth', 'date'],
  ['user.unique_id', 'identifier'],
  ['user.government_id', 'identifier'],
  ['user.device.device_id', 'identifier'],
  ['user.device.cookie_id', 'identifier'],
  ['user.account.username', 'identifier'],
  ['user.financial.bank_account', 'identifier'],
  ['user.financial.credit_card', 'identifier'],
];

export function formatOf(key: string): DataCategory['format'] {
  // Most specific branch first: the list is scanned for the longest matching prefix.
  let best: readonly [string, DataCategory['format']] | undefined;
  for (const f of FORMATS) if (under(key, f[0]) && (!best || f[0].length > best[0].length)) best = f;
  return best?.[1] ?? 'text';
}

/**
 * The reverse direction, for a registry category whose id is not a fideslang key: the closest
 * fideslang category by value shape. `text` and `json` say nothing about content, so they fall
 * back to the whole `user` branch, which the export report names.
 */
export const CATEGORY_FOR_FORMAT: Readonly<Record<DataCategory['format'], string>> = {
  name: 'user.name',
  phone: 'user.contact.phone_number',
  email: 'user.contact.email',
  address: 'user.contact.address',
  identifier: 'user.unique_id',
  date: 'user.demographic.date_of_birth',
  text: 'user',
  json: 'user',
};
