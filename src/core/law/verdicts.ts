import type { Party, RegistryModel } from '../registry/model.ts';
import { text } from '../registry/local-text.ts';
import type { Declaration, Jurisdiction } from '../registry/schema.ts';
import { ask, packFor } from './packs.ts';
import { REFERENCE } from './reference/index.ts';
import type { ReferenceData } from './reference/types.ts';
import type { BasisCase, LawDate, PartyCase, TransferCase, Verdict } from './types.ts';

/**
 * What the lint, the gate index, the audit replay and the reports ask. Each call builds the case from
 * the registry and asks the jurisdiction's pack, so every consumer gets the same verdict.
 */
export interface LawOptions {
  /** The date to judge by; undefined = the law in force now. */
  readonly on?: LawDate;
  /** Reference data other than the built-in (tests). */
  readonly reference?: ReferenceData;
}

const dated = (o: LawOptions | undefined) => ({ on: o?.on, reference: o?.reference ?? REFERENCE });

export function basisCase(model: RegistryModel, d: Declaration, party: Party, o?: LawOptions): BasisCase {
  return { ...dated(o), declarationId: d.id, basis: d.legal_basis, role: party.role, partyName: text(party.name, 'en'), balancingTest: d.balancing_test };
}

/** Whether `d` may give `party` its data at all, for subjects of `j` (PIPA 15, 17, 26; GDPR 6). */
export function legalBasisVerdict(model: RegistryModel, d: Declaration, party: Party, j: Jurisdiction, o?: LawOptions): Verdict {
  return ask(packFor(j).basis, basisCase(model, d, party, o));
}

export function transferCase(model: RegistryModel, d: Declaration, party: Party, country: string, o?: LawOptions): TransferCase {
  const kinds = new Set<string>();
  for (const i of d.items) {
    const k = model.categories.get(i.category)?.legal_kind;
    if (k) kinds.add(k);
  }
  return {
    ...dated(o),
    declaration: d,
    country,
    role: party.role,
    partyName: text(party.name, 'en'),
    ground: d.transfer?.ground,
    transfer: d.transfer,
    safeguards: party.safeguards,
    agreement: party.agreement,
    disclosedIn: d.transfer?.disclosed_in ?? model.operator.privacy_policy_url,
    purposeRequired: model.purposes.get(d.purpose)?.required === true,
    contactReachable: Boolean(party.contact.email || party.contact.phone),
    itemKinds: kinds,
  };
}

/**
 * Whether data of `j`'s subjects may go to `country` under `d` (PIPA 28-8; GDPR Chapter V). Ask only
 * when the country is overseas for `j` (`RegistryModel.isOverseas`).
 */
export function transferVerdict(model: RegistryModel, d: Declaration, party: Party, country: string, j: Jurisdiction, o?: LawOptions): Verdict {
  return ask(packFor(j).transfer, transferCase(model, d, party, country, o));
}

export function partyCase(model: RegistryModel, party: Party, j: Jurisdiction, o?: LawOptions): PartyCase {
  const countries = party.kind === 'recipient' ? [party.country] : party.countries;
  const declarations = model.doc.declarations.filter((d) => d.recipient === party.id);
  return {
    ...dated(o),
    partyId: party.id,
    partyName: text(party.name, 'en'),
    role: party.role,
    agreement: party.agreement,
    entrustment: party.entrustment,
    overseas: countries.some((c) => model.isOverseas(c, j)),
    marketingPurpose: declarations.some((d) => model.purposes.get(d.purpose)?.ad_targeting === true),
    disclosedIn: party.entrustment?.disclosed_in ?? model.operator.privacy_policy_url,
  };
}

/** Whether the contract with `party` carries what `j` requires (PIPA 26(1), 28-8(4); GDPR 28(3)). */
export function agreementVerdict(model: RegistryModel, party: Party, j: Jurisdiction, o?: LawOptions): Verdict {
  return ask(packFor(j).agreement, partyCase(model, party, j, o));
}

/** Whether an entrustment is recorded as `j` requires (PIPA 26(2), (3), (6); GDPR 28(2)). */
export function entrustmentVerdict(model: RegistryModel, party: Party, j: Jurisdiction, o?: LawOptions): Verdict {
  return ask(packFor(j).entrustment, partyCase(model, party, j, o));
}
