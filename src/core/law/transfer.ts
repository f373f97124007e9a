import type { RegistryModel } from '../registry/model.ts';
import type { Declaration, Jurisdiction, Safeguards, TransferGround } from '../registry/schema.ts';

/**
 * The one place that knows which grounds carry a transfer abroad. The lint (is the registry
 * lawful?), the gate (may this release go?), the audit replay (was that share lawful?) and the
 * reports all ask here, so they can never disagree.
 */

/**
 * Countries with a European Commission adequacy decision (GDPR 45) for commercial transfers:
 * Andorra, Argentina, Canada, Switzerland, the Faroe Islands, the United Kingdom, Guernsey,
 * Israel, the Isle of Man, Jersey, Japan, the Republic of Korea, New Zealand and Uruguay.
 * Review when the Commission adopts or withdraws a decision.
 */
export const EU_ADEQUATE: ReadonlySet<string> = new Set([
  'AD', 'AR', 'CA', 'CH', 'FO', 'GB', 'GG', 'IL', 'IM', 'JE', 'JP', 'KR', 'NZ', 'UY',
]);

/**
 * Countries whose EU adequacy decision covers only certified organisations: the United States
 * under the Data Privacy Framework. A recipient there is adequate only when the registry says so
 * with `safeguards.adequacy: true`.
 */
export const EU_ADEQUATE_IF_CERTIFIED: ReadonlySet<string> = new Set(['US']);

/** Legal bases that are themselves transfer mechanisms; they stand in for an omitted `transfer.ground`. */
const GROUND_LIKE_BASES: ReadonlySet<string> = new Set(['certification', 'adequacy', 'scc']);

/** The declared transfer ground, or the legal basis when that is itself a transfer mechanism. */
export function transferGroundOf(d: Declaration): TransferGround | undefined {
  if (d.transfer) return d.transfer.ground;
  return GROUND_LIKE_BASES.has(d.legal_basis) ? (d.legal_basis as TransferGround) : undefined;
}

/** Why a transfer fails; stable, so adapters can word it in their own language. */
export type TransferProblem =
  | 'no_ground'
  | 'not_disclosed'
  | 'no_certification'
  | 'not_recognised'
  | 'not_a_ground'
  | 'no_safeguard'
  | 'not_necessary';

export interface TransferVerdict {
  readonly ok: boolean;
  /** Why, in one line, citing the ground's own article. */
  readonly detail: string;
  readonly article: string;
  readonly problem?: TransferProblem;
}

export interface TransferCase {
  readonly jurisdiction: Jurisdiction;
  readonly country: string;
  readonly ground: TransferGround | undefined;
  readonly safeguards: Safeguards;
  /** Where a contract-necessity transfer is disclosed (the declaration's or the privacy policy). */
  readonly disclosedIn: string | undefined;
  /** Whether the purpose is needed for the contract (GDPR 49(1)(b) is only for those). */
  readonly purposeRequired: boolean;
}

/**
 * Whether a transfer to `country` is lawful for subjects of `jurisdiction`. PIPA 28-8(1) lists
 * five grounds; the GDPR adds adequacy, SCCs, BCRs and the Art. 49 derogations. A ground that
 * rests on a safeguard is valid only when the registry names that safeguard.
 */
export function transferVerdict(c: TransferCase): TransferVerdict {
  return c.jurisdiction === 'KR' ? pipa(c) : gdpr(c);
}

/** The verdict for one declaration's transfer to `country`, with everything derived from the registry. */
export function declarationTransferVerdict(
  model: RegistryModel,
  d: Declaration,
  safeguards: Safeguards,
  country: string,
  jurisdiction: Jurisdiction,
): TransferVerdict {
  return transferVerdict({
    jurisdiction,
    country,
    ground: transferGroundOf(d),
    safeguards,
    disclosedIn: d.transfer?.disclosed_in ?? model.operator.privacy_policy_url,
    purposeRequired: model.purposes.get(d.purpose)?.required === true,
  });
}

function pipa({ ground: g, country, safeguards: s, disclosedIn }: TransferCase): TransferVerdict {
  switch (g) {
    case undefined:
      return no('KR', 'no_ground', `transfer to ${country} declares no transfer ground`);
    case 'consent':
      return yes(`separate consent to transfer to ${country}`, 'PIPA 28-8(1)1');
    case 'law_or_treaty':
      return yes(`transfer to ${country} under a law or treaty`, 'PIPA 28-8(1)2');
    case 'contract_necessity':
      return disclosedIn
        ? yes(`transfer to ${country} necessary for the contract, disclosed in ${disclosedIn}`, 'PIPA 28-8(1)3')
        : no('KR', 'not_disclosed', `contract necessity to ${country} is not disclosed in a privacy policy`);
    case 'certification':
      return s.certification
        ? yes(`recipient certified (${s.certification})`, 'PIPA 28-8(1)4')
        : no('KR', 'no_certification', 'ground "certification" but the recipient names no certification');
    case 'adequacy':
      return s.adequacy
        ? yes(`${country} recognised as equivalent by the PIPC`, 'PIPA 28-8(1)5')
        : no('KR', 'not_recognised', `ground "adequacy" but ${country} is not recorded as recognised by the PIPC`);
    default:
      return no('KR', 'not_a_ground', `"${g}" is not a transfer ground under PIPA 28-8(1)`);
  }
}

function gdpr({ ground: g, country, safeguards: s, purposeRequired }: TransferCase): TransferVerdict {
  // GDPR 45(1): a transfer to an adequate country needs no further authorisation.
  if (EU_ADEQUATE.has(country)) return yes(`${country} has an adequacy decision`, 'GDPR 45');
  if (EU_ADEQUATE_IF_CERTIFIED.has(country) && s.adequacy === true) {
    return yes(`recipient in ${country} is covered by an adequacy decision for certified organisations`, 'GDPR 45');
  }
  // Signed SCCs or approved BCRs cover every transfer to that recipient, whatever ground is named.
  if (s.scc) return yes(`standard contractual clauses (${s.scc})`, 'GDPR 46(2)(c)');
  if (s.bcr) return yes(`binding corporate rules (${s.bcr})`, 'GDPR 47');
  switch (g) {
    case undefined:
      return no('EU', 'no_ground', `${country} has no adequacy decision and the transfer declares no ground`);
    case 'scc':
    case 'bcr':
      return no('EU', 'no_safeguard', `ground "${g}" but the recipient names no ${g === 'scc' ? 'SCCs' : 'BCRs'}`);
    case 'adequacy':
      return no('EU', 'not_recognised', `ground "adequacy" but ${country} has no adequacy decision`);
    case 'certification':
      return s.certification
        ? yes(`certification with binding commitments (${s.certification})`, 'GDPR 46(2)(f)')
        : no('EU', 'no_certification', 'ground "certification" but the recipient names no certification');
    case 'consent':
      return yes(`explicit consent to transfer to ${country}`, 'GDPR 49(1)(a)');
    case 'contract_necessity':
      return purposeRequired
        ? yes(`transfer to ${country} necessary for the contract`, 'GDPR 49(1)(b)')
        : no('EU', 'not_necessary', `contract necessity cannot carry an optional purpose's transfer to ${country}`);
    case 'derogation':
      return yes(`Art. 49 derogation for transfer to ${country}`, 'GDPR 49(1)');
    case 'law_or_treaty':
      // 46(2)(a) instruments bind public authorities; a marketplace cannot rely on them.
      return no('EU', 'not_a_ground', `"law_or_treaty" is not a transfer ground for a private controller under GDPR Chapter V`);
  }
}

const yes = (detail: string, article: string): TransferVerdict => ({ ok: true, detail, article });
const no = (j: Jurisdiction, problem: TransferProblem, detail: string): TransferVerdict => ({
  ok: false,
  detail,
  article: j === 'KR' ? 'PIPA 28-8(1)' : 'GDPR 44',
  problem,
});
