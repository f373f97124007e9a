import type { DataCategory, Declaration, Jurisdiction, Purpose, Recipient, RecipientClass, Registry, Retention, TransferGround } from '../registry/schema.ts';
import type { FidesContact, FidesDataset, FidesDatasetField, FidesDeclaration, FidesLegalBasis, FidesResources, FidesSystem } from './manifest.ts';
import type { MappingNote } from './report.ts';
import { defaultTaxonomy, extendTaxonomy, formatOf, isPersonal, sensitivityOf, under, type Taxonomy } from './taxonomy.ts';

/**
 * fideslang → registry draft. Pure: the CLI reads the files, this maps what it can and explains in
 * notes what it could not. What fideslang has no field for (where a system processes data, the
 * operator's country, agreements, item forms, Korean labels) is either taken from the options,
 * filled with an obvious `TODO` placeholder so the draft parses, or left out for `consentgate check`
 * to report — never guessed silently.
 */
export interface ImportOptions {
  /** The operator's country of establishment; fideslang's organization has none. */
  readonly operatorCountry?: string;
  /** Where systems without `meta.country` process data; defaults to the operator's country. */
  readonly defaultCountry?: string;
  readonly jurisdictions?: readonly Jurisdiction[];
}

export interface ImportResult {
  readonly registry: Registry;
  readonly notes: readonly MappingNote[];
}

/** The draft's shape before zod defaults are applied; `parseRegistry` fills the rest. */
const REGISTRY_ID = /^[a-z0-9][a-z0-9_.-]*$/;
const validId = (s: string): boolean => s.length <= 64 && REGISTRY_ID.test(s);

/** fideslang LegalBasisForProcessingEnum → registry legal bases (both are GDPR 6(1)). */
export const LEGAL_BASIS_FROM_FIDES: Readonly<Record<FidesLegalBasis, Declaration['legal_basis']>> = {
  Consent: 'consent',
  Contract: 'contract_necessity',
  'Legal obligations': 'legal_obligation',
  'Vital interests': 'vital_interest',
  'Public interest': 'public_task',
  'Legitimate interests': 'legitimate_interest',
};

/** fideslang LegalBasisForTransfersEnum values with a registry transfer ground. */
export const TRANSFER_FROM_FIDES: Readonly<Record<string, TransferGround>> = {
  'Adequacy Decision': 'adequacy',
  SCCs: 'scc',
  BCRs: 'bcr',
};

export function fidesToRegistry(res: FidesResources, opts: ImportOptions = {}): ImportResult {
  const notes: MappingNote[] = [];
  const note = (kind: MappingNote['kind'], at: string, what: string, why: string) => notes.push({ kind, at, what, why });
  const taxonomy = extendTaxonomy(defaultTaxonomy(), res.categories, res.uses);
  for (const i of res.ignored) note('unmapped', `${i.file}: ${i.kind}`, `${i.kind} resources`, 'the registry has no counterpart; ignored');

  const operator = mapOperator(res, opts, note);
  const defaultCountry = opts.defaultCountry ?? operator.country;
  const datasets = new Map(res.datasets.map((d) => [d.dataset.fides_key, d]));

  // Categories are checked once per key, so the report names each bad key once.
  const categoryVerdict = new Map<string, string | null>();
  const checkCategory = (key: string, at: string): boolean => {
    if (!categoryVerdict.has(key)) {
      let why: string | null = null;
      if (!taxonomy.categories.has(key)) why = 'not in the fideslang taxonomy (default or extended in this directory); a pre-2.0 key?';
      else if (!isPersonal(key)) why = 'not personal data (outside the fideslang `user` branch)';
      else if (!validId(key)) why = 'not usable as a registry id (lower-case letters, digits, "_", "-", ".", at most 64)';
      categoryVerdict.set(key, why);
      if (why) note('unmapped', at, `data category ${key}`, why);
    }
    return categoryVerdict.get(key) === null;
  };

  const purposes = new Map<string, Purpose & { items: string[] }>();
  const recipients: Recipient[] = [];
  const classes: RecipientClass[] = [];
  const declarations: Declaration[] = [];
  const usedIds = new Set<string>();
  const recipientIds = new Set<string>();

  for (const { file, index, system } of res.systems) {
    const at = `${file}: system[${index}]`;
    const recipientId = toId(system.fides_key);
    if (!recipientId || recipientIds.has(recipientId)) {
      note('unmapped', at, `system ${system.fides_key}`, recipientId ? 'a second system with the same key' : 'its fides_key is not usable as a registry id');
      continue;
    }
    if (recipientId !== system.fides_key) note('assumed', at, `system ${system.fides_key}`, `registry id ${recipientId} (ids are lower-case)`);
    const role = roleOf(system, at, note);
    const countries = countriesOf(system, defaultCountry, at, note);
    const transferGround = transferOf(system, at, note);
    const systemDecls: Declaration[] = [];

    system.privacy_declarations.forEach((pd, j) => {
      const dat = `${at}.privacy_declarations[${j}]`;
      if (!taxonomy.uses.has(pd.data_use)) {
        note('unmapped', `${dat}.data_use`, `data use ${pd.data_use}`, 'not in the fideslang taxonomy (default or extended in this directory); the declaration is left out');
        return;
      }
      if (!validId(pd.data_use)) {
        note('unmapped', `${dat}.data_use`, `data use ${pd.data_use}`, 'not usable as a registry purpose id');
        return;
      }
      const declared = pd.data_categories.filter((c, k) => checkCategory(c, `${dat}.data_categories[${k}]`));
      const items = refine(declared, pd, datasets, dat, note, checkCategory);
      if (items.length === 0) {
        note('unmapped', dat, `declaration for ${pd.data_use}`, 'no personal data category left to map; the declaration is left out');
        return;
      }
      const purpose = purposes.get(pd.data_use) ?? newPurpose(pd.data_use, taxonomy);
      for (const i of items) if (!purpose.items.includes(i)) purpose.items.push(i);
      purposes.set(pd.data_use, purpose);

      const decl: Declaration = {
        id: declarationId(pd, recipientId, usedIds),
        recipient: recipientId,
        purpose: pd.data_use,
        items: items.map((category) => ({ category, form: 'plain' as const })),
        legal_basis: basisOf(pd, role, dat, note),
        retention: retentionOf(pd.retention_period, dat, note),
        ...(transferGround ? { transfer: { ground: transferGround } } : {}),
      };
      usedIds.add(decl.id);
      systemDecls.push(decl);
    });

    if (systemDecls.length === 0) {
      note('unmapped', at, `system ${system.fides_key}`, 'no privacy declaration could be mapped, so it receives nothing; left out');
      continue;
    }
    recipientIds.add(recipientId);
    declarations.push(...systemDecls);
    const base = { id: recipientId, name: (system.name?.trim() || system.fides_key).slice(0, 200), role, contact: {}, safeguards: {} };
    if (countries.length === 1) recipients.push({ ...base, country: countries[0]! });
    else classes.push({ ...base, countries });
    note('unmapped', at, 'recipient contact, agreement, entrustment', 'fideslang has no recipient contact or data processing agreement terms; `consentgate check` reports what the law needs');
  }

  const usedCategories = new Set([...purposes.values()].flatMap((p) => p.items));
  for (const { file, dataset } of res.datasets) {
    for (const { key, at } of datasetCategories(dataset, file)) {
      if (checkCategory(key, at) && !usedCategories.has(key) && ![...usedCategories].some((u) => under(key, u))) {
        note('unmapped', at, `data category ${key}`, 'held in the dataset but no system declares a use of it: no purpose, not in the draft');
        usedCategories.add(key); // report each such key once
      }
    }
  }

  const categoryKeys = [...new Set([...purposes.values()].flatMap((p) => p.items))].sort();
  const data_categories: DataCategory[] = categoryKeys.map((key) => ({
    id: key,
    labels: { ko: taxonomy.categories.get(key)!, en: taxonomy.categories.get(key)! },
    sensitivity: sensitivityOf(key),
    format: formatOf(key),
  }));
  if (categoryKeys.length > 0 || purposes.size > 0) {
    note('placeholder', 'data_categories[*].labels.ko, purposes[*].labels.ko', 'Korean labels', 'fideslang names are English only; the English name is copied — translate before publishing a notice');
  }

  const registry: Registry = {
    version: 1,
    operator,
    data_categories,
    collection_points: [],
    // Sorted so a draft does not depend on the order systems were listed in.
    purposes: [...purposes.values()].sort((a, b) => a.id.localeCompare(b.id)).map((p) => ({ ...p, items: [...p.items].sort() })),
    recipients,
    recipient_classes: classes,
    declarations,
  };
  return { registry, notes };
}

type Note = (kind: MappingNote['kind'], at: string, what: string, why: string) => void;

function mapOperator(res: FidesResources, opts: ImportOptions, note: Note): Registry['operator'] {
  const org = res.organizations[0];
  const at = org ? `${org.file}: organization[0]` : '(no organization)';
  if (res.organizations.length > 1) note('unmapped', `${res.organizations[1]!.file}: organization`, 'further organizations', 'a registry has one operator; the first organization is used');
  const country = opts.operatorCountry ?? 'ZZ';
  if (!opts.operatorCountry) note('placeholder', 'operator.country', 'ZZ', 'fideslang has no country of establishment; pass --operator-country');
  const jurisdictions = [...(opts.jurisdictions ?? ['KR', 'EU'])];
  if (!opts.jurisdictions) note('assumed', 'operator.jurisdictions', jurisdictions.join(', '), 'fideslang does not say whose residents are served; pass --jurisdictions');
  const o = org?.organization;
  const legal_name = o?.name?.trim() || o?.fides_key;
  if (!legal_name) note('placeholder', 'operator.legal_name', 'TODO', 'no fideslang organization in the directory');
  const dpo = o?.data_protection_officer;
  const officer = contactOf(dpo);
  if (!officer.name || !officer.email || !officer.phone) {
    note('placeholder', 'operator.privacy_officer', 'TODO fields', `${at}.data_protection_officer lacks a name, a valid e-mail or a phone`);
  }
  const rep = o?.representative;
  const agents: Registry['operator']['domestic_agents'] = [];
  if (rep?.name && rep.address) {
    const c = contactOf(rep);
    agents.push({ jurisdiction: 'EU', name: rep.name.slice(0, 200), address: rep.address.slice(0, 500), ...(c.email ? { email: c.email } : {}), ...(c.phone ? { phone: c.phone } : {}) });
    note('assumed', `${at}.representative`, 'EU representative', 'fideslang’s representative is read as the GDPR 27 representative; a PIPA 31-2 domestic agent has no fideslang field');
  }
  if (o?.controller) note('unmapped', `${at}.controller`, 'controller contact', 'the operator is the controller; its contact is not a registry field');
  return {
    legal_name: (legal_name ?? 'TODO: operator legal name').slice(0, 200),
    country,
    privacy_officer: {
      name: officer.name ?? 'TODO: privacy officer',
      email: officer.email ?? 'todo@example.invalid',
      phone: officer.phone ?? 'TODO',
    },
    domestic_agents: agents,
    jurisdictions,
    children: { serves_children: false, kr_age: 14, gdpr_age: 16 },
  };
}

/** Keeps only the contact values the registry accepts; an invalid e-mail is dropped, not stored. */
function contactOf(c: FidesContact): { name?: string; email?: string; phone?: string } {
  const out: { name?: string; email?: string; phone?: string } = {};
  if (c?.name) out.name = c.name.slice(0, 200);
  if (c?.email && EMAIL.test(c.email) && c.email.length <= 254) out.email = c.email;
  if (c?.phone && c.phone.length >= 3 && c.phone.length <= 40) out.phone = c.phone;
  return out;
}
/** The registry's e-mail check (zod `z.email()`) rejects `_` in domains; so does this. */
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

function toId(key: string): string | undefined {
  const id = key.toLowerCase();
  return validId(id) ? id : undefined;
}

/**
 * fideslang `responsibility` (Controller / Processor / Sub-Processor) is the system's role for this
 * processing: a processor works for the operator (PIPA 26 entrustee); a controller receiving data
 * uses it for its own purposes (a PIPA 17 third party). No role: a system is usually the operator's
 * own or a vendor's working for it, so processor is assumed — and said.
 */
function roleOf(system: FidesSystem, at: string, note: Note): Recipient['role'] {
  const r = system.responsibility ?? [];
  if (r.includes('Processor') || r.includes('Sub-Processor')) return 'processor';
  if (r.includes('Controller')) return 'third_party';
  note('assumed', `${at}.responsibility`, 'role processor', 'fideslang gives no responsibility; a system working for the operator is a processor (PIPA 26, GDPR 28)');
  return 'processor';
}

const COUNTRY = /^[A-Z]{2}$/;

/** fideslang has no country; ConsentGate reads `meta.country` or `meta.countries` (its export writes them). */
function countriesOf(system: FidesSystem, fallback: string, at: string, note: Note): string[] {
  const meta = system.meta ?? {};
  const one = meta['country'];
  const many = meta['countries'];
  if (typeof one === 'string' && COUNTRY.test(one)) return [one];
  if (Array.isArray(many) && many.length > 0 && many.every((c) => typeof c === 'string' && COUNTRY.test(c))) return [...new Set(many as string[])];
  if (one !== undefined || many !== undefined) note('unmapped', `${at}.meta`, 'country', 'meta.country / meta.countries must be ISO 3166-1 alpha-2 codes in upper case');
  note('assumed', `${at}`, `country ${fallback}`, 'fideslang has no field for where a system processes data; set meta.country or pass --default-country');
  return [fallback];
}

function transferOf(system: FidesSystem, at: string, note: Note): TransferGround | undefined {
  const bases = system.legal_basis_for_transfers ?? [];
  for (const b of bases) {
    const g = TRANSFER_FROM_FIDES[b];
    if (g) return g;
  }
  if (bases.length > 0) note('unmapped', `${at}.legal_basis_for_transfers`, bases.join(', '), 'no registry transfer ground matches (Adequacy Decision, SCCs and BCRs do)');
  else if (system.does_international_transfers) note('unmapped', `${at}.does_international_transfers`, 'international transfer', 'no legal_basis_for_transfers given');
  return undefined;
}

function basisOf(pd: FidesDeclaration, role: Recipient['role'], at: string, note: Note): Declaration['legal_basis'] {
  if (pd.legal_basis_for_processing) {
    const b = LEGAL_BASIS_FROM_FIDES[pd.legal_basis_for_processing];
    if (b === 'legitimate_interest') note('unmapped', `${at}.legal_basis_for_processing`, 'balancing test', 'fideslang records no balancing test reference (GDPR 6(1)(f), PIPA 15(1)6)');
    return b;
  }
  if (role === 'processor') return 'processor';
  note('assumed', `${at}.legal_basis_for_processing`, 'consent', 'none given; consent is the basis PIPA 17(1)1 allows for a third party');
  return 'consent';
}

/**
 * fideslang's retention_period is free text. Read: an ISO 8601 duration, optionally followed by
 * `after release|contract_end|collection` (what the export writes), or a whole number of days (what
 * the Fides UI stores). Anything else, or nothing, becomes `indefinite`, which the lint rejects.
 */
export function retentionOf(text: string | null | undefined, at: string, note: Note): Retention {
  const t = text?.trim();
  const m = t ? /^(P[0-9YMWDTHS]+)(?: after (release|contract_end|collection))?$/.exec(t) : null;
  if (m && /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(m[1]!)) {
    return { duration: m[1]!, from: (m[2] as 'release' | 'contract_end' | 'collection' | undefined) ?? 'release' };
  }
  if (t && /^\d{1,6}$/.test(t) && Number(t) > 0) return { duration: `P${Number(t)}D`, from: 'release' };
  note('unmapped', `${at}.retention_period`, t ? `"${t}"` : 'retention', t ? 'not a duration ConsentGate can read; marked indefinite' : 'none given; marked indefinite (the lint asks for one)');
  return 'indefinite';
}

function newPurpose(use: string, taxonomy: Taxonomy): Purpose & { items: string[] } {
  const name = taxonomy.uses.get(use)!;
  return {
    id: use,
    labels: { ko: name, en: name },
    // fideslang `essential.*`: needed to provide the service the subject asked for (contract).
    required: under(use, 'essential'),
    ad_targeting: under(use, 'marketing.advertising'),
    items: [],
    collection_points: [],
  };
}

/**
 * A declaration naming a broad category (`user.contact`) and a dataset narrows to the dataset's
 * fields under it: the registry lists what is released, as precisely as the source says.
 */
function refine(
  declared: string[],
  pd: FidesDeclaration,
  datasets: ReadonlyMap<string, { file: string; dataset: FidesDataset }>,
  at: string,
  note: Note,
  check: (key: string, at: string) => boolean,
): string[] {
  const held: string[] = [];
  (pd.dataset_references ?? []).forEach((ref, k) => {
    const d = datasets.get(ref);
    if (!d) {
      note('unmapped', `${at}.dataset_references[${k}]`, `dataset ${ref}`, 'not in the directory; the declared categories are kept as they are');
      return;
    }
    for (const c of datasetCategories(d.dataset, d.file)) if (check(c.key, c.at)) held.push(c.key);
  });
  const out = new Set<string>();
  for (const c of declared) {
    const narrower = held.filter((h) => under(h, c));
    if (narrower.length > 0 && !(narrower.length === 1 && narrower[0] === c)) {
      for (const h of narrower) out.add(h);
      note('assumed', at, `${c} → ${[...new Set(narrower)].sort().join(', ')}`, 'narrowed to the categories its dataset holds');
    } else out.add(c);
  }
  return [...out];
}

function datasetCategories(d: FidesDataset, file: string): Array<{ key: string; at: string }> {
  const out: Array<{ key: string; at: string }> = [];
  const base = `${file}: dataset ${d.fides_key}`;
  (d.data_categories ?? []).forEach((key, i) => out.push({ key, at: `${base}.data_categories[${i}]` }));
  d.collections.forEach((c) => {
    (c.data_categories ?? []).forEach((key, i) => out.push({ key, at: `${base}.${c.name}.data_categories[${i}]` }));
    const walk = (fields: FidesDatasetField[], prefix: string) => {
      for (const f of fields) {
        const p = `${prefix}.${f.name}`;
        (f.data_categories ?? []).forEach((key, i) => out.push({ key, at: `${base}${p}.data_categories[${i}]` }));
        walk(f.fields ?? [], p);
      }
    };
    walk(c.fields, `.${c.name}`);
  });
  return out;
}

/** The declaration's fideslang name when it is a usable id, else `<system>.<n>`; unique either way. */
function declarationId(pd: FidesDeclaration, recipientId: string, used: ReadonlySet<string>): string {
  const name = pd.name?.trim();
  if (name && validId(name) && !used.has(name)) return name;
  for (let n = 1; ; n++) {
    const id = `${recipientId.slice(0, 56)}.${n}`;
    if (!used.has(id)) return id;
  }
}
