import { inForce } from '../reference/types.ts';
import { PIPA_2023, SOURCES } from '../sources.ts';
import { grant, refuse, type LawRule, type TransferCase } from '../types.ts';

/**
 * PIPA 28-8(1): personal data leaves Korea (provision, entrustment or storage abroad) only on one of
 * five grounds, each with its own conditions. The ground must be declared (`transfer.ground`): the
 * privacy policy and the notice tell the subject which one carries the transfer.
 */

export const transferConsent: LawRule<TransferCase> = {
  id: 'KR.TRANSFER_CONSENT',
  title: 'Separate consent to the overseas transfer',
  article: 'PIPA 28-8(1)1',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading: 'The ground holds when the subject gave the separate transfer consent after the 28-8(2) notice; the gate checks the consent itself.',
  judge: (c) => (c.ground === 'consent' ? grant(`separate consent to transfer to ${c.country}`, 'PIPA 28-8(1)1') : undefined),
};

export const transferLawOrTreaty: LawRule<TransferCase> = {
  id: 'KR.TRANSFER_LAW_OR_TREATY',
  title: 'A law or treaty that provides for the transfer, named',
  article: 'PIPA 28-8(1)2',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading: 'A law or treaty ground is only as good as the instrument it names: `transfer.instrument` must say which.',
  judge(c) {
    if (c.ground !== 'law_or_treaty') return undefined;
    const named = c.transfer?.instrument;
    return named
      ? grant(`transfer to ${c.country} under ${named}`, 'PIPA 28-8(1)2')
      : refuse('no_instrument', `ground "law_or_treaty" for ${c.country} names no law or treaty (transfer.instrument)`, 'PIPA 28-8(1)2');
  },
};

/** The 28-8(2) items an entrusted transfer must hold, beyond what every declaration has (items, country, purpose, retention). */
export function entrustedTransferGaps(c: TransferCase): string[] {
  const t = c.transfer;
  const gaps: string[] = [];
  if (!t?.timing) gaps.push('transfer.timing');
  if (!t?.method) gaps.push('transfer.method');
  if (!c.contactReachable) gaps.push('recipient contact (e-mail or phone)');
  if (!t?.refusal) gaps.push('transfer.refusal');
  return gaps;
}

export const transferEntrusted: LawRule<TransferCase> = {
  id: 'KR.TRANSFER_ENTRUSTED',
  title: 'Entrusted processing or storage abroad, necessary for the contract, with every 28-8(2) item disclosed',
  article: 'PIPA 28-8(1)3',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    'Ground 3 covers entrusting processing or storage abroad (role processor) and never a provision to a seller or other third party. ' +
    'It holds only for a purpose needed for the contract, and only when every 28-8(2) item — items, country, time and method, ' +
    'recipient name and contact, purpose and retention, how to refuse and what refusing means — is held in the registry and ' +
    'published in the privacy policy (`transfer.disclosed_in` or `operator.privacy_policy_url`).',
  judge(c) {
    if (c.ground !== 'contract_necessity') return undefined;
    if (c.role !== 'processor') {
      return refuse('entrustment_only', `28-8(1)3 covers entrusted processing or storage only, never a provision to ${c.partyName} (${c.role}) in ${c.country}`, 'PIPA 28-8(1)3');
    }
    if (!c.purposeRequired) return refuse('not_necessary', `the purpose is optional, so entrusting it to ${c.country} is not necessary for the contract`, 'PIPA 28-8(1)3');
    if (!c.disclosedIn) return refuse('not_disclosed', `the entrusted transfer to ${c.country} is disclosed in no privacy policy`, 'PIPA 28-8(1)3');
    const gaps = entrustedTransferGaps(c);
    if (gaps.length > 0) return refuse('items_missing', `the disclosure of the transfer to ${c.country} lacks ${gaps.join(', ')}`, 'PIPA 28-8(1)3', gaps);
    return grant(`entrusted processing in ${c.country}, necessary for the contract, disclosed in ${c.disclosedIn}`, 'PIPA 28-8(1)3');
  },
};

export const transferCertification: LawRule<TransferCase> = {
  id: 'KR.TRANSFER_CERTIFICATION',
  title: 'A certification the PIPC has designated, with the required measures',
  article: 'PIPA 28-8(1)4',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    'Only a certification in the built-in list of PIPC designations counts, held by the recipient (`safeguards.pipc_certification`), with ' +
    'both measures the Act lists declared: safety measures and rights guarantees, and measures to carry out the certified matters in ' +
    'the destination. A certification name typed in `safeguards.certification` is never a ground.',
  judge(c) {
    if (c.ground !== 'certification') return undefined;
    const held = c.safeguards.pipc_certification;
    if (!held) {
      return c.safeguards.certification
        ? refuse('operator_flag', `"${c.safeguards.certification}" is text the operator typed, not a certification the PIPC has designated`, 'PIPA 28-8(1)4')
        : refuse('no_certification', `ground "certification" but ${c.partyName} holds no PIPC-designated certification (safeguards.pipc_certification)`, 'PIPA 28-8(1)4');
    }
    const designated = c.reference.pipcCertifications.find((x) => x.scheme === held.scheme && inForce(x, c.on));
    if (!designated) return refuse('certification_not_designated', `"${held.scheme}" is not a certification the PIPC has designated`, 'PIPA 28-8(1)4');
    if (c.on !== undefined && held.valid_until < c.on) {
      return refuse('certification_not_designated', `certificate ${held.certificate} expired on ${held.valid_until}`, 'PIPA 28-8(1)4');
    }
    const missing = (['safety_and_rights', 'implementation_abroad'] as const).filter((m) => !held.measures.includes(m));
    if (missing.length > 0) return refuse('certification_measures_missing', `certification ${held.certificate} lacks the measures ${missing.join(', ')}`, 'PIPA 28-8(1)4', missing);
    return grant(`${c.partyName} holds ${designated.title} (${held.certificate})`, 'PIPA 28-8(1)4');
  },
};

export const transferEquivalence: LawRule<TransferCase> = {
  id: 'KR.TRANSFER_EQUIVALENCE',
  title: 'A country or region the PIPC has recognised as equivalent',
  article: 'PIPA 28-8(1)5',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    'Only a recognition in the built-in, dated list counts, within its exclusions. An operator flag (`safeguards.adequacy`), an EU ' +
    'adequacy decision or a US Data Privacy Framework listing is not PIPA equivalence.',
  judge(c) {
    if (c.ground !== 'adequacy') return undefined;
    const recognition = c.reference.pipcEquivalence.find((x) => x.countries.includes(c.country) && inForce(x, c.on));
    if (!recognition) {
      return c.safeguards.adequacy
        ? refuse('operator_flag', `safeguards.adequacy is an operator flag: the PIPC has not recognised ${c.country} as equivalent`, 'PIPA 28-8(1)5')
        : refuse('not_recognised', `the PIPC has not recognised ${c.country} as equivalent`, 'PIPA 28-8(1)5');
    }
    const excluded = recognition.excludedKinds.filter((k) => c.itemKinds.has(k));
    if (excluded.length > 0) {
      return refuse('excluded_items', `${recognition.title} does not cover ${excluded.join(', ')}`, 'PIPA 28-8(1)5', excluded);
    }
    return grant(`${c.country} recognised as equivalent by the PIPC (${recognition.reference})`, 'PIPA 28-8(1)5');
  },
};

export const transferNotPipaGround: LawRule<TransferCase> = {
  id: 'KR.TRANSFER_GDPR_ONLY_MECHANISM',
  title: 'SCCs, BCRs and GDPR derogations are not PIPA grounds',
  article: 'PIPA 28-8(1)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading: 'PIPA lists five grounds; a GDPR mechanism does not make a transfer of Korean residents’ data lawful.',
  judge(c) {
    if (c.ground !== 'scc' && c.ground !== 'bcr' && c.ground !== 'derogation') return undefined;
    return refuse('not_a_ground', `"${c.ground}" is not a ground under PIPA 28-8(1)`, 'PIPA 28-8(1)');
  },
};

export const KR_TRANSFER_RULES = [
  transferConsent,
  transferLawOrTreaty,
  transferEntrusted,
  transferCertification,
  transferEquivalence,
  transferNotPipaGround,
] as const;
