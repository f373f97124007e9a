import { describe, expect, it } from 'vitest';
import { byId, decl } from '../lint/fixtures.ts';
import { agreementOf, basisOf, entrustmentOf, transferOf, type Mutate } from './support.ts';

/** The EU pack, one test per rule (each asserts the deciding rule's id). */
describe('EU pack: legal basis (GDPR 6)', () => {
  it('EU.LAWFUL_BASES: the six bases of Art. 6(1); processor only for processors; public safety is PIPA-only', () => {
    expect(basisOf('sellers_fulfilment', 'EU')).toMatchObject({ ok: true, rule: 'EU.LAWFUL_BASES', article: 'GDPR 6(1)(a)' });
    // Under the GDPR a disclosure needed to perform the contract rests on 6(1)(b).
    expect(basisOf('sellers_fulfilment', 'EU', (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'contract_necessity'))).toMatchObject({
      ok: true,
      article: 'GDPR 6(1)(b)',
    });
    expect(basisOf('payment_processing', 'EU')).toMatchObject({ ok: true, article: 'GDPR 28' });
    expect(basisOf('sellers_fulfilment', 'EU', (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'processor'))).toMatchObject({
      ok: false,
      rule: 'EU.LAWFUL_BASES',
      problem: 'processor_basis_for_third_party',
    });
    expect(basisOf('sellers_fulfilment', 'EU', (r) => (decl(r, 'sellers_fulfilment').legal_basis = 'public_safety'))).toMatchObject({
      ok: false,
      rule: 'EU.LAWFUL_BASES',
      problem: 'not_a_gdpr_basis',
    });
  });

  it('EU.MECHANISM_NOT_BASIS: Chapter V mechanisms are never legal bases', () => {
    for (const b of ['scc', 'adequacy', 'certification', 'bcr', 'derogation'] as const) {
      expect(basisOf('cloud_hosting', 'EU', (r) => (decl(r, 'cloud_hosting').legal_basis = b))).toMatchObject({
        ok: false,
        rule: 'EU.MECHANISM_NOT_BASIS',
        problem: 'transfer_mechanism',
        article: 'GDPR 6(1)',
      });
    }
  });

  it('EU.LEGITIMATE_INTEREST_BALANCED: legitimate interests with a recorded balancing test', () => {
    const li = (test?: string) =>
      basisOf('ad_partner', 'EU', (r) => {
        const d = decl(r, 'ad_partner');
        d.legal_basis = 'legitimate_interest';
        if (test) d.balancing_test = test;
      });
    expect(li()).toMatchObject({ ok: false, rule: 'EU.LEGITIMATE_INTEREST_BALANCED', problem: 'no_balancing_test', article: 'GDPR 6(1)(f)' });
    expect(li('LIA-2026-04')).toMatchObject({ ok: true, article: 'GDPR 6(1)(f)' });
  });
});

describe('EU pack: Chapter V', () => {
  it('default: no adequacy, safeguard or derogation', () => {
    expect(
      transferOf('sellers_fulfilment', 'EU', (r) => {
        delete decl(r, 'sellers_fulfilment').transfer;
        delete byId(r.recipient_classes, 'cn_sellers').agreement!.scc;
      }),
    ).toMatchObject({ ok: false, rule: 'default', problem: 'no_ground', article: 'GDPR 44' });
  });

  it('EU.ADEQUACY: built-in, dated decisions; the US only on the DPF List; a flag never', () => {
    const to = (country: string, extra: Mutate = () => {}, on?: string) =>
      transferOf(
        'ad_partner',
        'EU',
        (r) => {
          const a = byId(r.recipients, 'adreach');
          a.country = country;
          delete a.agreement!.scc;
          extra(r);
        },
        country,
        on ? { on } : undefined,
      );
    expect(to('JP')).toMatchObject({ ok: true, rule: 'EU.ADEQUACY', article: 'GDPR 45' });
    expect(to('KR')).toMatchObject({ ok: true, rule: 'EU.ADEQUACY' });
    // Korea's decision does not cover personal credit information.
    expect(to('KR', (r) => (byId(r.data_categories, 'email').legal_kind = 'personal_credit_information'))).toMatchObject({ ok: false, problem: 'excluded_items' });
    // Before the Korean decision (17 December 2021) there was none.
    expect(to('KR', () => {}, '2021-12-16')).toMatchObject({ ok: false });
    expect(to('US', (r) => (byId(r.recipients, 'adreach').safeguards.adequacy = true))).toMatchObject({ ok: false, rule: 'EU.ADEQUACY', problem: 'operator_flag' });
    expect(to('CN', (r) => (byId(r.recipients, 'adreach').safeguards.adequacy = true))).toMatchObject({ ok: false, rule: 'EU.ADEQUACY', problem: 'operator_flag' });
    expect(
      to('US', (r) => (byId(r.recipients, 'adreach').safeguards.dpf = { entry_url: 'https://www.dataprivacyframework.gov/list', checked_on: '2026-11-01' })),
    ).toMatchObject({ ok: true, rule: 'EU.ADEQUACY' });
  });

  it('EU.SCC: SCCs named in the agreement, module fitting the recipient', () => {
    expect(transferOf('sellers_fulfilment', 'EU')).toMatchObject({ ok: true, rule: 'EU.SCC', article: 'GDPR 46(2)(c)' });
    expect(transferOf('cloud_hosting', 'EU')).toMatchObject({ ok: true, rule: 'EU.SCC' });
    expect(transferOf('sellers_fulfilment', 'EU', (r) => (byId(r.recipient_classes, 'cn_sellers').agreement!.scc!.module = 2))).toMatchObject({
      ok: false,
      rule: 'EU.SCC',
      problem: 'scc_module_mismatch',
    });
    expect(
      transferOf('sellers_fulfilment', 'EU', (r) => {
        const c = byId(r.recipient_classes, 'cn_sellers');
        delete c.agreement!.scc;
        c.safeguards.scc = 'EU SCC 2021/914';
      }),
    ).toMatchObject({ ok: false, problem: 'operator_flag' });
    expect(
      transferOf('sellers_fulfilment', 'EU', (r) => {
        delete byId(r.recipient_classes, 'cn_sellers').agreement!.scc;
        decl(r, 'sellers_fulfilment').transfer!.ground = 'scc';
      }),
    ).toMatchObject({ ok: false, rule: 'EU.SCC', problem: 'no_safeguard' });
  });

  it('EU.BCR: approved BCRs, within the group only', () => {
    const bcr = { approved_by: 'CNIL', reference: 'BCR-C 2023/1', approved_on: '2023-05-01' };
    const withBcr = (role: 'affiliate' | 'third_party'): Mutate => (r) => {
      const a = byId(r.recipients, 'adreach');
      a.role = role;
      a.safeguards.bcr = bcr;
      delete a.agreement!.scc;
    };
    expect(transferOf('ad_partner', 'EU', withBcr('affiliate'))).toMatchObject({ ok: true, rule: 'EU.BCR', article: 'GDPR 47' });
    expect(transferOf('ad_partner', 'EU', withBcr('third_party'))).toMatchObject({ ok: false, rule: 'EU.BCR', problem: 'bcr_outside_group' });
  });

  it('EU.CERTIFICATION: no approved transfer certification is built in; typed text never counts', () => {
    const cert = (text?: string): Mutate => (r) => {
      const a = byId(r.recipients, 'adreach');
      delete a.agreement!.scc;
      if (text) a.safeguards.certification = text;
      decl(r, 'ad_partner').transfer!.ground = 'certification';
    };
    expect(transferOf('ad_partner', 'EU', cert())).toMatchObject({ ok: false, rule: 'EU.CERTIFICATION', problem: 'no_certification' });
    expect(transferOf('ad_partner', 'EU', cert('ISO/IEC 27701'))).toMatchObject({ ok: false, rule: 'EU.CERTIFICATION', problem: 'operator_flag' });
  });

  it('EU.DEROGATION_CONSENT: explicit consent only for occasional transfers, with the risks stated', () => {
    const consent = (occasional: boolean, risks: boolean): Mutate => (r) => {
      delete byId(r.recipients, 'adreach').agreement!.scc;
      const t = decl(r, 'ad_partner').transfer!;
      t.occasional = occasional;
      if (risks) t.risks = { ko: '적정성 결정이 없는 국가입니다', en: 'The US recipient is not covered by an adequacy decision or safeguards' };
    };
    expect(transferOf('ad_partner', 'EU', consent(false, true))).toMatchObject({ ok: false, rule: 'EU.DEROGATION_CONSENT', problem: 'not_occasional' });
    expect(transferOf('ad_partner', 'EU', consent(true, false))).toMatchObject({ ok: false, rule: 'EU.DEROGATION_CONSENT', problem: 'no_risk_notice' });
    expect(transferOf('ad_partner', 'EU', consent(true, true))).toMatchObject({ ok: true, rule: 'EU.DEROGATION_CONSENT', article: 'GDPR 49(1)(a)' });
  });

  it('EU.DEROGATION_CONTRACT: necessity for the contract, occasional and required only', () => {
    const contract = (occasional: boolean): Mutate => (r) => {
      delete byId(r.recipient_classes, 'cn_sellers').agreement!.scc;
      const t = decl(r, 'sellers_fulfilment').transfer!;
      t.ground = 'contract_necessity';
      t.occasional = occasional;
    };
    expect(transferOf('sellers_fulfilment', 'EU', contract(false))).toMatchObject({ ok: false, rule: 'EU.DEROGATION_CONTRACT', problem: 'not_occasional' });
    expect(transferOf('sellers_fulfilment', 'EU', contract(true))).toMatchObject({ ok: true, rule: 'EU.DEROGATION_CONTRACT', article: 'GDPR 49(1)(b)' });
    expect(
      transferOf('sellers_fulfilment', 'EU', (r) => {
        contract(true)(r);
        byId(r.purposes, 'order_fulfilment').required = false;
      }),
    ).toMatchObject({ ok: false, problem: 'not_necessary' });
  });

  it('EU.DEROGATION_OTHER: another Art. 49(1) derogation, occasional only', () => {
    const other = (occasional: boolean): Mutate => (r) => {
      delete byId(r.recipient_classes, 'cn_sellers').agreement!.scc;
      const t = decl(r, 'sellers_fulfilment').transfer!;
      t.ground = 'derogation';
      t.occasional = occasional;
    };
    expect(transferOf('sellers_fulfilment', 'EU', other(false))).toMatchObject({ ok: false, rule: 'EU.DEROGATION_OTHER', problem: 'not_occasional' });
    expect(transferOf('sellers_fulfilment', 'EU', other(true))).toMatchObject({ ok: true, rule: 'EU.DEROGATION_OTHER', article: 'GDPR 49(1)' });
  });

  it('EU.LAW_OR_TREATY_NOT_PRIVATE: public instruments are not open to a marketplace', () => {
    expect(
      transferOf('sellers_fulfilment', 'EU', (r) => {
        delete byId(r.recipient_classes, 'cn_sellers').agreement!.scc;
        decl(r, 'sellers_fulfilment').transfer!.ground = 'law_or_treaty';
      }),
    ).toMatchObject({ ok: false, rule: 'EU.LAW_OR_TREATY_NOT_PRIVATE', problem: 'not_a_ground' });
  });
});

describe('EU pack: processors (GDPR 28)', () => {
  it('EU.PROCESSOR_CONTRACT: a processor’s contract carries the Art. 28(3) terms', () => {
    expect(agreementOf('paybridge', 'EU')).toMatchObject({ ok: true, rule: 'EU.PROCESSOR_CONTRACT', article: 'GDPR 28(3)' });
    expect(agreementOf('paybridge', 'EU', (r) => (byId(r.recipients, 'paybridge').agreement!.clauses = ['work_scope', 'liability']))).toMatchObject({
      ok: false,
      rule: 'EU.PROCESSOR_CONTRACT',
      problem: 'clauses_missing',
    });
    // A third party needs no Art. 28 contract.
    expect(agreementOf('adreach', 'EU', (r) => delete byId(r.recipients, 'adreach').agreement)).toMatchObject({ ok: true, rule: 'default' });
  });

  it('EU.SUB_PROCESSOR_AUTHORISED: sub-processors only with written authorisation', () => {
    expect(entrustmentOf('nimbus_cloud', 'EU')).toMatchObject({ ok: true, rule: 'EU.SUB_PROCESSOR_AUTHORISED', article: 'GDPR 28(2)' });
    expect(entrustmentOf('nimbus_cloud', 'EU', (r) => delete byId(r.recipients, 'nimbus_cloud').entrustment!.re_entrustment.operator_consent)).toMatchObject({
      ok: false,
      rule: 'EU.SUB_PROCESSOR_AUTHORISED',
    });
  });
});
