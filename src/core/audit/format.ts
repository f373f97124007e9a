import { AUDIT_CODES } from './types.ts';
import type { BucketStats, ReplaySummary } from './summary.ts';

/** Human and spreadsheet renderings of a replay summary (`--format table|csv`). */
export function summaryTable(s: ReplaySummary): string {
  const out: string[] = [];
  out.push(`Replayed ${s.records} share records (${s.period.from ?? '-'} .. ${s.period.to ?? '-'}), ${s.subjects} subjects, jurisdiction ${s.jurisdiction}`);
  out.push(`Violating records: ${s.violating_records}   affected subjects: ${s.affected_subjects}   bad rows: ${s.bad_rows.count}`);
  out.push('');
  out.push(table(['code', 'records', 'subjects', 'article'], AUDIT_CODES.map((c) => [c, s.by_rule[c].records, s.by_rule[c].subjects, s.by_rule[c].article])));
  out.push(
    `One record can carry several codes: the per-code counts add up to ${s.code_occurrences} over ${s.violating_records} violating records.`,
  );
  for (const [id, l] of Object.entries(s.by_law)) {
    out.push('');
    out.push(`Judged by ${id} (${l.title}): ${l.records} records, ${l.violating_records} violating`);
    const rows = AUDIT_CODES.filter((c) => l.by_rule[c].records > 0).map((c) => [c, l.by_rule[c].records, l.by_rule[c].subjects, l.by_rule[c].article]);
    if (rows.length > 0) out.push(table(['code', 'records', 'subjects', 'article'], rows));
  }
  out.push('');
  out.push(table(['country', 'records', 'violating', 'subjects', 'affected'], Object.entries(s.by_country).map(([k, b]) => [k, ...bucket(b)])));
  const recipients = Object.entries(s.by_recipient).sort(([, a], [, b]) => b.violating_records - a.violating_records).slice(0, 20);
  out.push('');
  out.push(table(['recipient (top 20 by violations)', 'country', 'records', 'violating', 'subjects', 'affected'], recipients.map(([k, b]) => [k, b.country ?? '', ...bucket(b)])));
  if (s.retention_unchecked > 0) out.push(`\n${s.retention_unchecked} records fall under a retention that runs from the end of the contract, which a share log cannot show: not checked.`);
  if (s.out_of_order > 0) out.push(`${s.out_of_order} records were out of timestamp order: collection anchors may be late for them.`);
  if (s.bad_rows.count > 0) {
    out.push(`\nBad rows (${s.bad_rows.count}${s.bad_rows.count > s.bad_rows.lines.length ? `, first ${s.bad_rows.lines.length} listed` : ''}):`);
    for (const b of s.bad_rows.lines) out.push(`  line ${b.line}${b.field ? ` ${b.field}` : ''}: ${b.message}`);
  }
  return out.join('\n') + '\n';
}

/** One row per statistic: `section,key,records,violating_records,subjects,affected_subjects,article`. */
export function summaryCsv(s: ReplaySummary): string {
  const rows: Array<Array<string | number>> = [['section', 'key', 'records', 'violating_records', 'subjects', 'affected_subjects', 'article']];
  rows.push(['total', '', s.records, s.violating_records, s.subjects, s.affected_subjects, '']);
  for (const c of AUDIT_CODES) rows.push(['rule', c, s.by_rule[c].records, s.by_rule[c].records, s.by_rule[c].subjects, s.by_rule[c].subjects, s.by_rule[c].article]);
  for (const [id, l] of Object.entries(s.by_law)) {
    rows.push(['law', id, l.records, l.violating_records, '', '', '']);
    for (const c of AUDIT_CODES) rows.push(['law_rule', `${id}/${c}`, l.by_rule[c].records, l.by_rule[c].records, l.by_rule[c].subjects, l.by_rule[c].subjects, l.by_rule[c].article]);
  }
  for (const [k, b] of Object.entries(s.by_country)) rows.push(['country', k, ...bucket(b), '']);
  for (const [k, b] of Object.entries(s.by_recipient)) rows.push(['recipient', k, ...bucket(b), '']);
  rows.push(['bad_rows', '', s.bad_rows.count, '', '', '', '']);
  return rows.map((r) => r.map((v) => csvCell(String(v))).join(',')).join('\n') + '\n';
}

const bucket = (b: BucketStats) => [b.records, b.violating_records, b.subjects, b.affected_subjects];

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
