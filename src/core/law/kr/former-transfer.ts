import { PIPA_2020, PIPA_2020_LAST_DAY, SOURCES } from '../sources.ts';
import { grant, refuse, type LawRule, type TransferCase } from '../types.ts';

/**
 * Transfers abroad before 15 September 2023, when Article 28-8 replaced them: the PIPA as amended by
 * Act No. 16930 (in force 5 August 2020) had two rules.
 *
 * - Former 17(3): a controller providing personal data to a third party abroad tells the subject the
 *   17(2) items (recipient, the recipient's purpose, the items, the recipient's retention, the right
 *   to refuse and what refusing costs) and obtains consent — a consent of its own (former 22(1)).
 * - Former 39-12 (the Network Act's Art. 63 carried into PIPA Chapter 6 for information-and-
 *   communications service providers): "notwithstanding 17(3)", providing (including access),
 *   entrusting or storing users' data abroad needs the user's consent after the 39-12(3) notice
 *   (items; country, date and method of transfer; the recipient's name and the contact of its
 *   privacy officer; its purpose and retention). By the proviso of 39-12(2) no consent is needed to
 *   entrust or store data abroad where that is needed to perform the service contract and for the
 *   user's convenience, and every 39-12(3) item is published in the privacy policy (30(2)) or told
 *   to the user by e-mail or the like. There were no certification or equivalence grounds.
 *
 * Reading: a registry's operator serves users online, so it is read as an information-and-
 * communications service provider and 39-12 applies alongside 17(3) (the protective reading: the
 * registry has no field that would say otherwise).
 */

const FORMER_17_3 = 'PIPA 17(3) (former)';
const FORMER_39_12 = 'PIPA 39-12(2) (former)';

/** The former 39-12(3) items a registry can lack (items, country, purpose and retention every declaration has). */
export function formerIctNoticeGaps(c: TransferCase): string[] {
  const gaps: string[] = [];
  if (!c.transfer?.timing) gaps.push('transfer.timing');
  if (!c.transfer?.method) gaps.push('transfer.method');
  if (!c.contactReachable) gaps.push('recipient contact (e-mail or phone)');
  return gaps;
}

const isProvision = (c: TransferCase) => c.role === 'third_party' || c.role === 'affiliate';

export const formerProvisionAbroad: LawRule<TransferCase> = {
  id: 'KR.FORMER_PROVISION_ABROAD_CONSENT',
  title: 'Before 15 September 2023: provision to a third party abroad only with consent after the 17(2) notice',
  article: FORMER_17_3,
  effectiveFrom: PIPA_2020,
  effectiveTo: PIPA_2020_LAST_DAY,
  source: SOURCES.PIPA_2020,
  reading:
    'A third party or affiliate abroad received data only on the subject’s own consent to the provision abroad (`transfer.ground: consent`), ' +
    'given after the 17(2) notice — the recipient’s purpose (`recipient_purpose`) included — and, the operator being an information-and-' +
    'communications service provider, after the former 39-12(3) items too (`transfer.timing`, `transfer.method`, a recipient contact). ' +
    'Consent given without them is not the consent the article asks for. Contract necessity never carried a provision abroad (the 39-12(2) ' +
    'proviso covers entrustment and storage only); no other ground existed: a law or treaty, a certification, equivalence, SCCs or BCRs did not ' +
    'replace the consent.',
  judge(c) {
    if (!isProvision(c)) return undefined;
    if (c.ground === 'consent') {
      const gaps = [...(c.declaration.recipient_purpose ? [] : ['recipient_purpose']), ...formerIctNoticeGaps(c)];
      if (gaps.length > 0) return refuse('items_missing', `consent to the provision to ${c.partyName} in ${c.country} was asked without ${gaps.join(', ')}`, FORMER_17_3, gaps);
      return grant(`consent to the provision to ${c.partyName} in ${c.country} after the 17(2) notice`, FORMER_17_3);
    }
    if (c.ground === 'contract_necessity') {
      return refuse('entrustment_only', `the former 39-12(2) proviso covers entrusted processing or storage only, never a provision to ${c.partyName} (${c.role}) in ${c.country}`, FORMER_17_3);
    }
    return refuse(
      c.ground === undefined ? 'no_ground' : 'not_a_ground',
      `provision to ${c.partyName} in ${c.country} needed the subject's consent (former 17(3))${c.ground ? `; "${c.ground}" was no ground before 15 September 2023` : ''}`,
      FORMER_17_3,
    );
  },
};

export const formerIctTransfer: LawRule<TransferCase> = {
  id: 'KR.FORMER_ICT_TRANSFER',
  title: 'Before 15 September 2023: entrustment or storage abroad on consent, or needed for the service and disclosed (former 39-12(2))',
  article: FORMER_39_12,
  effectiveFrom: PIPA_2020,
  effectiveTo: PIPA_2020_LAST_DAY,
  source: SOURCES.PIPA_2020,
  reading:
    'An entrustee abroad (role processor) received data on the user’s consent after the 39-12(3) notice, or — the 39-12(2) proviso — without ' +
    'consent when entrusting or storing abroad was needed to perform the service contract (a `required` purpose, ground `contract_necessity`) ' +
    'and every 39-12(3) item was published in the privacy policy (`transfer.disclosed_in` or `operator.privacy_policy_url`): the country, ' +
    'the time and method of transfer (`transfer.timing`, `transfer.method`) and a recipient contact included. Unlike 28-8(2), the former ' +
    'notice had no item on how to refuse. Any other ground was none.',
  judge(c) {
    if (c.role !== 'processor') return undefined;
    const gaps = formerIctNoticeGaps(c);
    if (c.ground === 'consent') {
      if (gaps.length > 0) return refuse('items_missing', `consent to the transfer to ${c.country} was asked without ${gaps.join(', ')}`, FORMER_39_12, gaps);
      return grant(`consent to the transfer to ${c.country} after the 39-12(3) notice`, FORMER_39_12);
    }
    if (c.ground === 'contract_necessity') {
      if (!c.purposeRequired) return refuse('not_necessary', `the purpose is optional, so entrusting it to ${c.country} was not needed for the service`, FORMER_39_12);
      if (!c.disclosedIn) return refuse('not_disclosed', `the entrusted transfer to ${c.country} is disclosed in no privacy policy`, FORMER_39_12);
      if (gaps.length > 0) return refuse('items_missing', `the disclosure of the transfer to ${c.country} lacks ${gaps.join(', ')}`, FORMER_39_12, gaps);
      return grant(`entrusted processing in ${c.country}, needed for the service, disclosed in ${c.disclosedIn}`, FORMER_39_12);
    }
    return refuse(
      c.ground === undefined ? 'no_ground' : 'not_a_ground',
      `entrusting data to ${c.partyName} in ${c.country} needed consent or the 39-12(2) proviso${c.ground ? `; "${c.ground}" was no ground before 15 September 2023` : ''}`,
      FORMER_39_12,
    );
  },
};

export const KR_FORMER_TRANSFER_RULES = [formerProvisionAbroad, formerIctTransfer] as const;
