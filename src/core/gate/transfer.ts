import type { Jurisdiction, Safeguards, TransferGround } from '../registry/schema.ts';

/**
 * Countries with a European Commission adequacy decision (GDPR 45) for commercial transfers.
 * The United States is absent on purpose: its decision covers only certified organisations,
 * which a registry states with `safeguards.adequacy: true`.
 */
export const EU_ADEQUATE: ReadonlySet<string> = new Set([
  'AD', 'AR', 'CA', 'CH', 'FO', 'GB', 'GG', 'IL', 'IM', 'JE', 'JP', 'KR', 'NZ', 'UY',
]);

export interface TransferVerdict {
  readonly ok: boolean;
  /** Why, in one line, citing the ground's own article. */
  readonly detail: string;
  readonly article: string;
}

/**
 * Whether `ground` lawfully carries a transfer to `country` for subjects of `jurisdiction`,
 * given the recipient's safeguards. PIPA 28-8(1) lists five grounds; the GDPR adds SCCs, BCRs
 * and the Art. 49 derogations. A ground that needs a safeguard is valid only when the registry
 * names that safeguard.
 */
export function transferVerdict(
  jurisdiction: Jurisdiction,
  ground: TransferGround | undefined,
  country: string,
  safeguards: Safeguards,
  disclosedIn: string | undefined,
): TransferVerdict {
  // GDPR 45(1): a transfer to an adequate country needs no further authorisation.
  if (jurisdiction === 'EU' && (EU_ADEQUATE.has(country) || safeguards.adequacy)) {
    return yes(`${country} has an adequacy decision`, 'GDPR 45');
  }
  if (!ground) {
    return no(jurisdiction, `transfer to ${country} declares no transfer ground`);
  }
  return jurisdiction === 'KR'
    ? pipa(ground, country, safeguards, disclosedIn)
    : gdpr(ground, country, safeguards);
}

function pipa(g: TransferGround, country: string, s: Safeguards, disclosedIn: string | undefined): TransferVerdict {
  switch (g) {
    case 'consent':
      return yes(`separate consent to transfer to ${country}`, 'PIPA 28-8(1)1');
    case 'law_or_treaty':
      return yes(`transfer to ${country} under a law or treaty`, 'PIPA 28-8(1)2');
    case 'contract_necessity':
      return disclosedIn
        ? yes(`transfer to ${country} necessary for the contract, disclosed in ${disclosedIn}`, 'PIPA 28-8(1)3')
        : no('KR', `contract necessity to ${country} is not disclosed in the privacy policy (transfer.disclosed_in)`);
    case 'certification':
      return s.certification
        ? yes(`recipient certified (${s.certification})`, 'PIPA 28-8(1)4')
        : no('KR', `ground "certification" but the recipient names no certification`);
    case 'adequacy':
      return s.adequacy
        ? yes(`${country} recognised as equivalent by the PIPC`, 'PIPA 28-8(1)5')
        : no('KR', `ground "adequacy" but ${country} is not recorded as recognised by the PIPC`);
    default:
      return no('KR', `"${g}" is not a transfer ground under PIPA 28-8(1)`);
  }
}

function gdpr(g: TransferGround, country: string, s: Safeguards): TransferVerdict {
  switch (g) {
    case 'adequacy':
      return no('EU', `ground "adequacy" but ${country} has no adequacy decision`);
    case 'scc':
      return s.scc ? yes(`standard contractual clauses (${s.scc})`, 'GDPR 46(2)(c)') : no('EU', 'ground "scc" but the recipient names no SCCs');
    case 'bcr':
      return s.bcr ? yes(`binding corporate rules (${s.bcr})`, 'GDPR 46(2)(b)') : no('EU', 'ground "bcr" but the recipient names no BCRs');
    case 'certification':
      return s.certification
        ? yes(`certification (${s.certification})`, 'GDPR 46(2)(f)')
        : no('EU', 'ground "certification" but the recipient names no certification');
    case 'law_or_treaty':
      return yes(`transfer to ${country} under an international agreement`, 'GDPR 46(2)(a)');
    case 'consent':
      return yes(`explicit consent to transfer to ${country}`, 'GDPR 49(1)(a)');
    case 'contract_necessity':
      return yes(`transfer to ${country} necessary for the contract`, 'GDPR 49(1)(b)');
    case 'derogation':
      return yes(`Art. 49 derogation for transfer to ${country}`, 'GDPR 49(1)');
  }
}

const yes = (detail: string, article: string): TransferVerdict => ({ ok: true, detail, article });
const no = (j: Jurisdiction, detail: string): TransferVerdict => ({
  ok: false,
  detail,
  article: j === 'KR' ? 'PIPA 28-8(1)' : 'GDPR 44',
});
