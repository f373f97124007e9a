import type { AgreementClause } from '../../registry/schema.ts';
import { clausesAnswer } from '../vocabulary.ts';
import { GDPR_APPLIES, SOURCES } from '../sources.ts';
import type { LawRule, PartyCase } from '../types.ts';

/** GDPR 28(3)(a)–(h). */
export const GDPR_28_3_CLAUSES: readonly AgreementClause[] = [
  'purpose_limitation',
  'confidentiality',
  'security_measures',
  're_entrustment_limits',
  'subject_rights_assistance',
  'controller_assistance',
  'return_or_destruction',
  'supervision',
];

export const processorContract: LawRule<PartyCase> = {
  id: 'EU.PROCESSOR_CONTRACT',
  title: 'A processor works under a contract with the Art. 28(3) terms',
  article: 'GDPR 28(3)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'Documented instructions, confidentiality, security, sub-processing, help with rights and with Arts 32–36, deletion or return, audits.',
  judge: (c) => (c.role === 'processor' ? clausesAnswer(c, GDPR_28_3_CLAUSES, 'GDPR 28(3)', 'processing contract') : undefined),
};

export const EU_AGREEMENT_RULES = [processorContract] as const;
