import { describe, expect, it } from 'vitest';
import { lintRegistry, ruleCatalog, rules } from '../../src/core/lint/index.ts';
import type { RuleFinding } from '../../src/core/lint/rule.ts';
import { adTargetingNeverRequired } from '../../src/core/lint/rules/ad-targeting-required.ts';
import { guardianConsentConfigured } from '../../src/core/lint/rules/child-consent.ts';
import { consentShownAtCollection } from '../../src/core/lint/rules/consent-notice.ts';
import { domesticAgentForForeignOperator } from '../../src/core/lint/rules/domestic-agent.ts';
import { euRepresentativeForNonEeaOperator } from '../../src/core/lint/rules/eu-representative.ts';
import { itemsWithinPurpose } from '../../src/core/lint/rules/minimisation.ts';
import { thirdPartyNoticeComplete } from '../../src/core/lint/rules/notice-completeness.ts';
import { optionalNotContractNecessity } from '../../src/core/lint/rules/optional-contract.ts';
import { thirdCountryTransferGroundEu } from '../../src/core/lint/rules/overseas-ground-eu.ts';
import { overseasTransferGroundKr } from '../../src/core/lint/rules/overseas-ground-kr.ts';
import { overseasNoticeItems } from '../../src/core/lint/rules/overseas-notice.ts';
import { processorHasAgreement } from '../../src/core/lint/rules/processor-agreement.ts';
import { processorBasisOnlyForProcessors } from '../../src/core/lint/rules/processor-basis.ts';
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

const cases: Record<string, RuleCases> = {
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
        name: 'a provision on contract necessity (no consent notice)',
        mutate: (r) => delete decl(r, 'courier_delivery').recipient_purpose,
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
        mentions: ['safeguards.certification'],
      },
      {
        name: 'adequacy the recipient does not declare',
        mutate: (r) => (decl(r, 'ad_partner').transfer!.ground = 'adequacy'),
        paths: ['declarations[5].transfer.ground'],
        mentions: ['safeguards.adequacy'],
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
      { name: 'law or treaty', mutate: (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty') },
      {
        name: 'certification the recipient holds',
        mutate: (r) => {
          decl(r, 'ad_partner').transfer!.ground = 'certification';
          byId(r.recipients, 'adreach').safeguards.certification = 'ISMS-P equivalent';
        },
      },
      {
        name: 'adequacy the recipient declares',
        mutate: (r) => {
          decl(r, 'ad_partner').transfer!.ground = 'adequacy';
          byId(r.recipients, 'adreach').safeguards.adequacy = true;
        },
      },
      {
        name: 'contract necessity disclosed only through the operator privacy policy',
        mutate: (r) => delete decl(r, 'cloud_hosting').transfer!.disclosed_in,
      },
      {
        name: 'a legal basis that is itself a transfer mechanism',
        mutate: (r) => {
          const d = decl(r, 'cloud_hosting');
          delete d.transfer;
          d.legal_basis = 'certification';
        },
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
        name: 'sellers in CN and HK with no transfer section',
        mutate: (r) => delete decl(r, 'sellers_fulfilment').transfer,
        paths: ['declarations[0].transfer'],
        mentions: ['CN, HK'],
      },
      {
        name: 'a US recipient with neither SCC nor DPF adequacy, on a PIPA-only ground',
        mutate: (r) => {
          byId(r.recipients, 'adreach').safeguards = {};
          decl(r, 'ad_partner').transfer!.ground = 'law_or_treaty';
        },
        paths: ['declarations[5].transfer.ground'],
        mentions: ['US'],
      },
      {
        name: 'contract necessity for an optional purpose (not a 49(1)(b) derogation)',
        mutate: (r) => {
          byId(r.recipients, 'adreach').safeguards = {};
          decl(r, 'ad_partner').transfer!.ground = 'contract_necessity';
        },
        paths: ['declarations[5].transfer.ground'],
      },
      {
        name: 'only the countries without a ground are reported',
        mutate: (r) => {
          byId(r.recipient_classes, 'cn_sellers').countries = ['JP', 'CN', 'DE'];
          decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty';
        },
        paths: ['declarations[0].transfer.ground'],
        mentions: ['in CN,'],
      },
    ],
    silent: [
      { name: 'the clean registry (SCC and explicit consent)', mutate: () => {} },
      {
        name: 'a DPF-certified US recipient without SCC',
        mutate: (r) => {
          byId(r.recipients, 'adreach').safeguards = { adequacy: true };
          decl(r, 'ad_partner').transfer!.ground = 'adequacy';
        },
      },
      {
        name: 'recipients in adequate countries and in the EEA',
        mutate: (r) => {
          byId(r.recipient_classes, 'cn_sellers').countries = ['JP', 'GB', 'DE', 'KR'];
          decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty';
        },
      },
      {
        name: 'BCR in safeguards',
        mutate: (r) => {
          byId(r.recipient_classes, 'cn_sellers').safeguards = { bcr: 'BCR-2023-1' };
          decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty';
        },
      },
      { name: 'a declared derogation', mutate: (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'derogation') },
      { name: 'contract necessity for a required purpose (49(1)(b))', mutate: (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'contract_necessity') },
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
        name: 'the courier (a third party) declared as a processor',
        mutate: (r) => (decl(r, 'courier_delivery').legal_basis = 'processor'),
        paths: ['declarations[1].legal_basis'],
        mentions: ['third_party'],
      },
    ],
    silent: [
      { name: 'the clean registry (processor basis for processors)', mutate: () => {} },
      {
        name: 'the courier when it really is a processor',
        mutate: (r) => {
          const courier = byId(r.recipients, 'hanbit_express');
          courier.role = 'processor';
          courier.safeguards = { dpa: 'DPA-1' };
          decl(r, 'courier_delivery').legal_basis = 'processor';
        },
      },
    ],
  },

  PROCESSOR_NO_DPA: {
    check: processorHasAgreement,
    fires: [
      {
        name: 'a processor with no agreement reference',
        mutate: (r) => delete byId(r.recipients, 'paybridge').safeguards.dpa,
        paths: ['recipients[2].safeguards.dpa'],
        mentions: ['PayBridge'],
      },
      {
        name: 'a processor class with no agreement reference',
        mutate: (r) => (byId(r.recipient_classes, 'cn_sellers').role = 'processor'),
        paths: ['recipient_classes[0].safeguards.dpa'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      { name: 'a third party without an agreement', mutate: (r) => (byId(r.recipients, 'hanbit_express').safeguards = {}) },
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
        mutate: (r) => (decl(r, 'courier_delivery').recipient_purpose = { ko: '자체 목적', en: 'Its own purpose' }),
      },
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
        name: 'a unique identifier given to the courier on contract necessity',
        mutate: (r) => {
          byId(r.data_categories, 'customs_code').sensitivity = 'unique_identifier';
          decl(r, 'courier_delivery').items.push({ category: 'customs_code', form: 'plain' });
        },
        paths: ['declarations[1].items[3].category'],
        mentions: ['unique identifier'],
      },
      {
        name: 'sensitive information on contract necessity',
        mutate: (r) => (byId(r.data_categories, 'name').sensitivity = 'sensitive'),
        paths: ['declarations[1].items[0].category'],
        mentions: ['sensitive information'],
      },
    ],
    silent: [
      { name: 'the clean registry', mutate: () => {} },
      {
        name: 'unique identifiers released only on consent, legal obligation or to a processor',
        mutate: (r) => (byId(r.data_categories, 'customs_code').sensitivity = 'unique_identifier'),
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
