import type { AgreementClause, LegalBasis } from '../registry/schema.ts';
import { grant, refuse, type PartyCase, type RuleAnswer } from './types.ts';

/**
 * What every pack shares: which `legal_basis` values are transfer mechanisms rather than bases, and
 * how an agreement is held against a list of required clauses.
 */

/** Chapter V / PIPA 28-8 transfer mechanisms: never a legal basis (the schema accepts them so the lint can say so). */
export const TRANSFER_MECHANISMS: ReadonlySet<LegalBasis> = new Set(['certification', 'adequacy', 'scc', 'bcr', 'derogation']);

export const missingClauses = (c: PartyCase, required: readonly AgreementClause[]): AgreementClause[] =>
  required.filter((x) => !c.agreement?.clauses.includes(x));

/** The answer of an agreement rule: the agreement exists and carries every required clause. */
export function clausesAnswer(c: PartyCase, required: readonly AgreementClause[], article: string, what: string): RuleAnswer {
  if (!c.agreement) return refuse('agreement_missing', `${c.partyName} has no ${what} (agreement)`, article, [...required]);
  const missing = missingClauses(c, required);
  if (missing.length > 0) return refuse('clauses_missing', `agreement ${c.agreement.id} v${c.agreement.version} lacks ${missing.join(', ')}`, article, missing);
  return grant(`agreement ${c.agreement.id} v${c.agreement.version} carries the ${article} terms`, article);
}
