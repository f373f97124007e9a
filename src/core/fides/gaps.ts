import type { Finding } from '../lint/finding.ts';

/**
 * Lint findings an imported draft is expected to carry because fideslang has no field (or only an
 * optional free-text one) for what the rule needs. The import report sorts the draft's findings
 * into these and the rest: anything else points at the fideslang source itself.
 */
export const FIDESLANG_GAPS: Readonly<Record<string, string>> = {
  PROCESSOR_NO_DPA: 'fideslang records no agreement terms (only a dpa_location text)',
  ENTRUSTMENT_UNDISCLOSED: 'fideslang has no field for the entrusted work and where it is disclosed',
  ENTRUSTMENT_MARKETING_UNNOTIFIED: 'fideslang has no field for telling the subject of a marketing entrustment',
  RE_ENTRUSTMENT_WITHOUT_CONSENT: 'fideslang has no field for re-entrustment',
  RETENTION_INDEFINITE: 'fideslang’s retention_period is optional free text; none, or none readable, was given',
  NOTICE_INCOMPLETE: 'fideslang has no field for the recipient’s own purpose as shown to the subject',
  CONSENT_WITHOUT_NOTICE: 'fideslang has no collection points (the screens where consent is asked)',
  OVERSEAS_NO_GROUND: 'fideslang has no recipient country (meta.country is ConsentGate’s convention) and no PIPA transfer grounds',
  THIRD_COUNTRY_NO_GROUND: 'fideslang’s legal_basis_for_transfers is free text; only Adequacy Decision, SCCs and BCRs map',
  OVERSEAS_NOTICE_INCOMPLETE: 'fideslang has no transfer timing, method or recipient contact',
  OVERSEAS_AGREEMENT_MISSING: 'fideslang records no agreement terms',
  LEGITIMATE_INTEREST_UNBALANCED: 'fideslang records no balancing test reference',
  KO_TEXT_MISSING: 'fideslang names and descriptions have one language: the Korean text is added to the draft by hand',
  DOMESTIC_AGENT_MISSING: 'fideslang has no PIPA 31-2 domestic agent (its representative is read as the GDPR 27 one)',
};

export interface GapSummary {
  /** Findings fideslang could not have prevented, by code, with the reason. */
  readonly gaps: ReadonlyArray<{ code: string; count: number; why: string }>;
  /** Findings that a better fideslang source would avoid. */
  readonly other: readonly Finding[];
}

export function sortFindings(findings: readonly Finding[]): GapSummary {
  const counts = new Map<string, number>();
  const other: Finding[] = [];
  for (const f of findings) {
    if (FIDESLANG_GAPS[f.code]) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
    else other.push(f);
  }
  return { gaps: [...counts].map(([code, count]) => ({ code, count, why: FIDESLANG_GAPS[code]! })), other };
}

export function formatGaps(s: GapSummary): string {
  const lines = ['consentgate check on the draft:'];
  for (const g of s.gaps) lines.push(`  ${g.code} ×${g.count} — fideslang cannot express it: ${g.why}`);
  for (const f of s.other) lines.push(`  ${f.code} at ${f.path} — ${f.message}`);
  if (s.gaps.length === 0 && s.other.length === 0) lines.push('  no findings');
  else if (s.other.length === 0) lines.push('  every finding is for something fideslang cannot express');
  return lines.join('\n') + '\n';
}
