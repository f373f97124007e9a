/**
 * Built-in, dated, sourced reference data: which countries a decision covers, which certifications a
 * regulator has designated. An operator can never add to it from the registry: a flag typed in a
 * registry proves nothing, an entry here names its decision and source. An entry nobody can source
 * stays out (docs/legal/rules.md says which).
 */
export interface ReferenceEntry {
  readonly id: string;
  readonly title: string;
  /** The decision's own reference, e.g. "Commission Implementing Decision (EU) 2022/254". */
  readonly reference: string;
  /** First day in force (YYYY-MM-DD). */
  readonly effectiveFrom: string;
  /** Last day in force, when it has lapsed or been replaced. */
  readonly effectiveTo?: string;
  readonly source: string;
  /** What the decision does not cover, in words. */
  readonly exclusions: readonly string[];
  readonly notes?: string;
}

/** A decision that a country's (or region's) protection is adequate or equivalent. */
export interface CountryDecision extends ReferenceEntry {
  readonly countries: readonly string[];
  /** Legal kinds of data (`data_categories[].legal_kind`) the decision does not cover. */
  readonly excludedKinds: readonly string[];
  /** The decision covers only organisations on a list the recipient must be on (US: the DPF List). */
  readonly requiresListing?: 'dpf';
}

/** A certification the PIPC has designated for PIPA 28-8(1)4. */
export interface DesignatedCertification extends ReferenceEntry {
  /** What `safeguards.pipc_certification.scheme` names. */
  readonly scheme: string;
}

export interface ReferenceData {
  /** GDPR 45: the European Commission's adequacy decisions. */
  readonly euAdequacy: readonly CountryDecision[];
  /** PIPA 28-8(1)5: countries and regions the PIPC has recognised as equivalent. */
  readonly pipcEquivalence: readonly CountryDecision[];
  /** PIPA 28-8(1)4: certifications the PIPC has designated. */
  readonly pipcCertifications: readonly DesignatedCertification[];
}

/** Whether an entry is in force on `on` (undefined: now, i.e. not lapsed or replaced). */
export function inForce(e: { readonly effectiveFrom: string; readonly effectiveTo?: string }, on: string | undefined): boolean {
  if (on === undefined) return e.effectiveTo === undefined;
  return e.effectiveFrom <= on && (e.effectiveTo === undefined || on <= e.effectiveTo);
}
