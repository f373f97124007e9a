/**
 * RFC 4180 CSV for exports a subject opens in a spreadsheet. Cells that a spreadsheet would
 * run as a formula (=, +, -, @, tab, CR) get a leading apostrophe: an export must not turn a
 * seller-supplied or subject-supplied string into code on the subject's machine.
 */
const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
