import type { Declaration, Recipient, RecipientClass, Registry } from '../registry/schema.ts';
import { text } from '../registry/local-text.ts';
import { LEGAL_BASIS_FROM_FIDES, TRANSFER_FROM_FIDES } from './import.ts';
import type { FidesLegalBasis } from './manifest.ts';
import type { MappingNote } from './report.ts';
import { CATEGORY_FOR_FORMAT, defaultTaxonomy, type Taxonomy } from './taxonomy.ts';

/**
 * Registry → fideslang: one system per recipient or recipient class, one privacy declaration per
 * registry declaration. The output is what fideslang's `System` model accepts (test/fides checks it
 * against the JSON Schema generated from fideslang's models). Fields the registry has and
 * fideslang has not (agreements, entrustment, item forms, transfer details, labels in Korean) are
 * listed in the notes; `meta.country` / `meta.countries` carry the recipient's location, which
 * fideslang has no field for and the importer reads back.
 */
export interface FidesManifest {
  readonly organization: FidesOrganizationOut[];
  readonly system: FidesSystemOut[];
}

export interface FidesOrganizationOut {
  fides_key: string;
  name: string;
  data_protection_officer: { name: string; email: string; phone: string };
  representative?: { name: string; address: string; email?: string; phone?: string };
}

export interface FidesDeclarationOut {
  name: string;
  data_categories: string[];
  data_use: string;
  data_subjects: string[];
  legal_basis_for_processing?: FidesLegalBasis;
  retention_period?: string;
  data_shared_with_third_parties: boolean;
  third_parties?: string;
}

export interface FidesSystemOut {
  fides_key: string;
  organization_fides_key: string;
  name: string;
  system_type: string;
  responsibility: Array<'Controller' | 'Processor'>;
  meta: { country: string } | { countries: string[] };
  privacy_declarations: FidesDeclarationOut[];
  does_international_transfers: boolean;
  legal_basis_for_transfers: string[];
}

export interface ExportResult {
  readonly manifest: FidesManifest;
  readonly notes: readonly MappingNote[];
}

const BASIS_TO_FIDES = new Map(Object.entries(LEGAL_BASIS_FROM_FIDES).map(([k, v]) => [v, k as FidesLegalBasis]));
const TRANSFER_TO_FIDES = new Map(Object.entries(TRANSFER_FROM_FIDES).map(([k, v]) => [v, k]));

export function registryToFides(registry: Registry, taxonomy: Taxonomy = defaultTaxonomy()): ExportResult {
  const notes: MappingNote[] = [];
  const note = (kind: MappingNote['kind'], at: string, what: string, why: string) => notes.push({ kind, at, what, why });

  const categoryKey = new Map<string, string>();
  registry.data_categories.forEach((c, i) => {
    if (taxonomy.categories.has(c.id)) categoryKey.set(c.id, c.id);
    else {
      const key = CATEGORY_FOR_FORMAT[c.format];
      categoryKey.set(c.id, key);
      note('assumed', `data_categories[${i}]`, `${c.id} → ${key}`, `not a fideslang key; chosen by its format (${c.format})`);
    }
  });
  const useKey = new Map<string, string>();
  registry.purposes.forEach((p, i) => {
    if (taxonomy.uses.has(p.id)) useKey.set(p.id, p.id);
    else {
      const key = p.ad_targeting ? 'marketing.advertising' : p.required ? 'essential.service' : 'functional.service';
      useKey.set(p.id, key);
      note('assumed', `purposes[${i}]`, `${p.id} → ${key}`, 'not a fideslang data use; chosen from required / ad_targeting');
    }
  });

  const byRecipient = new Map<string, Array<{ d: Declaration; i: number }>>();
  registry.declarations.forEach((d, i) => byRecipient.set(d.recipient, [...(byRecipient.get(d.recipient) ?? []), { d, i }]));

  const systemOf = (r: Recipient | RecipientClass, at: string): FidesSystemOut => {
    const decls = byRecipient.get(r.id) ?? [];
    const grounds = new Set<string>();
    const privacy_declarations = decls.map(({ d, i }) => {
      const dat = `declarations[${i}]`;
      const out: FidesDeclarationOut = {
        name: d.id,
        data_categories: [...new Set(d.items.map((it) => categoryKey.get(it.category) ?? 'user'))],
        data_use: useKey.get(d.purpose) ?? 'functional.service',
        data_subjects: ['customer'],
        data_shared_with_third_parties: r.role !== 'processor',
      };
      const basis = BASIS_TO_FIDES.get(d.legal_basis);
      if (basis) out.legal_basis_for_processing = basis;
      else if (d.legal_basis !== 'processor') note('unmapped', `${dat}.legal_basis`, d.legal_basis, 'fideslang’s legal bases are GDPR 6(1) only');
      if (d.retention === 'indefinite') note('unmapped', `${dat}.retention`, 'indefinite', 'left empty in fideslang');
      else out.retention_period = d.retention.from === 'release' ? d.retention.duration : `${d.retention.duration} after ${d.retention.from}`;
      if (r.role !== 'processor') out.third_parties = text(r.name, 'en');
      if (d.items.some((it) => it.form !== 'plain')) note('unmapped', `${dat}.items`, 'release forms (masked, safe_number, token)', 'fideslang has no field for how an item leaves the gate');
      if (d.recipient_purpose) note('unmapped', `${dat}.recipient_purpose`, 'recipient purpose', 'fideslang has no field for it');
      if (d.balancing_test) note('unmapped', `${dat}.balancing_test`, 'balancing test', 'fideslang has no field for it');
      if (d.collection_points) note('unmapped', `${dat}.collection_points`, 'collection points', 'fideslang has no field for them');
      if (d.transfer) {
        const g = TRANSFER_TO_FIDES.get(d.transfer.ground);
        if (g) grounds.add(g);
        else {
          grounds.add('Other');
          note('unmapped', `${dat}.transfer.ground`, d.transfer.ground, 'fideslang’s transfer bases are Adequacy Decision, SCCs, BCRs, Supplementary Measures, Other: written as Other');
        }
        const { ground: _g, ...rest } = d.transfer;
        if (Object.keys(rest).length > 0) note('unmapped', `${dat}.transfer`, Object.keys(rest).join(', '), 'fideslang has no field for transfer details');
      }
      return out;
    });
    if (r.agreement) note('unmapped', `${at}.agreement`, 'agreement', 'fideslang has no agreement terms (only dpa_location text)');
    if (typeof r.name !== 'string' && r.name.ko !== undefined) note('unmapped', `${at}.name.ko`, 'Korean name', 'fideslang names have one language: the English name is exported');
    if (r.entrustment) note('unmapped', `${at}.entrustment`, 'entrustment', 'fideslang has no field for entrusted work');
    if (Object.keys(r.contact).length > 0) note('unmapped', `${at}.contact`, 'contact', 'fideslang has no contact for a system');
    if (Object.values(r.safeguards).some((v) => v !== undefined)) note('unmapped', `${at}.safeguards`, 'safeguards', 'fideslang has no field for them');
    return {
      fides_key: r.id,
      organization_fides_key: 'default_organization',
      // fideslang names have one language: the English text goes out, the Korean one is noted.
      name: text(r.name, 'en'),
      system_type: 'Service',
      responsibility: [r.role === 'processor' ? 'Processor' : 'Controller'],
      meta: 'country' in r ? { country: r.country } : { countries: [...r.countries] },
      privacy_declarations,
      does_international_transfers: grounds.size > 0,
      legal_basis_for_transfers: [...grounds].sort(),
    };
  };

  const system = [
    ...registry.recipients.map((r, i) => systemOf(r, `recipients[${i}]`)),
    ...registry.recipient_classes.map((r, i) => systemOf(r, `recipient_classes[${i}]`)),
  ];

  const op = registry.operator;
  const organization: FidesOrganizationOut = {
    fides_key: 'default_organization',
    name: text(op.legal_name, 'en'),
    data_protection_officer: { ...op.privacy_officer, name: text(op.privacy_officer.name, 'en') },
  };
  const eu = op.domestic_agents.find((a) => a.jurisdiction === 'EU');
  if (eu) {
    organization.representative = { name: text(eu.name, 'en'), address: text(eu.address, 'en'), ...(eu.email ? { email: eu.email } : {}), ...(eu.phone ? { phone: eu.phone } : {}) };
  }
  if (op.domestic_agents.some((a) => a.jurisdiction === 'KR')) note('unmapped', 'operator.domestic_agents', 'KR domestic agent', 'fideslang has a representative field only (read as the GDPR 27 representative)');
  note('unmapped', 'operator', 'country, jurisdictions, children, privacy policy URL', 'fideslang’s organization has no fields for them; pass --operator-country and --jurisdictions when importing back');
  if (registry.collection_points.length > 0) note('unmapped', 'collection_points', 'collection points', 'fideslang has no field for them');
  registry.data_categories.forEach((c, i) => {
    if (c.legal_kind) note('unmapped', `data_categories[${i}].legal_kind`, c.legal_kind, 'fideslang has no field for it');
  });
  registry.purposes.forEach((p, i) => {
    if (p.refusal_consequence) note('unmapped', `purposes[${i}].refusal_consequence`, 'refusal consequence', 'fideslang has no field for it');
  });
  note('unmapped', 'labels.ko', 'Korean labels', 'fideslang names come from its taxonomy, in English');
  return { manifest: { organization: [organization], system }, notes };
}
