import type { Readable } from 'node:stream';
import { CgError } from '../core/errors.ts';
import { SHARE_COLUMNS, validateShare, type RawShare } from '../core/audit/record.ts';
import type { BadRow, ShareRecord } from '../core/audit/types.ts';
import { headerIndex, parseCsvLine } from './csv.ts';
import { lineBatches } from './lines.ts';

/**
 * Streams a share log — CSV with a header, or JSONL — as batches of records and bad rows.
 * The format is sniffed from the first non-blank line (`{` → JSONL). A CSV header missing a
 * required column is a `CgError` (exit 2): nothing in the file could be judged. Everything wrong
 * with a single row is a `BadRow` with its line number, and the run goes on.
 */
export interface ShareBatch {
  readonly rows: ReadonlyArray<ShareRecord | BadRow>;
  /** Bytes of the file consumed so far. */
  readonly bytes: number;
}

/** Line accounting: every line is exactly one of header, blank, record or bad row. */
export interface LineCounts {
  lines: number;
  header: number;
  blank: number;
  format: 'csv' | 'jsonl' | 'empty';
}

export async function* shareBatches(stream: Readable, file: string, counts: LineCounts = newCounts(), maxLineChars?: number): AsyncGenerator<ShareBatch> {
  let parseRow: ((line: number, text: string) => ShareRecord | BadRow) | undefined;
  for await (const batch of lineBatches(stream, maxLineChars)) {
    const rows: Array<ShareRecord | BadRow> = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const lineNo = batch.first + i;
      const text = batch.lines[i]!;
      counts.lines++;
      if (text === null) {
        rows.push({ line: lineNo, message: 'line is too long' });
        continue;
      }
      if (text.trim() === '') {
        counts.blank++;
        continue;
      }
      if (!parseRow) {
        if (text.trimStart().startsWith('{')) {
          counts.format = 'jsonl';
          parseRow = jsonlRow;
        } else {
          counts.format = 'csv';
          counts.header++;
          parseRow = csvRowParser(text, file, lineNo);
          continue;
        }
      }
      rows.push(parseRow(lineNo, text));
    }
    if (rows.length > 0) yield { rows, bytes: batch.bytes };
  }
}

export const newCounts = (): LineCounts => ({ lines: 0, header: 0, blank: 0, format: 'empty' });

function jsonlRow(line: number, text: string): ShareRecord | BadRow {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { line, message: 'not valid JSON' };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { line, message: 'must be a JSON object' };
  const r = o as Record<string, unknown>;
  return validateShare(line, {
    timestamp: r.timestamp,
    subject_id: r.subject_id,
    recipient_id: r.recipient_id,
    purpose: r.purpose,
    items: r.items,
    recipient_country: r.recipient_country,
  });
}

function csvRowParser(headerLine: string, file: string, lineNo: number): (line: number, text: string) => ShareRecord | BadRow {
  const header = parseCsvLine(headerLine);
  if (!Array.isArray(header)) throw new CgError('INVALID_HEADER', `${file}:${lineNo}: header is not CSV: ${header.error}`, 400, [{ code: 'INVALID_HEADER', message: header.error, line: lineNo }]);
  const idx = headerIndex(header);
  const missing = SHARE_COLUMNS.filter((c) => !idx.has(c));
  if (missing.length > 0) {
    throw new CgError(
      'MISSING_COLUMN',
      `${file}:${lineNo}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (need ${SHARE_COLUMNS.join(', ')}; optional recipient_country)`,
      400,
      missing.map((m) => ({ code: 'MISSING_COLUMN', message: `missing column "${m}"`, path: m, line: lineNo })),
    );
  }
  const col = (name: string) => idx.get(name)!;
  const [t, s, r, p, it] = SHARE_COLUMNS.map(col) as [number, number, number, number, number];
  const c = idx.get('recipient_country');
  const width = header.length;
  return (line, text) => {
    const fields = parseCsvLine(text);
    if (!Array.isArray(fields)) return { line, message: fields.error };
    if (fields.length !== width) return { line, message: `has ${fields.length} fields; the header has ${width}` };
    const items = fields[it]!;
    const raw: RawShare = {
      timestamp: fields[t],
      subject_id: fields[s],
      recipient_id: fields[r],
      purpose: fields[p],
      items: splitItems(items),
      recipient_country: c === undefined ? undefined : fields[c],
    };
    return validateShare(line, raw);
  };
}

function splitItems(text: string): string[] {
  if (text === '') return [];
  const items = text.split(';');
  for (let i = 0; i < items.length; i++) items[i] = items[i]!.trim();
  return items;
}
