import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { assessBreach, pipcThreshold, type BreachFacts, type Sensitivity } from '../../src/core/report/breach.ts';
import { buildReport } from '../../src/core/report/build.ts';
import { renderCsv } from '../../src/core/report/csv.ts';
import { renderHtml } from '../../src/core/report/html.ts';
import { MAX_PERIOD_MS, parseBound, parsePeriod } from '../../src/core/report/period.ts';
import { bucketsBetween, granularityOf, monthsBetween, refusalRate } from '../../src/core/report/stored.ts';

/** The PIPC threshold and the 72-hour clocks, with numbers alone (no 1,000 real releases needed). */
const text = readFileSync('examples/marketplace/registry.yaml', 'utf8');
const demo = new RegistryModel(parseRegistry(text).registry);
// The same registry with the personal customs code marked as a unique identifier.
const marked = new RegistryModel(
  parseRegistry(text.replace('labels: { ko: 개인통관고유부호, en: Personal customs clearance code }', 'labels: { ko: 개인통관고유부호, en: Personal customs clearance code }\n    sensitivity: unique_identifier')).registry,
);

const facts = (over: Partial<BreachFacts>): BreachFacts => ({ releases: 0, subjects: 0, krSubjects: 0, euSubjects: 0, items: [], recipients: [], pseudonyms: [], ...over });
const discoveredAt = Date.parse('2026-03-01T10:00:00Z');

describe('PIPC notification threshold (PIPA 34(3))', () => {
  it.each([
    [999, ['normal'], false, []],
    [1000, ['normal'], true, ['SUBJECTS_AT_LEAST_1000']],
    [1001, [], true, ['SUBJECTS_AT_LEAST_1000']],
    [1, ['normal', 'sensitive'], true, ['SENSITIVE_ITEM']],
    [1, ['unique_identifier'], true, ['UNIQUE_IDENTIFIER_ITEM']],
    [5000, ['sensitive', 'unique_identifier'], true, ['SUBJECTS_AT_LEAST_1000', 'SENSITIVE_ITEM', 'UNIQUE_IDENTIFIER_ITEM']],
    [0, ['sensitive'], false, []],
  ] as Array<[number, Sensitivity[], boolean, string[]]>)('%i subjects, items %j → %s', (n, items, met, reasons) => {
    expect(pipcThreshold(n, items)).toEqual({ met, reasons });
  });

  it('is met exactly from 1,000 subjects when no item is sensitive', () => {
    fc.assert(fc.property(fc.nat(1_000_000), (n) => pipcThreshold(n, ['normal']).met === n >= 1000));
  });

  it('a unique-identifier item in the registry triggers the report below 1,000 subjects', () => {
    const f = facts({ releases: 1200, subjects: 999, krSubjects: 999, items: ['name', 'customs_code'] });
    expect(assessBreach(demo, { recipient: 'seller-a', discoveredAt }, f).pipc_report).toEqual({ required: false, reasons: [], article: 'PIPA 34(3)' });
    const b = assessBreach(marked, { recipient: 'seller-a', discoveredAt }, f);
    expect(b.pipc_report).toEqual({ required: true, reasons: ['UNIQUE_IDENTIFIER_ITEM'], article: 'PIPA 34(3)' });
    expect(b.items).toEqual([
      { category: 'customs_code', sensitivity: 'unique_identifier' },
      { category: 'name', sensitivity: 'normal' },
    ]);
  });

  it('deadlines: 72 hours after discovery; GDPR 33 only with EU subjects; GDPR 34 without undue delay', () => {
    const kr = assessBreach(demo, { from: 0, to: discoveredAt, discoveredAt }, facts({ subjects: 1000, krSubjects: 1000 }));
    expect(kr.deadlines.map(({ article, duty, due, within, applies, rule }) => ({ article, duty, due, within, applies, rule }))).toEqual([
      { article: 'PIPA 34(1)', duty: 'notify affected subjects', due: '2026-03-04T10:00:00.000Z', within: '72 hours', applies: true, rule: 'KR.BREACH_SUBJECT_NOTICE' },
      { article: 'PIPA 34(3)', duty: 'report to the PIPC / KISA', due: '2026-03-04T10:00:00.000Z', within: '72 hours', applies: true, rule: 'KR.BREACH_REPORT_1000' },
      { article: 'GDPR 33', duty: 'notify the supervisory authority', due: '2026-03-04T10:00:00.000Z', within: '72 hours', applies: false, rule: 'EU.BREACH_AUTHORITY' },
      { article: 'GDPR 34', duty: 'communicate the breach to affected subjects', due: null, within: 'without undue delay', applies: false, rule: 'EU.BREACH_SUBJECT_NOTICE' },
    ]);
    const eu = assessBreach(demo, { recipient: 'adreach', discoveredAt }, facts({ subjects: 2, euSubjects: 2 }));
    expect(eu.deadlines.map((d) => d.applies)).toEqual([false, false, true, true]);
    expect(eu.subject_communication).toEqual({ required: true, high_risk: null, detail: 'high risk presumed: no assessment recorded', article: 'GDPR 34' });
  });

  it('PIPA 34(3): unauthorised access from outside triggers the PIPC report for a single subject', () => {
    expect(pipcThreshold(1, ['normal'], { unauthorisedAccess: true })).toEqual({ met: true, reasons: ['UNAUTHORISED_ACCESS'] });
    expect(pipcThreshold(0, ['normal'], { unauthorisedAccess: true })).toEqual({ met: false, reasons: [] });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999 }), fc.boolean(), (n, hacked) => pipcThreshold(n, ['normal'], { unauthorisedAccess: hacked }).met === hacked),
    );
    const stated = assessBreach(demo, { recipient: 'seller-a', discoveredAt, unauthorisedAccess: true }, facts({ subjects: 3, krSubjects: 3 }));
    expect(stated.cause).toEqual({ unauthorised_access: true });
    expect(stated.pipc_report).toEqual({ required: true, reasons: ['UNAUTHORISED_ACCESS'], article: 'PIPA 34(3)' });
    expect(stated.deadlines[1]).toMatchObject({ applies: true, rule: 'KR.BREACH_REPORT_UNAUTHORISED_ACCESS', due: '2026-03-04T10:00:00.000Z' });
    const unstated = assessBreach(demo, { recipient: 'seller-a', discoveredAt }, facts({ subjects: 3, krSubjects: 3 }));
    expect(unstated.cause).toEqual({ unauthorised_access: null });
    expect(unstated.pipc_report.required).toBe(false);
  });

  it('drafts the notice to the affected subjects (PIPA 34(1), GDPR 34(2)): the items and dates it knows, the rest marked as gaps', () => {
    const b = assessBreach(demo, { recipient: 'seller-a', from: Date.parse('2026-02-01T00:00:00Z'), discoveredAt }, facts({ subjects: 2, krSubjects: 2, items: ['name', 'customs_code'], pseudonyms: ['sp_a'] }));
    expect(b.subject_notice.to_fill).toEqual(['how_it_happened', 'likely_consequences', 'measures_taken', 'what_you_can_do']);
    expect(b.subject_notice.en.subject).toBe('[Harbor Bazaar Pte. Ltd.] A breach of your personal data');
    expect(b.subject_notice.en.text).toContain('   Personal customs clearance code, Name\n');
    expect(b.subject_notice.en.text).toContain('Period concerned: 2026-02-01T00:00:00.000Z to …');
    expect(b.subject_notice.en.text).toContain('We became aware of it on: 2026-03-01T10:00:00.000Z');
    expect(b.subject_notice.en.text).toContain('privacy officer Jiwon Park (privacy@harbor-bazaar.example');
    for (const g of b.subject_notice.to_fill) {
      expect(b.subject_notice.en.text).toContain(`[[${g}]]`);
      expect(b.subject_notice.ko.text).toContain(`[[${g}]]`);
    }
    expect(b.subject_notice.ko.text).toContain('개인통관고유부호, 이름');
    expect(b.subject_notice.ko.text).toContain('제34조');
    // One text for everyone: no pseudonym, no subject.
    expect(b.subject_notice.en.text).not.toContain('sp_a');
    const html = renderHtml(buildReport({ registry: demo, lang: 'en', from: 0, to: discoveredAt, generatedAt: discoveredAt, breach: b, provisionRows: 200 }));
    expect(html).toContain('Draft notice to the affected subjects');
  });

  it('GDPR 34: the controller may record a risk that is not high, except for special-category or unique-identifier items', () => {
    const f = facts({ subjects: 4, euSubjects: 4, items: ['name', 'customs_code'] });
    expect(assessBreach(demo, { recipient: 'adreach', discoveredAt, highRisk: false }, f).subject_communication).toMatchObject({ required: false, high_risk: false });
    expect(assessBreach(demo, { recipient: 'adreach', discoveredAt, highRisk: true }, f).subject_communication).toMatchObject({ required: true, high_risk: true });
    expect(assessBreach(marked, { recipient: 'adreach', discoveredAt, highRisk: false }, f).subject_communication).toMatchObject({ required: true, high_risk: false });
    expect(assessBreach(demo, { recipient: 'adreach', discoveredAt, highRisk: true }, facts({ subjects: 4, krSubjects: 4 })).subject_communication.required).toBe(false);
  });

  it('the breach section lists pseudonyms only in the full (CSV) rendering', () => {
    const b = assessBreach(demo, { recipient: 'seller-a', discoveredAt }, facts({ subjects: 2, krSubjects: 2, pseudonyms: ['sp_b', 'sp_a'] }));
    const ctx = { registry: demo, lang: 'en' as const, from: 0, to: discoveredAt, generatedAt: discoveredAt, breach: b };
    const csv = renderCsv(buildReport({ ...ctx, provisionRows: Infinity }));
    expect(csv).toContain('breach,Affected subjects (pseudonyms),sp_a\r\nbreach,Affected subjects (pseudonyms),sp_b');
    const html = renderHtml(buildReport({ ...ctx, provisionRows: 200 }));
    expect(html).not.toContain('sp_a');
    expect(html).toContain('Breach impact (PIPA 34, GDPR 33, 34)');
    expect(html).toContain('without undue delay');
  });
});

describe('report periods and time buckets', () => {
  const dayArb = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

  it('a date bound covers its whole UTC day', () => {
    fc.assert(fc.property(dayArb, (d) => parseBound(d, 'to', true) - parseBound(d, 'from', false) === 86_400_000 - 1));
  });

  it('from after to is refused naming the field; garbage is INVALID_DATE', () => {
    fc.assert(
      fc.property(dayArb, dayArb, (a, b) => {
        const long = Date.parse(`${b}T23:59:59.999Z`) - Date.parse(`${a}T00:00:00Z`) > MAX_PERIOD_MS;
        if (a <= b && !long) {
          const p = parsePeriod(a, b);
          return p.from === Date.parse(`${a}T00:00:00Z`) && p.to === Date.parse(`${b}T23:59:59.999Z`);
        }
        try {
          parsePeriod(a, b);
          return false;
        } catch (e) {
          const path = (e as { details: Array<{ path: string }> }).details[0]!.path;
          return (e as { code: string }).code === 'INVALID_PERIOD' && path === (a > b ? 'from' : 'to');
        }
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }).filter((s) => !/^\d{4}-\d{2}-\d{2}/.test(s)), (s) => {
        try {
          parseBound(s, 'from', false);
          return false;
        } catch (e) {
          return (e as { code: string; details: Array<{ path: string }> }).code === 'INVALID_DATE' && (e as { details: Array<{ path: string }> }).details[0]!.path === 'from';
        }
      }),
    );
  });

  it('buckets cover the period without gaps: days up to 62 days, months beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 3000 * 86_400_000 }), (from, len) => {
        const to = from + len;
        const g = granularityOf(from, to);
        const b = bucketsBetween(from, to, g);
        if (g === 'day') return b.length === Math.floor(to / 86_400_000) - Math.floor(from / 86_400_000) + 1 && b[0] === new Date(from).toISOString().slice(0, 10);
        const a = new Date(from);
        const z = new Date(to);
        return b.length === (z.getUTCFullYear() - a.getUTCFullYear()) * 12 + z.getUTCMonth() - a.getUTCMonth() + 1 && b.at(-1) === z.toISOString().slice(0, 7);
      }),
    );
    expect(monthsBetween(Date.parse('2025-11-15T00:00:00Z'), Date.parse('2026-02-01T00:00:00Z'))).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('refusal rate is refusals over answers, undefined with no answers', () => {
    expect(refusalRate(3, 1)).toBe(0.25);
    expect(refusalRate(0, 0)).toBeNull();
    expect(refusalRate(0, 2)).toBe(1);
  });
});
