import { inForce } from '../reference/types.ts';
import { GDPR_APPLIES, SOURCES } from '../sources.ts';
import { grant, refuse, type LawRule, type TransferCase } from '../types.ts';

/**
 * GDPR Chapter V: adequacy (45), appropriate safeguards (46, 47), derogations (49). Adequacy and
 * safeguards apply whatever ground the declaration names; a derogation only when it is the declared
 * ground and the transfer is occasional.
 */

export const adequacy: LawRule<TransferCase> = {
  id: 'EU.ADEQUACY',
  title: 'A destination covered by a Commission adequacy decision',
  article: 'GDPR 45',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading:
    'Only the built-in, dated decisions count, within their exclusions; the United States only for an organisation on the Data Privacy ' +
    'Framework List (`safeguards.dpf`). An operator flag (`safeguards.adequacy`) never makes a country adequate.',
  judge(c) {
    const decision = c.reference.euAdequacy.find((x) => x.countries.includes(c.country) && inForce(x, c.on));
    const claimed = c.ground === 'adequacy' || c.safeguards.adequacy === true;
    if (!decision) {
      if (!claimed) return undefined;
      return c.safeguards.adequacy
        ? refuse('operator_flag', `safeguards.adequacy is an operator flag: ${c.country} has no adequacy decision`, 'GDPR 45')
        : refuse('not_recognised', `${c.country} has no adequacy decision`, 'GDPR 45');
    }
    if (decision.requiresListing === 'dpf' && !c.safeguards.dpf) {
      if (!claimed) return undefined;
      return refuse('operator_flag', `${c.partyName} in ${c.country} is adequate only if on the Data Privacy Framework List (safeguards.dpf)`, 'GDPR 45');
    }
    const excluded = decision.excludedKinds.filter((k) => c.itemKinds.has(k));
    if (excluded.length > 0) return refuse('excluded_items', `${decision.reference} does not cover ${excluded.join(', ')}`, 'GDPR 45', excluded);
    return grant(`${c.country}: ${decision.reference}`, 'GDPR 45');
  },
};

export const standardClauses: LawRule<TransferCase> = {
  id: 'EU.SCC',
  title: 'Standard contractual clauses, named by decision and module, in the recipient’s agreement',
  article: 'GDPR 46',
  effectiveFrom: '2021-06-27',
  source: SOURCES.SCC_2021_914,
  reading:
    'SCCs count when the recipient’s agreement names them (`agreement.scc`: version 2021/914 and module). The operator exports as ' +
    'controller, so the module is 1 for a controller recipient (third party, affiliate) and 2 for a processor. A free-text ' +
    '`safeguards.scc` names no module and is not a safeguard.',
  judge(c) {
    const scc = c.agreement?.scc;
    if (!scc) {
      if (c.ground !== 'scc' && !c.safeguards.scc) return undefined;
      return c.safeguards.scc
        ? refuse('operator_flag', `"${c.safeguards.scc}" names no SCC module: name them in agreement.scc`, 'GDPR 46')
        : refuse('no_safeguard', `ground "scc" but ${c.partyName}'s agreement names no standard contractual clauses`, 'GDPR 46');
    }
    const expected = c.role === 'processor' ? 2 : 1;
    if (scc.module !== expected) {
      return refuse('scc_module_mismatch', `SCC module ${scc.module} does not fit a ${c.role} recipient of a controller (module ${expected})`, 'GDPR 46');
    }
    return grant(`standard contractual clauses ${scc.version} module ${scc.module} (${c.agreement!.id} v${c.agreement!.version})`, 'GDPR 46(2)(c)');
  },
};

export const bindingCorporateRules: LawRule<TransferCase> = {
  id: 'EU.BCR',
  title: 'Approved binding corporate rules, within the group',
  article: 'GDPR 47',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'BCRs bind a group of undertakings: they cover an affiliate or the group’s processor, never an outside third party. Their approval is named (`safeguards.bcr`).',
  judge(c) {
    const bcr = c.safeguards.bcr;
    if (!bcr) return c.ground === 'bcr' ? refuse('no_safeguard', `ground "bcr" but ${c.partyName} names no approved BCRs`, 'GDPR 47') : undefined;
    if (c.role === 'third_party') return refuse('bcr_outside_group', `BCRs cannot cover ${c.partyName}, a third party outside the group`, 'GDPR 47');
    return grant(`binding corporate rules ${bcr.reference}, approved by ${bcr.approved_by} on ${bcr.approved_on}`, 'GDPR 47');
  },
};

export const certificationMechanism: LawRule<TransferCase> = {
  id: 'EU.CERTIFICATION',
  title: 'An approved certification mechanism with binding commitments',
  article: 'GDPR 46',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'No Art. 42 certification approved for transfers is built in, so a certification ground holds for no recipient; a typed certification name never does.',
  judge(c) {
    if (c.ground !== 'certification') return undefined;
    return c.safeguards.certification
      ? refuse('operator_flag', `"${c.safeguards.certification}" is not an approved transfer certification under GDPR 46(2)(f)`, 'GDPR 46')
      : refuse('no_certification', `ground "certification" but no approved certification mechanism covers ${c.partyName}`, 'GDPR 46');
  },
};

const occasional = (c: TransferCase) => c.transfer?.occasional === true;

export const derogationConsent: LawRule<TransferCase> = {
  id: 'EU.DEROGATION_CONSENT',
  title: 'Explicit consent after being told the risks, for occasional transfers only',
  article: 'GDPR 49(1)(a)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading:
    'Derogations are for occasional, non-repetitive transfers (recital 111, EDPB Guidelines 2/2018), never a routine channel such as ' +
    'every order to a seller: `transfer.occasional: true` is required, and the risks of a transfer without adequacy or safeguards are ' +
    'stated in the notice (`transfer.risks`, ko/en).',
  judge(c) {
    if (c.ground !== 'consent') return undefined;
    if (!occasional(c)) return refuse('not_occasional', `explicit consent (49(1)(a)) cannot carry routine transfers to ${c.country}`, 'GDPR 49(1)(a)');
    if (!c.transfer?.risks) return refuse('no_risk_notice', `consent to transfer to ${c.country} without the risks stated (transfer.risks)`, 'GDPR 49(1)(a)');
    return grant(`explicit consent to an occasional transfer to ${c.country}, risks stated`, 'GDPR 49(1)(a)');
  },
};

export const derogationContract: LawRule<TransferCase> = {
  id: 'EU.DEROGATION_CONTRACT',
  title: 'Necessary for the contract with the subject, for occasional transfers only',
  article: 'GDPR 49(1)(b)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'Only occasional transfers (`transfer.occasional: true`) for a purpose needed for the contract.',
  judge(c) {
    if (c.ground !== 'contract_necessity') return undefined;
    if (!occasional(c)) return refuse('not_occasional', `contract necessity (49(1)(b)) cannot carry routine transfers to ${c.country}`, 'GDPR 49(1)(b)');
    if (!c.purposeRequired) return refuse('not_necessary', `contract necessity cannot carry an optional purpose's transfer to ${c.country}`, 'GDPR 49(1)(b)');
    return grant(`occasional transfer to ${c.country} necessary for the contract`, 'GDPR 49(1)(b)');
  },
};

export const derogationOther: LawRule<TransferCase> = {
  id: 'EU.DEROGATION_OTHER',
  title: 'Another Art. 49(1) derogation, for occasional transfers only',
  article: 'GDPR 49(1)',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'A declared `derogation` holds only for occasional transfers (`transfer.occasional: true`).',
  judge(c) {
    if (c.ground !== 'derogation') return undefined;
    return occasional(c)
      ? grant(`occasional transfer to ${c.country} under an Art. 49(1) derogation`, 'GDPR 49(1)')
      : refuse('not_occasional', `a derogation cannot carry routine transfers to ${c.country}`, 'GDPR 49(1)');
  },
};

export const publicInstrumentsOnly: LawRule<TransferCase> = {
  id: 'EU.LAW_OR_TREATY_NOT_PRIVATE',
  title: 'Instruments between public authorities are not open to a private controller',
  article: 'GDPR 46',
  effectiveFrom: GDPR_APPLIES,
  source: SOURCES.GDPR,
  reading: 'Art. 46(2)(a) instruments bind public authorities or bodies; a marketplace cannot rely on them.',
  judge: (c) =>
    c.ground === 'law_or_treaty' ? refuse('not_a_ground', `"law_or_treaty" is not a transfer ground for a private controller under GDPR Chapter V`, 'GDPR 46') : undefined,
};

export const EU_TRANSFER_RULES = [
  adequacy,
  standardClauses,
  bindingCorporateRules,
  certificationMechanism,
  derogationConsent,
  derogationContract,
  derogationOther,
  publicInstrumentsOnly,
] as const;
