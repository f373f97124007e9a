import { contentHash } from '../canonical.ts';
import type {
  DataCategory,
  Declaration,
  Jurisdiction,
  Purpose,
  Recipient,
  RecipientClass,
  Registry,
} from './schema.ts';

/** A recipient or a recipient class, as a declaration names either. */
export type Party = ({ kind: 'recipient' } & Recipient) | ({ kind: 'class' } & RecipientClass);

/**
 * A validated registry with the lookups every consumer needs (lint, notices, gate) built once.
 * Pure and immutable: the gate's hot path reads these maps and nothing else.
 */
export class RegistryModel {
  readonly hash: string;
  readonly categories: ReadonlyMap<string, DataCategory>;
  readonly purposes: ReadonlyMap<string, Purpose>;
  readonly parties: ReadonlyMap<string, Party>;
  readonly declarations: ReadonlyMap<string, Declaration>;
  /** `${partyId}\u0000${purposeId}` → declarations (usually one). */
  private readonly byPartyPurpose: ReadonlyMap<string, readonly Declaration[]>;

  constructor(readonly doc: Registry) {
    this.hash = contentHash(doc);
    this.categories = new Map(doc.data_categories.map((c) => [c.id, c]));
    this.purposes = new Map(doc.purposes.map((p) => [p.id, p]));
    this.parties = new Map<string, Party>([
      ...doc.recipients.map((r): [string, Party] => [r.id, { kind: 'recipient', ...r }]),
      ...doc.recipient_classes.map((c): [string, Party] => [c.id, { kind: 'class', ...c }]),
    ]);
    this.declarations = new Map(doc.declarations.map((d) => [d.id, d]));
    const idx = new Map<string, Declaration[]>();
    for (const d of doc.declarations) {
      const key = `${d.recipient}\u0000${d.purpose}`;
      const list = idx.get(key);
      if (list) list.push(d);
      else idx.set(key, [d]);
    }
    this.byPartyPurpose = idx;
  }

  get operator() {
    return this.doc.operator;
  }

  declarationsFor(partyId: string, purposeId: string): readonly Declaration[] {
    return this.byPartyPurpose.get(`${partyId}\u0000${purposeId}`) ?? [];
  }

  /** Countries a declaration's data may go to: the recipient's, or every country of the class. */
  destinationCountries(d: Declaration): readonly string[] {
    const p = this.parties.get(d.recipient);
    if (!p) return [];
    return p.kind === 'recipient' ? [p.country] : p.countries;
  }

  /**
   * Whether a transfer to `country` is overseas for subjects of `jurisdiction`.
   * EU residents: any country outside the EEA is a third country (GDPR Chapter V).
   */
  isOverseas(country: string, jurisdiction: Jurisdiction): boolean {
    return jurisdiction === 'KR' ? country !== 'KR' : !EEA.has(country);
  }

  /** Collection points whose notice shows the declaration. */
  collectionPointsOf(d: Declaration): readonly string[] {
    return d.collection_points ?? this.purposes.get(d.purpose)?.collection_points ?? [];
  }
}

/** EU member states plus Iceland, Liechtenstein and Norway. */
export const EEA: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT',
  'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
]);
