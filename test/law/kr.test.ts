import { describe, expect, it } from 'vitest';
import { REFERENCE } from '../../src/core/law/reference/index.ts';
import type { ReferenceData } from '../../src/core/law/reference/types.ts';
import type { LegalBasis } from '../../src/core/registry/schema.ts';
import { byId, decl } from '../lint/fixtures.ts';
import { agreementOf, basisOf, entrustmentOf, transferOf, type Mutate } from './support.ts';

/**
 * The KR pack, one test per rule: each asserts the rule's id on the verdict, so removing the rule
 * makes its test fail (another rule, or the fallback, would decide).
 */
describe('KR pack: legal basis (PIPA 15, 17, 26)', () => {
  it('KR.PROVISION_GROUNDS: a third party never receives on contract necessity; the 15(1)2, 3, 5–7 grounds and consent do', () => {
    expect(basisOf('sellers_fulfilment', 'KR', (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'contract_necessity'))).toMatchObject({
      ok: false,
      rule: 'KR.PROVISION_GROUNDS',
      problem: 'contract_not_provision',
      article: 'PIPA 17(1)',
    });
    expect(basisOf('sellers_fulfilment', 'KR')).toMatchObject({ ok: true, rule: 'KR.PROVISION_GROUNDS', article: 'PIPA 17(1)1' });
    for (const b of ['legal_obligation', 'public_task', 'vital_interest', 'public_safety'] as const) {
      expect(basisOf('sellers_fulfilment', 'KR', (r) => (decl(r, 'sellers_fulfilment').legal_basis = b))).toMatchObject({ ok: true, article: 'PIPA 17(1)2' });
    }
    // An affiliate is a third party in law.
    expect(
      basisOf('ad_partner', 'KR', (r) => {
        byId(r.recipients, 'adreach').role = 'affiliate';
        decl(r, 'ad_partner').legal_basis = 'contract_necessity';
      }),
    ).toMatchObject({ ok: false, problem: 'contract_not_provision' });
    // The processor basis for a third party is refused here too.
    expect(basisOf('sellers_fulfilment', 'KR', (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'processor'))).toMatchObject({
      ok: false,
      problem: 'processor_basis_for_third_party',
    });
  });

  it('KR.ENTRUSTMENT_BASIS: an entrustee works on the operator’s own ground, contract necessity included', () => {
    expect(basisOf('courier_delivery', 'KR')).toMatchObject({ ok: true, rule: 'KR.ENTRUSTMENT_BASIS', article: 'PIPA 26' });
    expect(basisOf('payment_processing', 'KR')).toMatchObject({ ok: true, rule: 'KR.ENTRUSTMENT_BASIS' });
  });

  it('KR.MECHANISM_NOT_BASIS: SCCs, adequacy, certification, BCRs, derogations are not legal bases', () => {
    for (const b of ['scc', 'adequacy', 'certification', 'bcr', 'derogation'] as const) {
      expect(basisOf('cloud_hosting', 'KR', (r) => (decl(r, 'cloud_hosting').legal_basis = b))).toMatchObject({
        ok: false,
        rule: 'KR.MECHANISM_NOT_BASIS',
        problem: 'transfer_mechanism',
        article: 'PIPA 15(1)',
      });
    }
    expect(basisOf('ad_partner', 'KR', (r) => (decl(r, 'ad_partner').legal_basis = 'scc'))).toMatchObject({ article: 'PIPA 17(1)' });
  });

  it('KR.LEGITIMATE_INTEREST_RECORDED: clearly overriding legitimate interest only with a recorded balancing test', () => {
    const li = (test?: string) =>
      basisOf('ad_partner', 'KR', (r) => {
        const d = decl(r, 'ad_partner');
        d.legal_basis = 'legitimate_interest';
        if (test) d.balancing_test = test;
      });
    expect(li()).toMatchObject({ ok: false, rule: 'KR.LEGITIMATE_INTEREST_RECORDED', problem: 'no_balancing_test' });
    expect(li('LIA-2026-04')).toMatchObject({ ok: true, rule: 'KR.PROVISION_GROUNDS' });
  });
});

describe('KR pack: overseas transfer grounds (PIPA 28-8(1))', () => {
  it('default: no ground declared', () => {
    expect(transferOf('sellers_fulfilment', 'KR', (r) => delete decl(r, 'sellers_fulfilment').transfer)).toMatchObject({
      ok: false,
      rule: 'default',
      problem: 'no_ground',
      article: 'PIPA 28-8(1)',
    });
  });

  it('KR.TRANSFER_CONSENT: separate consent (1)', () => {
    expect(transferOf('sellers_fulfilment', 'KR')).toMatchObject({ ok: true, rule: 'KR.TRANSFER_CONSENT', article: 'PIPA 28-8(1)1' });
  });

  it('KR.TRANSFER_LAW_OR_TREATY: a law or treaty (2), named', () => {
    const set = (instrument?: string): Mutate => (r) => {
      const t = decl(r, 'sellers_fulfilment').transfer!;
      t.ground = 'law_or_treaty';
      if (instrument) t.instrument = instrument;
    };
    expect(transferOf('sellers_fulfilment', 'KR', set())).toMatchObject({ ok: false, rule: 'KR.TRANSFER_LAW_OR_TREATY', problem: 'no_instrument' });
    expect(transferOf('sellers_fulfilment', 'KR', set('Treaty X, Art. 5'))).toMatchObject({ ok: true, rule: 'KR.TRANSFER_LAW_OR_TREATY', article: 'PIPA 28-8(1)2' });
  });

  it('KR.TRANSFER_ENTRUSTED: entrusted storage (3) with every 28-8(2) item — never a seller', () => {
    expect(transferOf('cloud_hosting', 'KR')).toMatchObject({ ok: true, rule: 'KR.TRANSFER_ENTRUSTED', article: 'PIPA 28-8(1)3' });
    // The AliExpress loophole: a seller on "contract necessity".
    expect(transferOf('sellers_fulfilment', 'KR', (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'contract_necessity'))).toMatchObject({
      ok: false,
      rule: 'KR.TRANSFER_ENTRUSTED',
      problem: 'entrustment_only',
    });
    expect(transferOf('cloud_hosting', 'KR', (r) => delete decl(r, 'cloud_hosting').transfer!.refusal)).toMatchObject({
      ok: false,
      problem: 'items_missing',
      missing: ['transfer.refusal'],
    });
    expect(
      transferOf('cloud_hosting', 'KR', (r) => {
        delete decl(r, 'cloud_hosting').transfer!.disclosed_in;
        delete r.operator.privacy_policy_url;
      }),
    ).toMatchObject({ ok: false, problem: 'not_disclosed' });
    expect(transferOf('cloud_hosting', 'KR', (r) => (byId(r.purposes, 'hosting').required = false))).toMatchObject({ ok: false, problem: 'not_necessary' });
    expect(transferOf('cloud_hosting', 'KR', (r) => (byId(r.recipients, 'nimbus_cloud').contact = { address: 'Seattle' }))).toMatchObject({
      ok: false,
      problem: 'items_missing',
      missing: ['recipient contact (e-mail or phone)'],
    });
  });

  it('KR.TRANSFER_CERTIFICATION: only a PIPC-designated certification with both measures (4); typed text never', () => {
    const certify: Mutate = (r) => (decl(r, 'ad_partner').transfer!.ground = 'certification');
    expect(transferOf('ad_partner', 'KR', certify)).toMatchObject({ ok: false, rule: 'KR.TRANSFER_CERTIFICATION', problem: 'no_certification' });
    // The case: an operator-typed certification string is not a 28-8(1)4 ground.
    expect(
      transferOf('ad_partner', 'KR', (r) => {
        certify(r);
        byId(r.recipients, 'adreach').safeguards.certification = 'ISMS-P';
      }),
    ).toMatchObject({ ok: false, rule: 'KR.TRANSFER_CERTIFICATION', problem: 'operator_flag' });
    const held = (measures: Array<'safety_and_rights' | 'implementation_abroad'>): Mutate => (r) => {
      certify(r);
      byId(r.recipients, 'adreach').safeguards.pipc_certification = { scheme: 'test-scheme', certificate: 'C-1', valid_until: '2030-01-01', measures };
    };
    // Nothing is designated in the built-in data: the ground holds for no one.
    expect(REFERENCE.pipcCertifications).toEqual([]);
    expect(transferOf('ad_partner', 'KR', held(['safety_and_rights', 'implementation_abroad']))).toMatchObject({ ok: false, problem: 'certification_not_designated' });
    // With a designation (test reference data), the ground holds once both measures are declared.
    const reference: ReferenceData = {
      ...REFERENCE,
      pipcCertifications: [{ id: 't', scheme: 'test-scheme', title: 'Test scheme', reference: 'test', effectiveFrom: '2024-01-01', source: 'https://example.org', exclusions: [] }],
    };
    expect(transferOf('ad_partner', 'KR', held(['safety_and_rights']), undefined, { reference })).toMatchObject({
      ok: false,
      problem: 'certification_measures_missing',
      missing: ['implementation_abroad'],
    });
    expect(transferOf('ad_partner', 'KR', held(['safety_and_rights', 'implementation_abroad']), undefined, { reference })).toMatchObject({
      ok: true,
      rule: 'KR.TRANSFER_CERTIFICATION',
      article: 'PIPA 28-8(1)4',
    });
    // Judged on a date, an expired certificate no longer counts.
    expect(transferOf('ad_partner', 'KR', held(['safety_and_rights', 'implementation_abroad']), undefined, { reference, on: '2031-01-01' })).toMatchObject({ ok: false });
  });

  it('KR.TRANSFER_EQUIVALENCE: only countries the PIPC recognised (5); an operator flag, EU adequacy or DPF never', () => {
    const adequacy = (country: string, extra: Mutate = () => {}, on?: string) =>
      transferOf(
        'ad_partner',
        'KR',
        (r) => {
          decl(r, 'ad_partner').transfer!.ground = 'adequacy';
          byId(r.recipients, 'adreach').country = country;
          extra(r);
        },
        country,
        on ? { on } : undefined,
      );
    // The case: a US recipient flagged adequate.
    expect(adequacy('US', (r) => (byId(r.recipients, 'adreach').safeguards.adequacy = true))).toMatchObject({
      ok: false,
      rule: 'KR.TRANSFER_EQUIVALENCE',
      problem: 'operator_flag',
      article: 'PIPA 28-8(1)5',
    });
    // A DPF listing is GDPR adequacy, not PIPA equivalence; Japan has EU adequacy, not PIPC recognition.
    expect(
      adequacy('US', (r) => (byId(r.recipients, 'adreach').safeguards.dpf = { entry_url: 'https://www.dataprivacyframework.gov/list', checked_on: '2026-11-01' })),
    ).toMatchObject({ ok: false, problem: 'not_recognised' });
    expect(adequacy('JP')).toMatchObject({ ok: false, problem: 'not_recognised' });
    // The EU (and EEA) is recognised since 16 September 2025…
    expect(adequacy('DE')).toMatchObject({ ok: true, rule: 'KR.TRANSFER_EQUIVALENCE', article: 'PIPA 28-8(1)5' });
    expect(adequacy('NO')).toMatchObject({ ok: true });
    // …but not for resident registration numbers or credit information, and not before that date.
    expect(adequacy('DE', (r) => (byId(r.data_categories, 'email').legal_kind = 'resident_registration_number'))).toMatchObject({ ok: false, problem: 'excluded_items' });
    expect(adequacy('DE', () => {}, '2025-09-15')).toMatchObject({ ok: false, problem: 'not_recognised' });
    expect(adequacy('DE', () => {}, '2025-09-16')).toMatchObject({ ok: true });
  });

  it('KR.TRANSFER_GDPR_ONLY_MECHANISM: SCCs, BCRs and derogations are not PIPA grounds', () => {
    for (const g of ['scc', 'bcr', 'derogation'] as const) {
      expect(transferOf('ad_partner', 'KR', (r) => (decl(r, 'ad_partner').transfer!.ground = g))).toMatchObject({
        ok: false,
        rule: 'KR.TRANSFER_GDPR_ONLY_MECHANISM',
        problem: 'not_a_ground',
      });
    }
  });
});

/**
 * Law by date: the former 17(3) and 39-12 up to 14 September 2023, 28-8 from the 15th. The same
 * registry is judged on both sides of the boundary.
 */
describe('KR pack: overseas transfer before 15 September 2023 (former 17(3), 39-12)', () => {
  const FORMER = { on: '2023-09-14' };
  const CURRENT = { on: '2023-09-15' };

  it('KR.FORMER_PROVISION_ABROAD_CONSENT: a third party abroad only on consent after the 17(2) (and 39-12(3)) notice', () => {
    expect(transferOf('sellers_fulfilment', 'KR', undefined, undefined, FORMER)).toMatchObject({
      ok: true,
      rule: 'KR.FORMER_PROVISION_ABROAD_CONSENT',
      article: 'PIPA 17(3) (former)',
    });
    // The 17(2) item the registry can lack: the recipient's own purpose.
    expect(transferOf('sellers_fulfilment', 'KR', (r) => delete decl(r, 'sellers_fulfilment').recipient_purpose, undefined, FORMER)).toMatchObject({
      ok: false,
      rule: 'KR.FORMER_PROVISION_ABROAD_CONSENT',
      problem: 'items_missing',
      missing: ['recipient_purpose'],
    });
    expect(transferOf('sellers_fulfilment', 'KR', (r) => delete decl(r, 'sellers_fulfilment').transfer!.timing, undefined, FORMER)).toMatchObject({
      ok: false,
      missing: ['transfer.timing'],
    });
    // No ground: a refusal citing the former article, not the fallback's 28-8(1).
    expect(transferOf('sellers_fulfilment', 'KR', (r) => delete decl(r, 'sellers_fulfilment').transfer, undefined, FORMER)).toMatchObject({
      ok: false,
      rule: 'KR.FORMER_PROVISION_ABROAD_CONSENT',
      problem: 'no_ground',
      article: 'PIPA 17(3) (former)',
    });
    // Contract necessity never carried a provision; the grounds 28-8 added did not exist.
    expect(transferOf('sellers_fulfilment', 'KR', (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = 'contract_necessity'), undefined, FORMER)).toMatchObject({
      ok: false,
      problem: 'entrustment_only',
    });
    for (const g of ['law_or_treaty', 'certification', 'adequacy', 'scc'] as const) {
      expect(transferOf('sellers_fulfilment', 'KR', (r) => (decl(r, 'sellers_fulfilment').transfer!.ground = g), undefined, FORMER)).toMatchObject({
        ok: false,
        rule: 'KR.FORMER_PROVISION_ABROAD_CONSENT',
        problem: 'not_a_ground',
      });
    }
    // From 15 September 2023 the same registry is judged by 28-8.
    expect(transferOf('sellers_fulfilment', 'KR', undefined, undefined, CURRENT)).toMatchObject({ ok: true, rule: 'KR.TRANSFER_CONSENT' });
  });

  it('KR.FORMER_ICT_TRANSFER: entrustment or storage abroad on consent, or needed for the service with the 39-12(3) items published', () => {
    expect(transferOf('cloud_hosting', 'KR', undefined, undefined, FORMER)).toMatchObject({ ok: true, rule: 'KR.FORMER_ICT_TRANSFER', article: 'PIPA 39-12(2) (former)' });
    // The former notice had no refusal item: what 28-8(2) requires since 15 September 2023 was not required before.
    const noRefusal = (r: Parameters<Mutate>[0]) => delete decl(r, 'cloud_hosting').transfer!.refusal;
    expect(transferOf('cloud_hosting', 'KR', noRefusal, undefined, FORMER)).toMatchObject({ ok: true, rule: 'KR.FORMER_ICT_TRANSFER' });
    expect(transferOf('cloud_hosting', 'KR', noRefusal, undefined, CURRENT)).toMatchObject({ ok: false, rule: 'KR.TRANSFER_ENTRUSTED', problem: 'items_missing' });
    expect(transferOf('cloud_hosting', 'KR', (r) => delete decl(r, 'cloud_hosting').transfer!.method, undefined, FORMER)).toMatchObject({
      ok: false,
      rule: 'KR.FORMER_ICT_TRANSFER',
      problem: 'items_missing',
      missing: ['transfer.method'],
    });
    expect(transferOf('cloud_hosting', 'KR', (r) => (byId(r.purposes, 'hosting').required = false), undefined, FORMER)).toMatchObject({ ok: false, problem: 'not_necessary' });
    expect(
      transferOf('cloud_hosting', 'KR', (r) => {
        delete decl(r, 'cloud_hosting').transfer!.disclosed_in;
        delete r.operator.privacy_policy_url;
      }, undefined, FORMER),
    ).toMatchObject({ ok: false, problem: 'not_disclosed' });
    expect(transferOf('cloud_hosting', 'KR', (r) => (decl(r, 'cloud_hosting').transfer!.ground = 'consent'), undefined, FORMER)).toMatchObject({ ok: true, article: 'PIPA 39-12(2) (former)' });
    expect(transferOf('cloud_hosting', 'KR', (r) => (decl(r, 'cloud_hosting').transfer!.ground = 'certification'), undefined, FORMER)).toMatchObject({
      ok: false,
      rule: 'KR.FORMER_ICT_TRANSFER',
      problem: 'not_a_ground',
    });
  });

  it('KR.FORMER_PROVISION_GROUNDS: before 15 September 2023 a provision only on consent or 15(1)2, 3, 5 — not legitimate interest or public safety', () => {
    const basisOn = (b: LegalBasis, on: string) =>
      basisOf('ad_partner', 'KR', (r) => {
        const d = decl(r, 'ad_partner');
        d.legal_basis = b;
        d.balancing_test = 'LIA-2023-01';
      }, { on });
    expect(basisOn('consent', FORMER.on)).toMatchObject({ ok: true, rule: 'KR.FORMER_PROVISION_GROUNDS', article: 'PIPA 17(1) (former)' });
    for (const b of ['legal_obligation', 'public_task', 'vital_interest'] as const) expect(basisOn(b, FORMER.on)).toMatchObject({ ok: true, rule: 'KR.FORMER_PROVISION_GROUNDS' });
    for (const b of ['legitimate_interest', 'public_safety'] as const) {
      expect(basisOn(b, FORMER.on)).toMatchObject({ ok: false, rule: 'KR.FORMER_PROVISION_GROUNDS', problem: 'no_basis' });
      expect(basisOn(b, CURRENT.on)).toMatchObject({ ok: true, rule: 'KR.PROVISION_GROUNDS', article: 'PIPA 17(1)2' });
    }
    expect(basisOn('contract_necessity', FORMER.on)).toMatchObject({ ok: false, problem: 'contract_not_provision' });
    expect(basisOn('processor', FORMER.on)).toMatchObject({ ok: false, problem: 'processor_basis_for_third_party' });
  });

  it('KR.FORMER_ENTRUSTMENT_BASIS: an entrustee worked on the operator’s own ground then too', () => {
    expect(basisOf('courier_delivery', 'KR', undefined, FORMER)).toMatchObject({ ok: true, rule: 'KR.FORMER_ENTRUSTMENT_BASIS', article: 'PIPA 26' });
    expect(basisOf('courier_delivery', 'KR', undefined, CURRENT)).toMatchObject({ ok: true, rule: 'KR.ENTRUSTMENT_BASIS' });
  });

  it('KR.FORMER_MECHANISM_NOT_BASIS: a transfer mechanism was no legal basis then either', () => {
    expect(basisOf('cloud_hosting', 'KR', (r) => (decl(r, 'cloud_hosting').legal_basis = 'scc'), FORMER)).toMatchObject({
      ok: false,
      rule: 'KR.FORMER_MECHANISM_NOT_BASIS',
      problem: 'transfer_mechanism',
    });
  });

  it('KR.FORMER_LEGITIMATE_INTEREST_RECORDED: the operator’s own legitimate interest needed the recorded weighing then too', () => {
    expect(basisOf('courier_delivery', 'KR', (r) => (decl(r, 'courier_delivery').legal_basis = 'legitimate_interest'), FORMER)).toMatchObject({
      ok: false,
      rule: 'KR.FORMER_LEGITIMATE_INTEREST_RECORDED',
      problem: 'no_balancing_test',
    });
  });

  it('the former rules are superseded: the lint and the gate (no date) never apply them; before 2020-08-05 the fallback asks for a review', () => {
    expect(transferOf('sellers_fulfilment', 'KR')).toMatchObject({ rule: 'KR.TRANSFER_CONSENT' });
    expect(transferOf('sellers_fulfilment', 'KR', undefined, undefined, { on: '2019-01-01' })).toMatchObject({ ok: false, rule: 'default', article: 'PIPA 17(3) (former)' });
  });
});

describe('KR pack: agreements and entrustment (PIPA 26, 28-8(4))', () => {
  it('KR.ENTRUSTMENT_AGREEMENT: an entrustee’s agreement carries the 26(1) terms', () => {
    expect(agreementOf('paybridge', 'KR')).toMatchObject({ ok: true, rule: 'KR.ENTRUSTMENT_AGREEMENT' });
    expect(agreementOf('paybridge', 'KR', (r) => delete byId(r.recipients, 'paybridge').agreement)).toMatchObject({
      ok: false,
      rule: 'KR.ENTRUSTMENT_AGREEMENT',
      problem: 'agreement_missing',
    });
    expect(agreementOf('paybridge', 'KR', (r) => (byId(r.recipients, 'paybridge').agreement!.clauses = ['work_scope']))).toMatchObject({
      ok: false,
      problem: 'clauses_missing',
      missing: ['purpose_limitation', 'security_measures', 're_entrustment_limits', 'supervision', 'liability'],
    });
  });

  it('KR.OVERSEAS_AGREEMENT: every overseas recipient, sellers included, carries the 28-8(4) measures', () => {
    expect(agreementOf('cn_sellers', 'KR')).toMatchObject({ ok: true, rule: 'KR.OVERSEAS_AGREEMENT', article: 'PIPA 28-8(4)' });
    expect(agreementOf('cn_sellers', 'KR', (r) => delete byId(r.recipient_classes, 'cn_sellers').agreement)).toMatchObject({
      ok: false,
      rule: 'KR.OVERSEAS_AGREEMENT',
      problem: 'agreement_missing',
    });
    expect(agreementOf('cn_sellers', 'KR', (r) => (byId(r.recipient_classes, 'cn_sellers').agreement!.clauses = ['security_measures']))).toMatchObject({
      ok: false,
      missing: ['grievance_handling', 'dispute_resolution', 'purpose_limitation', 'onward_transfer', 'return_or_destruction'],
    });
    // A domestic third party needs no 28-8(4) agreement.
    expect(
      agreementOf('cn_sellers', 'KR', (r) => {
        const c = byId(r.recipient_classes, 'cn_sellers');
        c.countries = ['KR'];
        delete c.agreement;
      }),
    ).toMatchObject({ ok: true, rule: 'default' });
  });

  it('KR.ENTRUSTMENT_DISCLOSED: an entrustee is recorded with its work and disclosed', () => {
    expect(entrustmentOf('hanbit_express', 'KR')).toMatchObject({ ok: true, rule: 'KR.ENTRUSTMENT_DISCLOSED', article: 'PIPA 26(2)' });
    expect(entrustmentOf('hanbit_express', 'KR', (r) => delete byId(r.recipients, 'hanbit_express').entrustment)).toMatchObject({
      ok: false,
      rule: 'KR.ENTRUSTMENT_DISCLOSED',
      problem: 'entrustment_missing',
    });
    expect(
      entrustmentOf('paybridge', 'KR', (r) => {
        delete byId(r.recipients, 'paybridge').entrustment!.disclosed_in;
        delete r.operator.privacy_policy_url;
      }),
    ).toMatchObject({ ok: false, problem: 'not_disclosed' });
  });

  it('KR.ENTRUSTMENT_MARKETING_NOTICE: a marketing entrustment is told to the subject', () => {
    const marketing = (notice: boolean): Mutate => (r) => {
      const e = byId(r.recipients, 'paybridge').entrustment!;
      e.marketing = true;
      if (notice) e.subject_notice = { ko: '문자로 알립니다', en: 'Told by text message' };
    };
    expect(entrustmentOf('paybridge', 'KR', marketing(false))).toMatchObject({ ok: false, rule: 'KR.ENTRUSTMENT_MARKETING_NOTICE', problem: 'marketing_not_notified' });
    expect(entrustmentOf('paybridge', 'KR', marketing(true))).toMatchObject({ ok: true });
    // A processor serving an ad-targeting purpose is a marketing entrustment even unflagged.
    expect(
      entrustmentOf('adreach', 'KR', (r) => {
        const a = byId(r.recipients, 'adreach');
        a.role = 'processor';
        a.entrustment = { work: { ko: '광고', en: 'Ads' }, marketing: false, re_entrustment: { allowed: false } };
      }),
    ).toMatchObject({ ok: false, problem: 'marketing_not_notified' });
  });

  it('KR.RE_ENTRUSTMENT_CONSENT: re-entrustment only with the operator’s recorded consent', () => {
    expect(entrustmentOf('nimbus_cloud', 'KR')).toMatchObject({ ok: true });
    expect(entrustmentOf('nimbus_cloud', 'KR', (r) => delete byId(r.recipients, 'nimbus_cloud').entrustment!.re_entrustment.operator_consent)).toMatchObject({
      ok: false,
      rule: 'KR.RE_ENTRUSTMENT_CONSENT',
      problem: 're_entrustment_without_consent',
    });
  });
});
