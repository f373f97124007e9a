import { describe, expect, it } from 'vitest';
import { englishWords } from '../support/english-words.ts';
import { contentHash } from '../../src/core/canonical.ts';
import { buildNotice, buildNotices, noticeDeclarations } from '../../src/core/notice/build.ts';
import { renderNoticeHtml } from '../../src/core/notice/html.ts';
import { localize } from '../../src/core/notice/localize.ts';
import { durationText, retentionText } from '../../src/core/notice/text.ts';
import { demoModel } from './support.ts';

describe('notice generation', () => {
  const model = demoModel();

  it('builds one notice per collection point, identified by the hash of its JCS form', () => {
    const all = buildNotices(model);
    expect(all.map((n) => n.collectionPoint)).toEqual(['signup', 'checkout', 'marketing']);
    for (const n of all) expect(n.hash).toBe(contentHash(n.notice));
    expect(new Set(all.map((n) => n.hash)).size).toBe(3);
  });

  it('shows every purpose and declaration of the collection point, required and optional apart', () => {
    const checkout = buildNotice(model, 'checkout');
    expect(checkout.required.purposes.map((p) => p.id)).toEqual(['order_fulfilment', 'payment', 'customs_clearance']);
    expect(checkout.required.declarations.map((d) => d.id).sort()).toEqual(['courier_delivery', 'customs_filing', 'payment_processing', 'sellers_fulfilment']);
    expect(checkout.optional.declarations).toEqual([]);
    const marketing = buildNotice(model, 'marketing');
    expect(marketing.required.purposes).toEqual([]);
    expect(marketing.optional.purposes.map((p) => p.id)).toEqual(['marketing', 'ad_targeting']);
    expect(marketing.optional.declarations.map((d) => d.id)).toEqual(['ad_partner']);
    for (const n of [checkout, marketing]) {
      for (const d of n.required.declarations) expect(d.required).toBe(true);
      for (const d of n.optional.declarations) expect(d.required).toBe(false);
    }
  });

  it('carries the PIPA 28-8(2) items for an overseas recipient class', () => {
    const d = noticeDeclarations(buildNotice(model, 'checkout')).find((x) => x.id === 'sellers_fulfilment')!;
    expect(d.consentable).toBe(true);
    expect(d.items.map((i) => i.category)).toEqual(['name', 'phone', 'address', 'customs_code']);
    expect(d.transfer).toMatchObject({ countries: ['CN', 'HK'], overseasFor: ['KR', 'EU'], ground: 'consent', timing: { ko: '각 주문 결제 시', en: 'At payment of each order' } });
    expect((d.transfer!.method as { en: string }).en).toContain('HTTPS');
    expect(d.recipient).toMatchObject({ kind: 'class', name: { ko: '중국 본토 및 홍콩의 마켓플레이스 판매자', en: 'Marketplace sellers in mainland China and Hong Kong' } });
    expect(d.recipient.contact.email).toBe('sellers@harbor-bazaar.example');
    expect(d.recipientPurpose.en).toBe('Packing and shipping the ordered goods from abroad');
    expect(d.retention).toMatchObject({ duration: 'P90D', from: 'contract_end' });
    expect(d.retention.text.en).toBe('90 days after the contract ends');
    expect(d.refusal.ko).toContain('거부할 권리');
    expect(d.articles).toContain('PIPA 28-8(2)');
  });

  it('marks declarations on other bases as shown but not consentable; a domestic recipient has no transfer for KR', () => {
    const ds = noticeDeclarations(buildNotice(model, 'checkout'));
    const courier = ds.find((x) => x.id === 'courier_delivery')!;
    expect(courier.consentable).toBe(false);
    // KR courier: overseas only for EU subjects.
    expect(courier.transfer?.overseasFor).toEqual(['EU']);
    const ad = noticeDeclarations(buildNotice(model, 'marketing')).find((x) => x.id === 'ad_partner')!;
    expect(ad.refusal.en).toContain('optional');
    // The safeguards the recipient holds (the SCCs in its agreement, and the agreement itself), never operator flags.
    expect(ad.transfer?.safeguards).toEqual(['standard contractual clauses: (EU) 2021/914 module 1', 'agreement: adreach-data-sharing v2025-05']);
  });

  it('names the controller, privacy officer and representatives (GDPR 13(1)(a)(b), PIPA 31-2)', () => {
    const n = buildNotice(model, 'signup');
    expect(n.controller.name).toEqual({ ko: '하버바자 주식회사', en: 'Harbor Bazaar Pte. Ltd.' });
    expect(n.controller.privacyOfficer.email).toBe('privacy@harbor-bazaar.example');
    expect(n.controller.representatives.map((r) => r.jurisdiction)).toEqual(['KR', 'EU']);
    expect(n.children?.en).toContain('under 14');
  });

  it('in Korean, a rendered notice shows no English: names, timing, bases, roles, safeguards and articles in Korean', () => {
    const allowed = new Set(['CN', 'HK', 'KR', 'US', 'SG', 'EU']);
    for (const v of buildNotices(model)) {
      const visible = renderNoticeHtml(v, 'ko').replace(/<title>.*?<\/title>/, '').replace(/<[^>]+>/g, ' ').replace(/&[a-z]+;/g, ' ');
      expect(englishWords(visible, allowed), v.collectionPoint).toEqual([]);
    }
    const checkout = renderNoticeHtml(buildNotices(model).find((v) => v.collectionPoint === 'checkout')!, 'ko');
    expect(checkout).toContain('중국 본토 및 홍콩의 마켓플레이스 판매자 (제3자)');
    expect(checkout).toContain('각 주문 결제 시');
    expect(checkout).toContain('개인정보 보호법 제28조의8제1항제1호');
  });

  it('keeps the hash when an unrelated part of the registry changes, and changes it when the notice would', () => {
    const before = buildNotice(model, 'checkout');
    const unrelated = demoModel((doc) => {
      doc.purposes.find((p: any) => p.id === 'marketing').labels.en = 'Offers';
    });
    expect(contentHash(buildNotice(unrelated, 'checkout'))).toBe(contentHash(before));
    expect(contentHash(buildNotice(unrelated, 'marketing'))).not.toBe(contentHash(buildNotice(model, 'marketing')));
    const moreItems = demoModel((doc) => {
      doc.declarations.find((d: any) => d.id === 'sellers_fulfilment').items.push({ category: 'email', form: 'plain' });
    });
    expect(contentHash(buildNotice(moreItems, 'checkout'))).not.toBe(contentHash(before));
  });

  it('refuses an unknown collection point with a coded 404', () => {
    expect(() => buildNotice(model, 'nowhere')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_COLLECTION_POINT', status: 404 }));
  });
});

describe('notice rendering', () => {
  const model = demoModel();
  const [signup, checkout] = buildNotices(model);

  it('localises every bilingual text into one language', () => {
    const ko = localize(checkout!.notice, 'ko');
    expect(ko.collectionPoint.label).toBe('주문 결제');
    expect(ko.required.purposes[0]!.label).toBe('주문 상품 발송 및 배송');
    const en = localize(checkout!.notice, 'en');
    expect(en.required.declarations.find((d) => d.id === 'sellers_fulfilment')!.retention.text).toBe('90 days after the contract ends');
    expect(JSON.stringify(en)).not.toMatch(/"ko":/);
  });

  it('renders accessible HTML in the requested language with every value escaped', () => {
    const html = renderNoticeHtml(checkout!, 'ko');
    expect(html).toMatch(/^<!doctype html><html lang="ko">/);
    expect(html).toContain('<main>');
    expect(html).toContain('<caption>');
    expect(html).toContain('scope="col"');
    expect(html).toContain(checkout!.hash);
    expect(html).toContain('필수 동의 사항');
    expect(renderNoticeHtml(signup!, 'en')).toContain('lang="en"');

    const hostile = demoModel((doc) => {
      doc.collection_points[0].labels.en = '<script>alert(1)</script>';
    });
    const out = renderNoticeHtml(buildNotices(hostile)[0]!, 'en');
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
  });

  it('words durations and retention in both languages', () => {
    expect(durationText('P1Y6M')).toEqual({ ko: '1년 6개월', en: '1 year 6 months' });
    expect(durationText('PT12H')).toEqual({ ko: '12시간', en: '12 hours' });
    expect(durationText('P1M2DT3M')).toEqual({ ko: '1개월 2일 3분', en: '1 month 2 days 3 minutes' });
    expect(retentionText({ duration: 'P5Y', from: 'release' }).ko).toBe('제공일로부터 5년');
  });
});
