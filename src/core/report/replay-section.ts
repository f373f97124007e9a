import { AUDIT_CODES } from '../audit/types.ts';
import { t } from './i18n.ts';
import type { ReportContext, ReportSource, Section, Table } from './model.ts';
import { barChart, lineChart } from './svg.ts';

/** Findings of a log replay: totals, codes with their articles, countries and the monthly trend. */
export const replaySource: ReportSource = {
  id: 'replay',
  build(ctx: ReportContext): Section[] {
    const s = ctx.replay;
    if (!s) return [];
    const { lang } = ctx;
    const rules: Table = {
      kind: 'table',
      caption: t(lang, 'data_of', { c: t(lang, 'by_rule_chart') }),
      columns: [t(lang, 'code'), t(lang, 'article'), t(lang, 'records'), t(lang, 'subjects')],
      rows: AUDIT_CODES.map((c) => [c, s.by_rule[c].article, s.by_rule[c].records, s.by_rule[c].subjects]),
    };
    const lawTable: Table = {
      kind: 'table',
      caption: t(lang, 'by_law'),
      columns: [t(lang, 'law_version'), t(lang, 'in_force'), t(lang, 'code'), t(lang, 'article'), t(lang, 'records'), t(lang, 'subjects')],
      rows: Object.entries(s.by_law).flatMap(([id, l]) =>
        AUDIT_CODES.filter((c) => l.by_rule[c].records > 0).map((c) => [id, `${l.from ?? '…'} .. ${l.to ?? ''}`, c, l.by_rule[c].article, l.by_rule[c].records, l.by_rule[c].subjects]),
      ),
    };
    const countries = Object.entries(s.by_country).sort(([, a], [, b]) => b.violating_records - a.violating_records);
    const countryTable: Table = {
      kind: 'table',
      caption: t(lang, 'data_of', { c: t(lang, 'by_country_chart') }),
      columns: [t(lang, 'country'), t(lang, 'records'), t(lang, 'violating'), t(lang, 'subjects'), t(lang, 'affected')],
      rows: countries.map(([k, b]) => [k, b.records, b.violating_records, b.subjects, b.affected_subjects]),
    };
    const months = Object.keys(s.by_month);
    const monthTable: Table = {
      kind: 'table',
      caption: t(lang, 'data_of', { c: t(lang, 'by_month_chart') }),
      columns: [t(lang, 'month'), t(lang, 'records'), t(lang, 'violating')],
      rows: months.map((k) => [k, s.by_month[k]!.records, s.by_month[k]!.violating_records]),
    };
    return [
      {
        id: 'replay',
        title: t(lang, 'replay'),
        // A code found under several law versions cites each ("…(former); PIPA 28-8(1)").
        articles: [...new Set(AUDIT_CODES.flatMap((c) => s.by_rule[c].article.split('; ')))],
        blocks: [
          { kind: 'paragraph', text: t(lang, 'replay_text') },
          {
            kind: 'facts',
            caption: t(lang, 'totals'),
            items: [
              [t(lang, 'records'), s.records.toLocaleString('en-US')],
              [t(lang, 'violating'), s.violating_records.toLocaleString('en-US')],
              [t(lang, 'subjects'), s.subjects.toLocaleString('en-US')],
              [t(lang, 'affected'), s.affected_subjects.toLocaleString('en-US')],
              [t(lang, 'bad_rows'), s.bad_rows.count.toLocaleString('en-US')],
            ],
          },
          {
            kind: 'chart',
            caption: t(lang, 'by_rule_chart'),
            svg: barChart('chart-rules', t(lang, 'by_rule_chart'), describe(rules), AUDIT_CODES.map((c) => ({ label: c, value: s.by_rule[c].records }))),
            data: rules,
          },
          ...(s.code_occurrences > s.violating_records
            ? [{ kind: 'paragraph' as const, text: t(lang, 'several_codes', { n: s.code_occurrences.toLocaleString('en-US'), v: s.violating_records.toLocaleString('en-US') }) }]
            : []),
          ...(lawTable.rows.length > 0 ? [lawTable] : []),
          {
            kind: 'chart',
            caption: t(lang, 'by_country_chart'),
            svg: barChart('chart-countries', t(lang, 'by_country_chart'), describe(countryTable), countries.map(([k, b]) => ({ label: k, value: b.violating_records }))),
            data: countryTable,
          },
          {
            kind: 'chart',
            caption: t(lang, 'by_month_chart'),
            svg: lineChart('chart-months', t(lang, 'by_month_chart'), describe(monthTable), months, [
              { name: t(lang, 'records'), values: months.map((k) => s.by_month[k]!.records) },
              { name: t(lang, 'violating'), values: months.map((k) => s.by_month[k]!.violating_records) },
            ]),
            data: monthTable,
          },
        ],
      },
    ];
  },
};

/** A one-line text alternative: the first rows of the data. */
function describe(table: Table): string {
  return table.rows.slice(0, 8).map((r) => r.join(' ')).join('; ');
}
