import { GDPR_APPLIES, SOURCES } from '../sources.ts';
import { grant, refuse, type LawRule, type PartyCase } from '../types.ts';

export const subProcessorAuthorised: LawRule<PartyCase> = {
  id: 'EU.SUB_PROCESSOR_AUTHORISED',
  title: 'Sub-processors only with the controller’s prior written authorisation',
  article: 'GDPR 28(2)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'A processor allowed to engage others names the operator’s written authorisation (`entrustment.re_entrustment.operator_consent`).',
  judge(c) {
    const re = c.entrustment?.re_entrustment;
    if (c.role !== 'processor' || !re?.allowed) return undefined;
    return re.operator_consent
      ? grant(`sub-processing by ${c.partyName} authorised by ${re.operator_consent}`, 'GDPR 28(2)')
      : refuse('re_entrustment_without_consent', `${c.partyName} may engage sub-processors without the operator's written authorisation`, 'GDPR 28(2)');
  },
};

export const EU_ENTRUSTMENT_RULES = [subProcessorAuthorised] as const;
