import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildUsageNotice,
  dailyCounts,
  kstMidnight,
  noticeYearRange,
  parseNoticeYear,
  registryRecipient,
  thresholdWindow,
  usageThreshold,
  type UsageRelease,
} from '../../src/core/law/kr/usage-notice.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';

/** PIPA 20-2 usage-history notice: the pure core (threshold, counting window, messages). */
const text = readFileSync('examples/marketplace/registry.yaml', 'utf8');
const demo = new RegistryModel(parseRegistry(text).registry);
const marked = new RegistryModel(
  parseRegistry(text.replace('labels: { ko: 개인통관고유부호, en: Personal customs clearance code }', 'labels: { ko: 개인통관고유부호, en: Personal customs clearance code }\n    sensitivity: unique_identifier')).registry,
);
const NOW = Date.parse('2026-12-06T06:00:00Z');

describe('notice year and counting window', () => {
  it('a year is the calendar year in Korea time', () => {
    expect(noticeYearRange(2026)).toEqual({ from: Date.parse('2025-12-31T15:00:00Z'), to: Date.parse('2026-12-31T15:00:00Z') - 1 });
  });

  it('parseNoticeYear: 2023 up to the current year; anything else INVALID_YEAR with its path', () => {
    expect(parseNoticeYear('2026', NOW)).toBe(2026);
    expect(parseNoticeYear(2023, NOW)).toBe(2023);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -10_000, max: 100_000 }).map(String)), (s) => {
        const ok = /^\d{4}$/.test(s.trim()) && Number(s.trim()) >= 2023 && Number(s.trim()) <= 2026;
        try {
          return parseNoticeYear(s, NOW, '--year') === Number(s.trim()) && ok;
        } catch (e) {
          return !ok && (e as { code: string }).code === 'INVALID_YEAR' && (e as { path: string }).path === '--year';
        }
      }),
    );
    // On 1 January in Korea (still 31 December in UTC), the new year has begun.
    expect(parseNoticeYear('2027', Date.parse('2026-12-31T15:30:00Z'))).toBe(2027);
  });

  it('the window is 1 October to 31 December, only days that have ended, cut at now', () => {
    expect(thresholdWindow(2025, NOW)).toEqual({ from: kstMidnight(2025, 10, 1), to: kstMidnight(2026, 1, 1), days: 92 });
    const running = thresholdWindow(2026, NOW);
    expect(running.days).toBe(66); // 1 Oct .. 5 Dec (KST): 6 Dec 15:00 KST has not ended yet
    expect(thresholdWindow(2026, Date.parse('2026-06-01T00:00:00Z')).days).toBe(0);
  });

  it('dailyCounts: a running total of creations minus erasures (property: equals the brute-force count)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ c: fc.integer({ min: -5, max: 30 }), e: fc.option(fc.integer({ min: 0, max: 40 })) }), { maxLength: 60 }), (subjects) => {
        const days = 30;
        // created on day c (negative: before the window), erased on day c + e (if any)
        const live = subjects.map((s) => ({ c: s.c, e: s.e === null ? Infinity : s.c + s.e }));
        const before = live.filter((s) => s.c < 0 && s.e >= 0).length;
        const bump = (m: Map<number, number>, d: number) => m.set(d, (m.get(d) ?? 0) + 1);
        const created = new Map<number, number>();
        const erased = new Map<number, number>();
        for (const s of live) {
          if (s.c >= 0 && s.c < days) bump(created, s.c);
          if (s.e >= 0 && s.e < days && s.e !== Infinity && !(s.c < 0 && s.e < 0)) bump(erased, s.e);
        }
        const counts = dailyCounts(before, created, erased, days);
        return counts.every((n, d) => n === live.filter((s) => s.c <= d && s.e > d).length);
      }),
    );
  });
});

describe('threshold (KR.USAGE_NOTICE_THRESHOLD)', () => {
  const window = thresholdWindow(2025, NOW);
  it('1,000,000 subjects without sensitive data; 50,000 with a unique-identifier category', () => {
    const flat = (n: number) => Array.from({ length: 92 }, () => n);
    expect(usageThreshold(demo, 2025, window, flat(999_999), 0)).toMatchObject({ required: false, reason: 'BELOW_THRESHOLD', threshold: 1_000_000, sensitive_or_unique_categories: [] });
    expect(usageThreshold(demo, 2025, window, flat(1_000_000), 0)).toMatchObject({ required: true, reason: 'SUBJECTS_AT_LEAST_1000000', rule: 'KR.USAGE_NOTICE_THRESHOLD', article: 'PIPA 20-2' });
    expect(usageThreshold(marked, 2025, window, flat(50_000), 0)).toMatchObject({ required: true, reason: 'SENSITIVE_AT_LEAST_50000', threshold: 50_000, sensitive_or_unique_categories: ['customs_code'] });
    expect(usageThreshold(marked, 2025, window, flat(49_999), 0)).toMatchObject({ required: false });
  });

  it('the daily average decides, not the last day', () => {
    const counts = [...Array.from({ length: 46 }, () => 40_000), ...Array.from({ length: 46 }, () => 60_000)];
    expect(usageThreshold(marked, 2025, window, counts, 60_000)).toMatchObject({ required: true, average_daily_subjects: 50_000, counted: { days: 92, basis: 'window', from: '2025-10-01', to: '2025-12-31' } });
    const rising = [...Array.from({ length: 91 }, () => 40_000), 900_000];
    expect(usageThreshold(marked, 2025, window, rising, 900_000).required).toBe(false);
  });

  it('before October of the running year, the current count stands in', () => {
    const early = thresholdWindow(2026, Date.parse('2026-06-01T00:00:00Z'));
    expect(usageThreshold(marked, 2026, early, [], 70_000)).toMatchObject({ required: true, counted: { days: 0, basis: 'current' } });
  });
});

describe('buildUsageNotice', () => {
  const at = (iso: string) => Date.parse(iso);
  const rel = (over: Partial<UsageRelease>): UsageRelease => ({ recipient: 'seller-a', declarationId: 'sellers_fulfilment', purpose: 'order_fulfilment', basis: 'consent', items: ['name', 'phone'], at: at('2026-03-04T01:00:00Z'), ledgerIndex: 1, ...over });
  const recipient = (id: string) => (id === 'seller-a' ? { name: 'Seller A', country: 'CN', role: 'third_party' as const } : registryRecipient(demo, id));

  it('groups releases per recipient and ground, with KST dates, items and ledger leaves; ko and en', () => {
    const n = buildUsageNotice(demo, {
      subject: 'c1',
      year: 2026,
      recipient,
      releases: [
        rel({ ledgerIndex: 7, at: at('2026-05-10T16:00:00Z'), items: ['address'] }), // 11 May in Korea
        rel({}),
        rel({ recipient: 'hanbit_express', declarationId: 'courier_delivery', basis: 'processor', items: ['name', 'address'], ledgerIndex: 3, at: at('2026-03-05T00:00:00Z') }),
        rel({ ledgerIndex: 9, at: at('2025-12-31T14:59:59Z') }), // 2025 in Korea: not in the notice
        rel({ ledgerIndex: 10, at: at('2026-06-01T00:00:00Z'), items: [] }), // nothing released
      ],
    });
    expect(n.period).toEqual({ from: '2026-01-01', to: '2026-12-31', time_zone: 'Asia/Seoul' });
    expect(n.entries).toEqual([
      { recipient: 'seller-a', recipient_name: 'Seller A', country: 'CN', role: 'third_party', declaration_id: 'sellers_fulfilment', purpose: 'order_fulfilment', ground: 'consent', items: ['address', 'name', 'phone'], dates: ['2026-03-04', '2026-05-11'], releases: 2, ledger_indexes: [1, 7] },
      { recipient: 'hanbit_express', recipient_name: { ko: '한빛익스프레스 주식회사', en: 'Hanbit Express Co., Ltd.' }, country: 'KR', role: 'processor', declaration_id: 'courier_delivery', purpose: 'order_fulfilment', ground: 'processor', items: ['address', 'name'], dates: ['2026-03-05'], releases: 1, ledger_indexes: [3] },
    ]);
    expect(n.messages.en.subject).toBe('[Harbor Bazaar Pte. Ltd.] How your personal data was used and provided in 2026');
    expect(n.messages.en.text).toContain('1. Seller A (CN) — provided to a third party');
    expect(n.messages.en.text).toContain('Items: Delivery address, Name, Mobile phone number');
    expect(n.messages.en.text).toContain('Ground: consent');
    expect(n.messages.en.text).toContain('When: 2026-03-04, 2026-05-11 (2 releases)');
    expect(n.messages.en.text).toContain('2. Hanbit Express Co., Ltd. (KR) — entrusted to a processor');
    expect(n.messages.ko.text).toContain('2. 한빛익스프레스 주식회사 (KR)');
    expect(n.messages.ko.subject).toBe('[하버바자 주식회사] 2026년 개인정보 이용·제공 내역 안내');
    expect(n.messages.ko.text).toContain('제20조의2');
    expect(n.messages.ko.text).toContain('항목: 배송지 주소, 이름, 휴대전화번호');
    expect(n.messages.ko.text).toContain('근거: 동의');
    expect(n.messages.ko.text).toContain('일자: 2026-03-04, 2026-05-11 (2회)');
    // The message names the recipients, never the subject.
    expect(n.messages.en.text).not.toContain('c1');
  });

  it('a year without releases says so; an unknown recipient id is shown, not hidden', () => {
    const empty = buildUsageNotice(demo, { subject: 'c2', year: 2026, recipient, releases: [] });
    expect(empty.entries).toEqual([]);
    expect(empty.messages.en.text).toContain('none of your personal data was provided');
    expect(empty.messages.ko.text).toContain('내역이 없습니다');
    const gone = buildUsageNotice(demo, { subject: 'c2', year: 2026, recipient, releases: [rel({ recipient: 'seller-gone' })] });
    expect(gone.entries[0]).toMatchObject({ recipient: 'seller-gone', recipient_name: 'seller-gone' });
  });
});
