import { parseTimestamp } from '../time/timestamp.ts';
import type { BadRow, ConsentEvent, Member, ShareRecord } from './types.ts';

/**
 * Validation of one input row, independent of the file format: the CSV and JSONL readers map a
 * row to these raw fields and get back a typed record or a `BadRow` naming the field.
 */
export const MAX_ID_LENGTH = 256;
export const MAX_ITEMS = 100;

export const SHARE_COLUMNS = ['timestamp', 'subject_id', 'recipient_id', 'purpose', 'items'] as const;
export const MEMBER_COLUMNS = ['recipient_id', 'class', 'country'] as const;

export interface RawShare {
  readonly timestamp: unknown;
  readonly subject_id: unknown;
  readonly recipient_id: unknown;
  readonly purpose: unknown;
  /** Already split: CSV `a;b` → ['a', 'b']; JSONL passes its array as is. */
  readonly items: unknown;
  readonly recipient_country?: unknown;
}

const COUNTRY = /^[A-Z]{2}$/;

export const isBadRow = (x: object): x is BadRow => 'message' in x;

export function validateShare(line: number, raw: RawShare): ShareRecord | BadRow {
  const at = timestamp(raw.timestamp);
  if (at === undefined) return bad(line, 'timestamp', describeTimestamp(raw.timestamp));
  for (const f of ['subject_id', 'recipient_id', 'purpose'] as const) {
    const problem = idProblem(raw[f]);
    if (problem) return bad(line, f, problem);
  }
  const items = raw.items;
  if (!Array.isArray(items)) return bad(line, 'items', 'must be a list of data category ids');
  if (items.length === 0) return bad(line, 'items', 'is empty: a share releases at least one item');
  if (items.length > MAX_ITEMS) return bad(line, 'items', `has ${items.length} entries; the limit is ${MAX_ITEMS}`);
  for (const item of items) {
    const problem = idProblem(item);
    if (problem) return bad(line, 'items', `entry ${problem}`);
  }
  const c = raw.recipient_country;
  let country: string | undefined;
  if (c !== undefined && c !== null && c !== '') {
    if (typeof c !== 'string' || !COUNTRY.test(c.toUpperCase())) return bad(line, 'recipient_country', 'must be an ISO 3166-1 alpha-2 code such as KR or CN');
    country = c.toUpperCase();
  }
  const rec: { -readonly [K in keyof ShareRecord]: ShareRecord[K] } = {
    line,
    at,
    subject: raw.subject_id as string,
    recipient: raw.recipient_id as string,
    purpose: raw.purpose as string,
    items: items as string[],
  };
  if (country) rec.country = country;
  return rec;
}

/** `declarationExists` lets the loader refuse histories that name declarations the registry lacks. */
export function validateConsent(line: number, raw: unknown, declarationExists: (id: string) => boolean): ConsentEvent | BadRow {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(line, undefined, 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  const at = timestamp(o.at);
  if (at === undefined) return bad(line, 'at', describeTimestamp(o.at));
  const subjectProblem = idProblem(o.subject);
  if (subjectProblem) return bad(line, 'subject', subjectProblem);
  if (o.action !== 'grant' && o.action !== 'withdraw') return bad(line, 'action', 'must be "grant" or "withdraw"');
  const declProblem = idProblem(o.declaration);
  if (declProblem) return bad(line, 'declaration', declProblem);
  if (!declarationExists(o.declaration as string)) {
    return { line, code: 'UNKNOWN_DECLARATION', field: 'declaration', message: `unknown declaration "${String(o.declaration)}" (not in the registry)` };
  }
  if (o.recipient !== undefined && o.recipient !== null) {
    const problem = idProblem(o.recipient);
    if (problem) return bad(line, 'recipient', problem);
  }
  return {
    line,
    at,
    subject: o.subject as string,
    action: o.action,
    declaration: o.declaration as string,
    ...(typeof o.recipient === 'string' ? { recipient: o.recipient } : {}),
  };
}

export function validateMember(line: number, raw: Record<(typeof MEMBER_COLUMNS)[number], unknown>): Member | BadRow {
  for (const f of ['recipient_id', 'class'] as const) {
    const problem = idProblem(raw[f]);
    if (problem) return bad(line, f, problem);
  }
  const c = raw.country;
  if (typeof c !== 'string' || !COUNTRY.test(c.toUpperCase())) return bad(line, 'country', 'must be an ISO 3166-1 alpha-2 code such as KR or CN');
  return { line, id: raw.recipient_id as string, classId: raw.class as string, country: c.toUpperCase() };
}

function timestamp(v: unknown): number | undefined {
  return typeof v === 'string' ? parseTimestamp(v.trim()) : undefined;
}

function describeTimestamp(v: unknown): string {
  if (v === undefined || v === null || v === '') return 'is missing';
  return 'is not an ISO 8601 timestamp with a UTC offset, e.g. 2024-03-01T09:30:00+09:00';
}

function idProblem(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return 'is missing';
  if (typeof v !== 'string') return 'must be a string';
  if (v.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  return undefined;
}

function bad(line: number, field: string | undefined, message: string): BadRow {
  return { line, ...(field ? { field } : {}), message };
}
