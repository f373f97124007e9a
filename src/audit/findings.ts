import { articleFor } from '../core/gate/articles.ts';
import type { AuditCode, ShareRecord, Verdict } from '../core/audit/types.ts';
import { packFor } from '../core/law/packs.ts';
import type { Jurisdiction } from '../core/registry/schema.ts';

/**
 * Per-record findings as written by `--out`: one row per violating record, as CSV and JSONL.
 * A replay can write hundreds of thousands of rows, so lines are built directly (no intermediate
 * objects) and the code-dependent parts are cached per distinct code combination.
 */
export const FINDING_COLUMNS = [
  'line', 'timestamp', 'subject_id', 'recipient_id', 'class', 'country', 'purpose', 'items', 'declaration', 'codes', 'articles', 'law',
] as const;

/** The JSONL row shape (same fields as the CSV columns). */
export interface FindingRow {
  line: number;
  timestamp: string;
  subject_id: string;
  recipient_id: string;
  class: string | null;
  country: string | null;
  purpose: string;
  items: string[];
  declaration: string | null;
  codes: string[];
  /** Cited as the law version in force on the record's date (`law`) words it. */
  articles: string[];
  /** The law version that judged the record (summary `by_law`). */
  law: string;
}

export class FindingsFormatter {
  private readonly byCodes = new Map<string, { csv: string; json: string }>();
  constructor(private readonly jurisdiction: Jurisdiction) {}

  header(): string {
    return FINDING_COLUMNS.join(',') + '\n';
  }

  /** `[csvLine, jsonLine]` for a violating record. */
  lines(rec: ShareRecord, v: Verdict): [string, string] {
    const codes = v.codes.join(';');
    const key = `${codes}|${v.law}`;
    let tail = this.byCodes.get(key);
    if (!tail) {
      const version = packFor(this.jurisdiction).versions.find((x) => x.id === v.law);
      const articleOf = (c: AuditCode) => (c === 'NO_TRANSFER_GROUND' && version ? version.transferArticle : articleFor(c, this.jurisdiction));
      const articles = [...new Set(v.codes.map(articleOf))];
      tail = {
        csv: `${codes},${csvField(articles.join(';'))},${csvField(v.law)}`,
        json: `"codes":${JSON.stringify(v.codes)},"articles":${JSON.stringify(articles)},"law":${JSON.stringify(v.law)}`,
      };
      this.byCodes.set(key, tail);
    }
    const ts = new Date(rec.at).toISOString();
    const csv = `${rec.line},${ts},${csvField(rec.subject)},${csvField(rec.recipient)},${csvField(v.classId ?? '')},${v.country ?? ''},${csvField(rec.purpose)},${csvField(rec.items.join(';'))},${csvField(v.declarationId ?? '')},${tail.csv}\n`;
    const json =
      `{"line":${rec.line},"timestamp":"${ts}","subject_id":${JSON.stringify(rec.subject)},"recipient_id":${JSON.stringify(rec.recipient)},` +
      `"class":${nullable(v.classId)},"country":${nullable(v.country)},"purpose":${JSON.stringify(rec.purpose)},"items":${JSON.stringify(rec.items)},` +
      `"declaration":${nullable(v.declarationId)},${tail.json}}\n`;
    return [csv, json];
  }
}

const nullable = (s: string | undefined) => (s === undefined ? 'null' : JSON.stringify(s));

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
/** RFC 4180 quoting; leading/trailing spaces are quoted so a reader that trims keeps them. */
export function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
