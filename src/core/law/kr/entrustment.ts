import { PIPA_2023, SOURCES } from '../sources.ts';
import { grant, refuse, type LawRule, type PartyCase } from '../types.ts';

export const entrustmentDisclosed: LawRule<PartyCase> = {
  id: 'KR.ENTRUSTMENT_DISCLOSED',
  title: 'The entrusted work and the entrustee are publicly disclosed',
  article: 'PIPA 26(2)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading: 'A processor is recorded with its work (`entrustment.work`, ko/en) and where it is disclosed (`entrustment.disclosed_in`, else the privacy policy).',
  judge(c) {
    if (c.role !== 'processor') return undefined;
    if (!c.entrustment) return refuse('entrustment_missing', `${c.partyName} is a processor but the registry records no entrustment (work and disclosure)`, 'PIPA 26(2)');
    if (!c.disclosedIn) return refuse('not_disclosed', `the entrustment of ${c.partyName} is disclosed nowhere (entrustment.disclosed_in or operator.privacy_policy_url)`, 'PIPA 26(2)');
    return grant(`entrustment of ${c.partyName} disclosed in ${c.disclosedIn}`, 'PIPA 26(2)');
  },
};

export const marketingEntrustmentNotified: LawRule<PartyCase> = {
  id: 'KR.ENTRUSTMENT_MARKETING_NOTICE',
  title: 'Subjects are told of an entrustment whose work is marketing',
  article: 'PIPA 26(3)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading:
    'When the entrusted work promotes or sells goods or services — flagged `entrustment.marketing`, or any declaration to the processor ' +
    'serving an ad-targeting purpose — the registry says how the subject is told (`entrustment.subject_notice`).',
  judge(c) {
    if (c.role !== 'processor' || !c.entrustment) return undefined;
    if (!c.entrustment.marketing && !c.marketingPurpose) return undefined;
    return c.entrustment.subject_notice
      ? grant(`subjects are told of the marketing entrustment to ${c.partyName}`, 'PIPA 26(3)')
      : refuse('marketing_not_notified', `the work entrusted to ${c.partyName} is marketing but no notice to the subject is recorded (entrustment.subject_notice)`, 'PIPA 26(3)');
  },
};

export const reEntrustmentConsented: LawRule<PartyCase> = {
  id: 'KR.RE_ENTRUSTMENT_CONSENT',
  title: 'Re-entrustment only with the operator’s recorded consent',
  article: 'PIPA 26(6)',
  effectiveFrom: PIPA_2023,
  source: SOURCES.PIPA,
  reading: 'An entrustee allowed to re-entrust names the operator’s recorded consent (`entrustment.re_entrustment.operator_consent`).',
  judge(c) {
    const re = c.entrustment?.re_entrustment;
    if (c.role !== 'processor' || !re?.allowed) return undefined;
    return re.operator_consent
      ? grant(`re-entrustment by ${c.partyName} under the operator's consent ${re.operator_consent}`, 'PIPA 26(6)')
      : refuse('re_entrustment_without_consent', `${c.partyName} may re-entrust without the operator's recorded consent`, 'PIPA 26(6)');
  },
};

export const KR_ENTRUSTMENT_RULES = [entrustmentDisclosed, marketingEntrustmentNotified, reEntrustmentConsented] as const;
