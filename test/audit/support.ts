import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAD_ROWS, CASES, type Case } from './cases.ts';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
export const fixture = (name: string) => join(FIXTURES, name);

export const tempDir = () => mkdtempSync(join(tmpdir(), 'cg-audit-'));

/** CSV of CASES + BAD_ROWS; every third row fully quoted to exercise RFC 4180 quoting. */
export function casesCsv(opts: { bom?: boolean; crlf?: boolean } = {}): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const rows = ['timestamp,subject_id,recipient_id,purpose,items,recipient_country'];
  CASES.forEach((c: Case, i) => {
    const f = [c.ts, c.subject, c.recipient, c.purpose, c.items, c.country ?? ''];
    rows.push(i % 3 === 0 ? f.map(q).join(',') : f.join(','));
  });
  rows.push(...BAD_ROWS.slice(0, 3).map((b) => b.csv), '', BAD_ROWS[3]!.csv);
  const nl = opts.crlf ? '\r\n' : '\n';
  return (opts.bom ? '\uFEFF' : '') + rows.join(nl) + nl;
}

export function casesJsonl(): string {
  const rows = [''];
  for (const c of CASES) {
    rows.push(JSON.stringify({ timestamp: c.ts, subject_id: c.subject, recipient_id: c.recipient, purpose: c.purpose, items: c.items.split(';'), ...(c.country ? { recipient_country: c.country } : {}) }));
  }
  rows.push(...BAD_ROWS.slice(0, 3).map((b) => b.jsonl), '', BAD_ROWS[3]!.jsonl);
  return rows.join('\n') + '\n';
}

export function writeTemp(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
