import type { Declaration, TransferGround } from '../registry/schema.ts';

/**
 * Countries with a European Commission adequacy decision (GDPR 45) covering commercial operators:
 * Andorra, Argentina, Canada (PIPEDA), Faroe Islands, Guernsey, Israel, Isle of Man, Japan, Jersey,
 * New Zealand, the Republic of Korea, Switzerland, the United Kingdom and Uruguay.
 * Review when the Commission adopts or withdraws a decision.
 */
export const EU_ADEQUATE_COUNTRIES: ReadonlySet<string> = new Set([
  'AD', 'AR', 'CA', 'FO', 'GG', 'IL', 'IM', 'JP', 'JE', 'NZ', 'KR', 'CH', 'GB', 'UY',
]);

/**
 * Countries whose adequacy decision covers only certified recipients: the United States under the
 * EU–US Data Privacy Framework. A recipient there counts as adequate only when it declares
 * `safeguards.adequacy: true` (i.e. it is DPF-certified).
 */
export const EU_ADEQUATE_IF_DECLARED: ReadonlySet<string> = new Set(['US']);

/** Legal bases that are really transfer mechanisms; they stand in for `transfer.ground` when it is omitted. */
const GROUND_LIKE_BASES: ReadonlySet<string> = new Set(['certification', 'adequacy', 'scc']);

/** The declared transfer ground, or the legal basis when that is itself a transfer mechanism. */
export function transferGroundOf(d: Declaration): TransferGround | undefined {
  if (d.transfer) return d.transfer.ground;
  return GROUND_LIKE_BASES.has(d.legal_basis) ? (d.legal_basis as TransferGround) : undefined;
}
