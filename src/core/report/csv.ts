import type { Report, Table } from './model.ts';

/**
 * Every table of a report (chart data included) as CSV blocks separated by a blank line; each
 * row starts with the section id and the table caption so a filtered sheet keeps its context.
 * Cells starting with = + - @ are prefixed with ' so spreadsheets do not run them as formulas.
 */
export function renderCsv(r: Report): string {
  const blocks: string[] = [];
  for (const s of r.sections) {
    for (const b of s.blocks) {
      // A preformatted block (the signed checkpoint note) is one cell, byte for byte.
      const tb: Table | undefined =
        b.kind === 'table' ? b : b.kind === 'chart' ? b.data : b.kind === 'pre' ? { kind: 'table', caption: b.caption, columns: ['text'], rows: [[b.text]] } : undefined;
      if (!tb) continue;
      const rows = [['section', 'table', ...tb.columns], ...tb.rows.map((row) => [s.id, tb.caption, ...row.map(String)])];
      blocks.push(rows.map((row) => row.map(cell).join(',')).join('\r\n'));
    }
  }
  return '\uFEFF' + blocks.join('\r\n\r\n') + '\r\n';
}

function cell(v: string): string {
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
