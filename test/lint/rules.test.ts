import { describe, expect, it } from 'vitest';
import { lintRegistry, ruleCatalog, rules } from '../../src/core/lint/index.ts';
import type { RuleFinding } from '../../src/core/lint/rule.ts';
import { adTargetingNeverRequired } from '../../src/core/lint/rules/ad-targeting-required.ts';
import { guardianConsentConfigured } from '../../src/core/lint/rules/child-consent.ts';
import { koreanTexts } from '../../src/core/lint/rules/korean-text.ts';
import { consentShownAtCollection } from '../../src/core/lint/rules/consent-notice.ts';
import { domesticAgentForForeignOperator } from '../../src/core/lint/rules/domestic-agent.ts';
import { euRepresentativeForNonEeaOperator } from '../../src/core/lint/rules/eu-representative.ts';
import { itemsWithinPurpose } from '../../src/core/lint/rules/minimisation.ts';
import { thirdPartyNoticeComplete } from '../../src/core/lint/rules/notice-completeness.ts';
import { optionalNotContractNecessity } from '../../src/core/lint/rules/optional-contract.ts';
import { thirdCountryTransferGroundEu } from '../../src/core/lint/rules/overseas-ground-eu.ts';
import { overseasTransferGroundKr } from '../../src/core/lint/rules/overseas-ground-kr.ts';
import { overseasNoticeItems } from '../../src/core/lint/rules/overseas-notice.ts';
import { overseasRecipientHasAgreement, processorHasAgreement } from '../../src/core/lint/rules/processor-agreement.ts';
import {
  basisIsNotTransferMechanism,
  gdprBasisOfSix,
  legitimateInterestBalanced,
  processorBasisOnlyForProcessors,
  thirdPartyHasProvisionGround,
} from '../../src/core/lint/rules/basis.ts';
import { entrustmentDisclosedRule, marketingEntrustmentRule, reEntrustmentRule } from '../../src/core/lint/rules/entrustment.ts';
import { processorActsForOperatorPurpose } from '../../src/core/lint/rules/processor-purpose.ts';
import { retentionIsFinite } from '../../src/core/lint/rules/retention.ts';
import { sensitiveNeedsConsentOrLaw } from '../../src/core/lint/rules/sensitive-basis.ts';
import { duplicateIdRule, emptyDeclarationRule, unknownReferenceRule } from '../../src/core/lint/rules/structural.ts';
import type { RegistryModel } from '../../src/core/registry/model.ts';
import type { Registry } from '../../src/core/registry/schema.ts';
import { byId, decl, modelWith, rawModelWith } from './fixtures.ts';

/**
 * Every rule, with registries that make it fire (and the paths it must report) and near misses
 * that must leave it silent. All registries are the clean demo with one change.
 */
interface Firing {
  readonly name: string;
  readonly mutate: (r: Registry) => void;
  readonly paths: readonly string[];
  /** Text the English message must contain (e.g. the countries concerned). */
  readonly mentions?: readonly string[];
}
interface Silent {
  readonly name: string;
  readonly mutate: (r: Registry) => void;
}
interface RuleCases {
  readonly check: (m: RegistryModel) => RuleFinding[];
  /** Structural rules see registries the parser would reject, so they skip validation. */
  readonly raw?: boolean;
  readonly fires: readonly Firing[];
  readonly silent: readonly Silent[];
}

const noScc = (r: Registry, partyId: string) => {
  const p = [...r.recipients, ...r.recipient_classes].find((x) => x.id === partyId)!;
  delete p.agreement!.scc;
};

const cases: Record<string, RuleCases> = {
  THIRD_PARTY_NO_BASIS: {
    check: thirdPartyHasProvisionGround,
    fires: [
      {
        name: 'sellers (third parties) on contract necessity: the AliExpress pattern',
        mutate: (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'contract_necessity'),
        paths: ['declarations[0].legal_basis'],
        mentions: ['PIPA 17(1)', 'KR subjects'],
      },
      {
        name: 'an affiliate on contract necessity',
        mutate: (r) => {
          byId(r.recipients, 'adreach').role = 'affiliate';
          byId(r.purposes, 'ad_targeting').ad_targeting = false;
          byId(r.purposes, 'ad_targeting').required = true;
          decl(r, 'ad_partner').legal_basis = 'contract_necessity';
        },
        paths: ['declarations[5].legal_basis'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'an entrustee on contract necessity (the courier)', mutate: (r) => (decl(r, 'courier_delivery').legal_basis = 'contract_necessity') },
      { name: 'a third party on a legal obligation (17(1)2)', mutate: (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'legal_obligation') },
      {
        name: 'an operator that does not serve KR (GDPR 6(1)(b) allows it)',
        mutate: (r) => {
          r.operator.jurisdictions = ['EU'];
          decl(r, 'sellers_fulfilment').legal_basis = 'contract_necessity';
        },
      },
    ],
  },

  BASIS_IS_TRANSFER_MECHANISM: {
    check: basisIsNotTransferMechanism,
    fires: [
      {
        name: 'SCCs as the legal basis of a hosting declaration',
        mutate: (r) => (decl(r, 'cloud_hosting').legal_basis = 'scc'),
        paths: ['declarations[4].legal_basis'],
        mentions: ['transfer mechanism'],
      },
      { name: 'adequacy as a legal basis', mutate: (r) => (decl(r, 'ad_partner').legal_basis = 'adequacy'), paths: ['declarations[5].legal_basis'] },
      { name: 'a derogation as a legal basis', mutate: (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'derogation'), paths: ['declarations[0].legal_basis'] },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'SCCs as the transfer ground, where they belong', mutate: (r) => (decl(r, 'ad_partner').transfer!.ground = 'scc') },
    ],
  },

  LEGITIMATE_INTEREST_UNBALANCED: {
    check: legitimateInterestBalanced,
    fires: [
      {
        name: 'legitimate interests without a balancing test',
        mutate: (r) => (decl(r, 'ad_partner').legal_basis = 'legitimate_interest'),
        paths: ['declarations[5].legal_basis'],
        mentions: ['balancing test'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'legitimate interests with a recorded balancing test',
        mutate: (r) => {
          const d = decl(r, 'ad_partner');
          d.legal_basis = 'legitimate_interest';
          d.balancing_test = 'LIA-2026-04';
        },
      },
    ],
  },

  NOT_A_GDPR_BASIS: {
    check: gdprBasisOfSix,
    fires: [
      {
        name: 'public safety (a PIPA-only ground) for EU residents',
        mutate: (r) => (decl(r, 'customs_filing').legal_basis = 'public_safety'),
        paths: ['declarations[2].legal_basis'],
        mentions: ['GDPR 6(1)'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'public safety when the operator serves KR only',
        mutate: (r) => {
          r.operator.jurisdictions = ['KR'];
          decl(r, 'customs_filing').legal_basis = 'public_safety';
        },
      },
    ],
  },

  NOTICE_INCOMPLETE: {
    check: thirdPartyNoticeComplete,
    fires: [
      {
        name: 'consent-based provision to third-party sellers without the recipient purpose',
        mutate: (r) => delete decl(r, 'sellers_fulfilment').recipient_purpose,
        paths: ['declarations[0].recipient_purpose'],
        mentions: ['sellers_fulfilment'],
      },
      {
        name: 'an affiliate receiving by consent without the recipient purpose',
        mutate: (r) => {
          byId(r.recipients, 'adreach').role = 'affiliate';
          delete decl(r, 'ad_partner').recipient_purpose;
        },
        paths: ['declarations[5].recipient_purpose'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'a provision on a legal obligation (no consent notice)',
        mutate: (r) => {
          const d = decl(r, 'sellers_fulfilment');
          d.legal_basis = 'legal_obligation';
          d.transfer!.ground = 'law_or_treaty';
          delete d.recipient_purpose;
        },
      },
      {
        name: 'a processor by consent (outsourcing, not provision)',
        mutate: (r) => {
          decl(r, 'payment_processing').legal_basis = 'consent';
        },
      },
    ],
  },

  CONSENT_WITHOUT_NOTICE: {
    check: consentShownAtCollection,
    fires: [
      {
        name: 'a consent declaration whose purpose is shown nowhere',
        mutate: (r) => (byId(r.purposes, 'ad_targeting').collection_points = []),
        paths: ['declarations[5].collection_points'],
      },
      {
        name: 'a declaration overriding its collection points with none',
        mutate: (r) => (decl(r, 'sellers_fulfilment').collection_points = []),
        paths: ['declarations[0].collection_points'],
      },
      {
        name: 'a transfer consent that is never asked',
        mutate: (r) => {
          const d = decl(r, 'cloud_hosting');
          d.transfer = { ground: 'consent', timing: 'continuously', method: 'TLS' };
          byId(r.purposes, 'hosting').collection_points = [];
        },
        paths: ['declarations[4].collection_points'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'a contract-necessity declaration with no collection point',
        mutate: (r) => (byId(r.purposes, 'customs_clearance').collection_points = []),
      },
      {
        name: 'own collection points while the purpose has none',
        mutate: (r) => (byId(r.purposes, 'order_fulfilment').collection_points = []),
      },
    ],
  },

  OVERSEAS_NO_GROUND: {
    check: overseasTransferGroundKr,
    fires: [
      {
        name: 'sellers in CN and HK with no transfer section',
        mutate: (r) => delete decl(r, 'sellers_fulfilment').transfer,
        paths: ['declarations[0].transfer'],
        mentions: ['CN, HK', 'without any transfer ground'],
      },
      {
        name: 'SCC, which is not a PIPA ground',
        mutate: (r) => (decl(r, 'ad_partner').transfer!.ground = 'scc'),
        paths: ['declarations[5].transfer.ground'],
        mentions: ['not a ground under PIPA 28-8(1)'],
      },
      {
        name: 'certification without a certification',
        mutate: (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'certification'),
        paths: ['declarations[0].transfer.ground'],
        mentions: ['safeguards.pipc_certification'],
      },
      {
        name: 'an operator-typed certification string is not a 28-8(1)4 ground',
        mutate: (r) => {
          decl(r, 'ad_partner').transfer!.ground = 'certification';
          byId(r.recipients, 'adreach').safeguards.certification = 'ISMS-P';
        },
        paths: ['declarations[5].transfer.ground'],
        mentions: ['not a certification the PIPC has designated'],
      },
      {
        name: 'adequacy for a country the PIPC has not recognised',
        mutate: (r) => (decl(r, 'ad_partner').transfer!.ground = 'adequacy'),
        paths: ['declarations[5].transfer.ground'],
        mentions: ['not recognised US'],
      },
      {
        name: 'a US recipient flagged adequate, for Korean subjects',
        mutate: (r) => {
          decl(r, 'ad_partner').transfer!.ground = 'adequacy';
          byId(r.recipients, 'adreach').safeguards.adequacy = true;
        },
        paths: ['declarations[5].transfer.ground'],
        mentions: ['operator flag'],
      },
      {
        name: 'sellers on contract necessity (28-8(1)3 is for entrustment only)',
        mutate: (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'contract_necessity'),
        paths: ['declarations[0].transfer.ground'],
        mentions: ['never a provision'],
      },
      {
        name: 'a law or treaty that is not named',
        mutate: (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty'),
        paths: ['declarations[0].transfer.ground'],
        mentions: ['transfer.instrument'],
      },
      {
        name: 'contract necessity disclosed nowhere',
        mutate: (r) => {
          delete decl(r, 'cloud_hosting').transfer!.disclosed_in;
          delete r.operator.privacy_policy_url;
        },
        paths: ['declarations[4].transfer.ground'],
        mentions: ['privacy policy'],
      },
    ],
    silent: [
      { name: 'the clean registry (consent and disclosed contract necessity)', mutate: () => {} },
      {
        name: 'a named law or treaty',
        mutate: (r) => {
          const t = decl(r, 'sellers_fulfilment').transfer!;
          t.ground = 'law_or_treaty';
          t.instrument = 'Treaty X, Art. 5';
        },
      },
      {
        name: 'a recipient in a country the PIPC recognised (the EU)',
        mutate: (r) => {
          decl(r, 'ad_partner').transfer!.ground = 'adequacy';
          byId(r.recipients, 'adreach').country = 'FR';
        },
      },
      {
        name: 'an entrusted transfer lacking a 28-8(2) item (OVERSEAS_NOTICE_INCOMPLETE reports it)',
        mutate: (r) => delete decl(r, 'cloud_hosting').transfer!.refusal,
      },
      {
        name: 'contract necessity disclosed only through the operator privacy policy',
        mutate: (r) => delete decl(r, 'cloud_hosting').transfer!.disclosed_in,
      },
      { name: 'a domestic recipient with no transfer section', mutate: (r) => delete decl(r, 'courier_delivery').transfer },
      {
        name: 'an operator that does not serve KR',
        mutate: (r) => {
          r.operator.jurisdictions = ['EU'];
          delete decl(r, 'sellers_fulfilment').transfer;
        },
      },
    ],
  },

  THIRD_COUNTRY_NO_GROUND: {
    check: thirdCountryTransferGroundEu,
    fires: [
      {
        name: 'sellers in CN and HK with no SCCs and no transfer section',
        mutate: (r) => {
          noScc(r, 'cn_sellers');
          delete decl(r, 'sellers_fulfilment').transfer;
        },
        paths: ['declarations[0].transfer'],
        mentions: ['CN, HK'],
      },
      {
        name: 'sellers on routine explicit consent: a derogation is not a channel for every order',
        mutate: (r) => noScc(r, 'cn_sellers'),
        paths: ['declarations[0].transfer.ground'],
        mentions: ['routine'],
      },
      {
        name: 'occasional consent without the risks stated (49(1)(a))',
        mutate: (r) => {
          noScc(r, 'adreach');
          decl(r, 'ad_partner').transfer!.occasional = true;
        },
        paths: ['declarations[5].transfer.ground'],
        mentions: ['transfer.risks'],
      },
      {
        name: 'a US recipient with neither SCC nor DPF listing, on a PIPA-only ground',
        mutate: (r) => {
          noScc(r, 'adreach');
          decl(r, 'ad_partner').transfer!.ground = 'law_or_treaty';
        },
        paths: ['declarations[5].transfer.ground'],
        mentions: ['US'],
      },
      {
        name: 'an adequacy flag on sellers in China',
        mutate: (r) => {
          noScc(r, 'cn_sellers');
          byId(r.recipient_classes, 'cn_sellers').safeguards.adequacy = true;
          decl(r, 'sellers_fulfilment').transfer!.ground = 'adequacy';
        },
        paths: ['declarations[0].transfer.ground'],
        mentions: ['operator flag'],
      },
      {
        name: 'contract necessity for an optional purpose (not a 49(1)(b) derogation)',
        mutate: (r) => {
          noScc(r, 'adreach');
          const t = decl(r, 'ad_partner').transfer!;
          t.ground = 'contract_necessity';
          t.occasional = true;
        },
        paths: ['declarations[5].transfer.ground'],
      },
      {
        name: 'only the countries without a mechanism are reported',
        mutate: (r) => {
          noScc(r, 'cn_sellers');
          byId(r.recipient_classes, 'cn_sellers').countries = ['JP', 'CN', 'DE'];
          decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty';
        },
        paths: ['declarations[0].transfer.ground'],
        mentions: ['in CN without'],
      },
    ],
    silent: [
      { name: 'the clean registry (SCCs in the agreements)', mutate: () => {} },
      {
        name: 'a US recipient on the DPF List without SCC',
        mutate: (r) => {
          noScc(r, 'adreach');
          byId(r.recipients, 'adreach').safeguards = { dpf: { entry_url: 'https://www.dataprivacyframework.gov/list', checked_on: '2026-11-01' } };
        },
      },
      {
        name: 'recipients in adequate countries and in the EEA',
        mutate: (r) => {
          noScc(r, 'cn_sellers');
          byId(r.recipient_classes, 'cn_sellers').countries = ['JP', 'GB', 'DE', 'KR'];
          decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty';
        },
      },
      {
        name: 'approved BCRs for an affiliate',
        mutate: (r) => {
          noScc(r, 'adreach');
          const a = byId(r.recipients, 'adreach');
          a.role = 'affiliate';
          a.safeguards = { bcr: { approved_by: 'CNIL', reference: 'BCR-C 2023/1', approved_on: '2023-05-01' } };
        },
      },
      {
        name: 'a declared derogation for an occasional transfer',
        mutate: (r) => {
          noScc(r, 'cn_sellers');
          const t = decl(r, 'sellers_fulfilment').transfer!;
          t.ground = 'derogation';
          t.occasional = true;
        },
      },
      {
        name: 'contract necessity for a required purpose, occasional (49(1)(b))',
        mutate: (r) => {
          noScc(r, 'cn_sellers');
          const t = decl(r, 'sellers_fulfilment').transfer!;
          t.ground = 'contract_necessity';
          t.occasional = true;
        },
      },
      {
        name: 'an operator that does not serve the EU',
        mutate: (r) => {
          r.operator.jurisdictions = ['KR'];
          delete decl(r, 'sellers_fulfilment').transfer;
        },
      },
    ],
  },

  OVERSEAS_NOTICE_INCOMPLETE: {
    check: overseasNoticeItems,
    fires: [
      {
        name: 'consent transfer without timing and method',
        mutate: (r) => (decl(r, 'sellers_fulfilment').transfer = { ground: 'consent' }),
        paths: ['declarations[0].transfer'],
        mentions: ['transfer.timing', 'transfer.method'],
      },
      {
        name: 'a recipient class with no e-mail or phone',
        mutate: (r) => (byId(r.recipient_classes, 'cn_sellers').contact = { name: 'seller desk' }),
        paths: ['declarations[0].transfer'],
        mentions: ['recipient contact'],
      },
      {
        name: 'contract necessity disclosed in the policy without the method',
        mutate: (r) => delete decl(r, 'cloud_hosting').transfer!.method,
        paths: ['declarations[4].transfer'],
        mentions: ['transfer.method'],
      },
      {
        name: 'an entrusted transfer without how to refuse it and what refusing means',
        mutate: (r) => delete decl(r, 'cloud_hosting').transfer!.refusal,
        paths: ['declarations[4].transfer'],
        mentions: ['transfer.refusal'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'law or treaty without timing or method', mutate: (r) => (decl(r, 'sellers_fulfilment').transfer = { ground: 'law_or_treaty' }) },
      {
        name: 'a domestic recipient',
        mutate: (r) => (decl(r, 'courier_delivery').transfer = { ground: 'consent' }),
      },
      {
        name: 'an operator that does not serve KR',
        mutate: (r) => {
          r.operator.jurisdictions = ['EU'];
          decl(r, 'sellers_fulfilment').transfer = { ground: 'consent' };
        },
      },
    ],
  },

  PROCESSOR_BASIS_MISUSED: {
    check: processorBasisOnlyForProcessors,
    fires: [
      {
        name: 'the sellers (third parties) declared as processors',
        mutate: (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'processor'),
        paths: ['declarations[0].legal_basis'],
        mentions: ['third_party'],
      },
    ],
    silent: [
      { name: 'the clean registry (processor basis for processors)', mutate: () => {} },
      { name: 'the courier, an entrustee, on the processor basis', mutate: (r) => (decl(r, 'courier_delivery').legal_basis = 'processor') },
    ],
  },

  PROCESSOR_NO_DPA: {
    check: processorHasAgreement,
    fires: [
      {
        name: 'a processor with only a free-text agreement reference',
        mutate: (r) => {
          const p = byId(r.recipients, 'paybridge');
          delete p.agreement;
          p.safeguards.dpa = 'DPA-2025-017';
        },
        paths: ['recipients[2].agreement'],
        mentions: ['PayBridge', 'PIPA 26(1)', 'GDPR 28(3)'],
      },
      {
        name: 'a processor class whose agreement lacks the entrustment terms',
        mutate: (r) => (byId(r.recipient_classes, 'cn_sellers').role = 'processor'),
        paths: ['recipient_classes[0].agreement.clauses'],
        mentions: ['work_scope'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'a third party without an agreement (OVERSEAS_AGREEMENT_MISSING’s concern)', mutate: (r) => delete byId(r.recipients, 'adreach').agreement },
    ],
  },

  PROCESSOR_OWN_PURPOSE: {
    check: processorActsForOperatorPurpose,
    fires: [
      {
        name: 'a payment processor with a purpose of its own',
        mutate: (r) =>
          (decl(r, 'payment_processing').recipient_purpose = { ko: '자사 마케팅', en: 'Marketing its own card products' }),
        paths: ['declarations[3].recipient_purpose'],
        mentions: ['Marketing its own card products'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: "a processor whose stated purpose is the operator's",
        mutate: (r) => (decl(r, 'payment_processing').recipient_purpose = { ...byId(r.purposes, 'payment').labels }),
      },
      {
        name: 'a third party with a purpose of its own',
        mutate: (r) => (decl(r, 'sellers_fulfilment').recipient_purpose = { ko: '자체 목적', en: 'Its own purpose' }),
      },
    ],
  },

  OVERSEAS_AGREEMENT_MISSING: {
    check: overseasRecipientHasAgreement,
    fires: [
      {
        name: 'sellers abroad with no agreement (the PIPC’s second AliExpress finding)',
        mutate: (r) => delete byId(r.recipient_classes, 'cn_sellers').agreement,
        paths: ['recipient_classes[0].agreement'],
        mentions: ['grievance_handling', 'PIPA 28-8(4)'],
      },
      {
        name: 'an overseas agreement without dispute resolution',
        mutate: (r) => {
          const a = byId(r.recipients, 'adreach').agreement!;
          a.clauses = a.clauses.filter((c) => c !== 'dispute_resolution');
        },
        paths: ['recipients[4].agreement.clauses'],
        mentions: ['dispute_resolution'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'a domestic recipient without an overseas agreement', mutate: (r) => delete byId(r.recipients, 'hanbit_express').agreement!.scc },
      {
        name: 'an operator that does not serve KR',
        mutate: (r) => {
          r.operator.jurisdictions = ['EU'];
          delete byId(r.recipient_classes, 'cn_sellers').agreement;
        },
      },
    ],
  },

  ENTRUSTMENT_UNDISCLOSED: {
    check: entrustmentDisclosedRule.check,
    fires: [
      {
        name: 'a processor with no entrustment on record',
        mutate: (r) => delete byId(r.recipients, 'paybridge').entrustment,
        paths: ['recipients[2].entrustment'],
        mentions: ['PayBridge'],
      },
      {
        name: 'an entrustment disclosed nowhere',
        mutate: (r) => {
          delete byId(r.recipients, 'paybridge').entrustment!.disclosed_in;
          delete r.operator.privacy_policy_url;
        },
        paths: ['recipients[2].entrustment.disclosed_in'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'an entrustment disclosed through the operator’s privacy policy', mutate: (r) => delete byId(r.recipients, 'paybridge').entrustment!.disclosed_in },
      { name: 'a third party (no entrustment)', mutate: (r) => delete byId(r.recipients, 'adreach').entrustment },
    ],
  },

  ENTRUSTMENT_MARKETING_UNNOTIFIED: {
    check: marketingEntrustmentRule.check,
    fires: [
      {
        name: 'a marketing entrustment with no notice to the subject',
        mutate: (r) => (byId(r.recipients, 'paybridge').entrustment!.marketing = true),
        paths: ['recipients[2].entrustment.subject_notice'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'a marketing entrustment the subject is told of',
        mutate: (r) => {
          const e = byId(r.recipients, 'paybridge').entrustment!;
          e.marketing = true;
          e.subject_notice = { ko: '결제 시 안내합니다', en: 'Told at payment' };
        },
      },
    ],
  },

  RE_ENTRUSTMENT_WITHOUT_CONSENT: {
    check: reEntrustmentRule.check,
    fires: [
      {
        name: 'a host allowed to re-entrust without the operator’s recorded consent',
        mutate: (r) => delete byId(r.recipients, 'nimbus_cloud').entrustment!.re_entrustment.operator_consent,
        paths: ['recipients[3].entrustment.re_entrustment.operator_consent'],
        mentions: ['Nimbus'],
      },
    ],
    silent: [
      { name: 'the clean registry (consent recorded)', mutate: () => {} },
      { name: 're-entrustment not allowed', mutate: (r) => (byId(r.recipients, 'nimbus_cloud').entrustment!.re_entrustment = { allowed: false }) },
    ],
  },

  ITEMS_BEYOND_PURPOSE: {
    check: itemsWithinPurpose,
    fires: [
      {
        name: 'the courier receiving the e-mail address order fulfilment does not list',
        mutate: (r) => decl(r, 'courier_delivery').items.push({ category: 'email', form: 'plain' }),
        paths: ['declarations[1].items[3].category'],
        mentions: ['"email"', 'order_fulfilment'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'an item the purpose lists',
        mutate: (r) => decl(r, 'courier_delivery').items.push({ category: 'customs_code', form: 'plain' }),
      },
    ],
  },

  OPTIONAL_AS_CONTRACT: {
    check: optionalNotContractNecessity,
    fires: [
      {
        name: 'ad targeting on contract necessity',
        mutate: (r) => (decl(r, 'ad_partner').legal_basis = 'contract_necessity'),
        paths: ['declarations[5].legal_basis'],
        mentions: ['ad-targeting'],
      },
      {
        name: 'an optional purpose transferred abroad on contract necessity',
        mutate: (r) => {
          byId(r.purposes, 'ad_targeting').ad_targeting = false;
          decl(r, 'ad_partner').transfer!.ground = 'contract_necessity';
        },
        paths: ['declarations[5].transfer.ground'],
        mentions: ['optional purpose'],
      },
      {
        name: 'ad targeting marked required, still on contract necessity',
        mutate: (r) => {
          byId(r.purposes, 'ad_targeting').required = true;
          decl(r, 'ad_partner').legal_basis = 'contract_necessity';
        },
        paths: ['declarations[5].legal_basis'],
      },
    ],
    silent: [
      { name: 'the clean registry (contract necessity only for required purposes)', mutate: () => {} },
      { name: 'an optional purpose on consent', mutate: (r) => (byId(r.purposes, 'ad_targeting').ad_targeting = false) },
    ],
  },

  AD_TARGETING_REQUIRED: {
    check: adTargetingNeverRequired,
    fires: [
      {
        name: 'ad targeting bundled as required',
        mutate: (r) => (byId(r.purposes, 'ad_targeting').required = true),
        paths: ['purposes[6].required'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'a required purpose that is not ad targeting', mutate: (r) => (byId(r.purposes, 'marketing').required = true) },
    ],
  },

  SENSITIVE_WITHOUT_CONSENT: {
    check: sensitiveNeedsConsentOrLaw,
    fires: [
      {
        name: 'a unique identifier given to a third party on legitimate interests',
        mutate: (r) => {
          byId(r.data_categories, 'email').sensitivity = 'unique_identifier';
          const d = decl(r, 'ad_partner');
          d.legal_basis = 'legitimate_interest';
          d.balancing_test = 'LIA-1';
        },
        paths: ['declarations[5].items[0].category'],
        mentions: ['unique identifier'],
      },
      {
        name: 'sensitive information to a third party on vital interests',
        mutate: (r) => {
          byId(r.data_categories, 'name').sensitivity = 'sensitive';
          decl(r, 'sellers_fulfilment').legal_basis = 'vital_interest';
        },
        paths: ['declarations[0].items[0].category'],
        mentions: ['sensitive information'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'unique identifiers released only on consent, legal obligation or to a processor',
        mutate: (r) => (byId(r.data_categories, 'customs_code').sensitivity = 'unique_identifier'),
      },
      {
        name: 'sensitive information to an entrustee on contract necessity (not a provision)',
        mutate: (r) => (byId(r.data_categories, 'address').sensitivity = 'sensitive'),
      },
    ],
  },

  DOMESTIC_AGENT_MISSING: {
    check: domesticAgentForForeignOperator,
    fires: [
      {
        name: 'an operator in SG serving KR without a KR agent',
        mutate: (r) => (r.operator.domestic_agents = r.operator.domestic_agents.filter((a) => a.jurisdiction !== 'KR')),
        paths: ['operator.domestic_agents'],
        mentions: ['SG'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'a Korean operator without agents',
        mutate: (r) => {
          r.operator.country = 'KR';
          r.operator.domestic_agents = [];
        },
      },
      {
        name: 'a foreign operator that does not serve KR',
        mutate: (r) => {
          r.operator.jurisdictions = ['EU'];
          r.operator.domestic_agents = r.operator.domestic_agents.filter((a) => a.jurisdiction !== 'KR');
        },
      },
    ],
  },

  EU_REPRESENTATIVE_MISSING: {
    check: euRepresentativeForNonEeaOperator,
    fires: [
      {
        name: 'an operator in SG serving the EU without a representative',
        mutate: (r) => (r.operator.domestic_agents = r.operator.domestic_agents.filter((a) => a.jurisdiction !== 'EU')),
        paths: ['operator.domestic_agents'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'an operator established in the EEA',
        mutate: (r) => {
          r.operator.country = 'NL';
          r.operator.domestic_agents = r.operator.domestic_agents.filter((a) => a.jurisdiction !== 'EU');
        },
      },
      {
        name: 'an operator that does not serve the EU',
        mutate: (r) => {
          r.operator.jurisdictions = ['KR'];
          r.operator.domestic_agents = r.operator.domestic_agents.filter((a) => a.jurisdiction !== 'EU');
        },
      },
    ],
  },

  RETENTION_INDEFINITE: {
    check: retentionIsFinite,
    fires: [
      {
        name: 'indefinite retention',
        mutate: (r) => (decl(r, 'customs_filing').retention = 'indefinite'),
        paths: ['declarations[2].retention'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'a long but finite retention', mutate: (r) => (decl(r, 'customs_filing').retention = { duration: 'P10Y', from: 'release' }) },
    ],
  },

  GUARDIAN_CONSENT_MISSING: {
    check: guardianConsentConfigured,
    fires: [
      {
        name: 'serving children with no guardian-consent method',
        mutate: (r) => delete r.operator.children.guardian_consent_method,
        paths: ['operator.children.guardian_consent_method'],
        mentions: ['under 14', 'under 16'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'an operator that does not serve children',
        mutate: (r) => (r.operator.children = { serves_children: false, kr_age: 14, gdpr_age: 16 }),
      },
    ],
  },

  KO_TEXT_MISSING: {
    check: koreanTexts,
    fires: [
      {
        name: 'a recipient class named in English only, for Korean customers',
        mutate: (r) => (byId(r.recipient_classes, 'cn_sellers').name = 'Marketplace sellers in mainland China and Hong Kong'),
        paths: ['recipient_classes[0].name'],
        mentions: ['Marketplace sellers in mainland China and Hong Kong', 'no Korean text'],
      },
      {
        name: 'a transfer timing localised without Korean, and a contact address in English',
        mutate: (r) => {
          byId(r.declarations, 'sellers_fulfilment').transfer!.timing = { en: 'At payment of each order' };
          byId(r.recipients, 'nimbus_cloud').contact.address = 'Seattle, WA, USA';
        },
        paths: ['declarations[0].transfer.timing', 'recipients[3].contact.address'],
      },
      {
        name: 'the operator’s legal name and officer in English only',
        mutate: (r) => {
          r.operator.legal_name = 'Harbor Bazaar Pte. Ltd.';
          r.operator.privacy_officer.name = { en: 'Jiwon Park' };
        },
        paths: ['operator.legal_name', 'operator.privacy_officer.name'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'a plain string written in Korean (the operator’s language)', mutate: (r) => (byId(r.recipients, 'adreach').name = '애드리치') },
      { name: 'a Korean text without an English one', mutate: (r) => (byId(r.declarations, 'ad_partner').transfer!.method = { ko: '매일 전송' }) },
      {
        name: 'an operator serving EU residents only',
        mutate: (r) => {
          r.operator.jurisdictions = ['EU'];
          byId(r.recipient_classes, 'cn_sellers').name = 'Marketplace sellers in mainland China and Hong Kong';
        },
      },
    ],
  },

  DUPLICATE_ID: {
    check: duplicateIdRule.check,
    raw: true,
    fires: [
      {
        name: 'two purposes with one id',
        mutate: (r) => r.purposes.push({ ...byId(r.purposes, 'payment') }),
        paths: ['purposes[7].id'],
      },
      {
        name: 'a recipient class sharing an id with a recipient',
        mutate: (r) => (byId(r.recipient_classes, 'cn_sellers').id = 'adreach'),
        paths: ['recipient_classes[0].id'],
      },
    ],
    silent: [{ name: 'the clean registry', mutate: () => {} }],
  },

  UNKNOWN_REFERENCE: {
    check: unknownReferenceRule.check,
    raw: true,
    fires: [
      {
        name: 'a declaration naming an unknown recipient and category',
        mutate: (r) => {
          const d = decl(r, 'courier_delivery');
          d.recipient = 'ghost_courier';
          d.items.push({ category: 'shoe_size', form: 'plain' });
        },
        paths: ['declarations[1].recipient', 'declarations[1].items[3].category'],
        mentions: ['ghost_courier'],
      },
    ],
    silent: [{ name: 'the clean registry', mutate: () => {} }],
  },

  EMPTY_DECLARATION: {
    check: emptyDeclarationRule.check,
    raw: true,
    fires: [
      {
        name: 'a declaration with no items',
        mutate: (r) => (decl(r, 'ad_partner').items = []),
        paths: ['declarations[5].items'],
      },
    ],
    silent: [{ name: 'the clean registry', mutate: () => {} }],
  },
};

const build = (c: RuleCases, mutate: (r: Registry) => void) => (c.raw ? rawModelWith(mutate) : modelWith(mutate));

describe('rule coverage', () => {
  it('tests every rule in the catalog, each with a firing and a silent case', () => {
    expect(Object.keys(cases).sort()).toEqual(ruleCatalog.map((r) => r.code).sort());
    for (const c of Object.values(cases)) {
      expect(c.fires.length).toBeGreaterThan(0);
      expect(c.silent.length).toBeGreaterThan(0);
    }
  });

  it('has unique codes and article citations in the form of the legal reference', () => {
    expect(new Set(ruleCatalog.map((r) => r.code)).size).toBe(ruleCatalog.length);
    for (const r of ruleCatalog) {
      expect(r.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      for (const a of r.articles) expect(a).toMatch(/^(PIPA \d+(-\d+)?(\(\d+\))?|GDPR \d+)$/);
    }
  });
});

describe.each(Object.entries(cases))('%s', (code, c) => {
  const meta = rules.find((r) => r.code === code)!;

  it.each(c.fires.map((f) => [f.name, f] as const))('fires: %s', (_name, f) => {
    const model = build(c, f.mutate);
    const found = c.check(model);
    expect(found.map((x) => x.path).sort()).toEqual([...f.paths].sort());
    for (const x of found) {
      expect(x.code).toBe(code);
      expect(x.severity).toBe(meta.severity);
      expect(x.articles).toEqual(meta.articles);
      expect(x.message_ko).toBeTruthy();
      for (const m of f.mentions ?? []) expect(found.map((y) => y.message).join('\n')).toContain(m);
    }
    // The runner reports the same findings.
    const viaRunner = lintRegistry(model).filter((x) => x.code === code);
    expect(viaRunner.map((x) => x.path).sort()).toEqual([...f.paths].sort());
  });

  it.each(c.silent.map((s) => [s.name, s] as const))('silent: %s', (_name, s) => {
    expect(c.check(build(c, s.mutate))).toEqual([]);
  });
});
