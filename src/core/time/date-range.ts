import { z } from 'zod';
import { parseTimestamp } from './timestamp.ts';

/**
 * The dates ConsentGate accepts anywhere: calendar days and instants from 1900-01-01 to
 * 9999-12-31 (UTC). Both engines store far more (PostgreSQL `date` from 4713 BC), but not year
 * 0000 (there is no year 0: PostgreSQL answers 22008), and a year above 9999 no longer prints as
 * an RFC 3339 timestamp (`+010000-…`), which every log entry and receipt relies on. Nobody alive
 * was born before 1900, and no key or consent needs to outlive 9999, so the range refuses only
 * typing mistakes and probes.
 *
 * Every route declares its date fields with `isoDate()`, `isoDateTime()` or `dayOrInstant()`;
 * the HTTP validator also bounds any other date-format string a route schema declares
 * (src/http/input-guard.ts), so a route that forgets the helpers is still protected.
 */
export const DATE_MIN = '1900-01-01';
export const DATE_MAX = '9999-12-31';
export const DATE_MIN_MS = Date.UTC(1900, 0, 1);
export const DATE_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Marks a schema as a date field in the OpenAPI document (and for the route tests that enumerate them). */
export const DATE_FIELD_KEY = 'x-consentgate-date';
export type DateKind = 'date' | 'date-time' | 'date-or-date-time';

export const inDateRange = (ms: number): boolean => Number.isFinite(ms) && ms >= DATE_MIN_MS && ms <= DATE_MAX_MS;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The instant a date-shaped string names: a calendar day (its first millisecond, UTC) or a
 * timestamp with offset. undefined when the text is neither (it is then some other field's text).
 */
export function dateTextInstant(text: string): number | undefined {
  const d = DAY.exec(text);
  if (d) {
    const ms = new Date(0).setUTCFullYear(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
    return Number.isNaN(ms) ? undefined : ms;
  }
  return text.length <= 64 ? parseTimestamp(text) : undefined;
}

/** A zod issue for a date outside the range, or undefined. Shared by the helpers and the HTTP guard. */
export function dateRangeIssue(text: string): { code: 'too_small' | 'too_big'; message: string } | undefined {
  const ms = dateTextInstant(text);
  if (ms === undefined || inDateRange(ms)) return undefined;
  return ms < DATE_MIN_MS
    ? { code: 'too_small', message: `dates start at ${DATE_MIN}` }
    : { code: 'too_big', message: `dates end at ${DATE_MAX}` };
}

function bounded<S extends z.ZodString | z.ZodISODate | z.ZodISODateTime>(schema: S, kind: DateKind) {
  return schema
    .superRefine((text, ctx) => {
      const issue = dateRangeIssue(text);
      if (!issue) return;
      if (issue.code === 'too_small') ctx.addIssue({ code: 'too_small', origin: 'date', minimum: DATE_MIN_MS, inclusive: true, input: text, message: issue.message });
      else ctx.addIssue({ code: 'too_big', origin: 'date', maximum: DATE_MAX_MS, inclusive: true, input: text, message: issue.message });
    })
    .meta({ [DATE_FIELD_KEY]: kind, formatMinimum: DATE_MIN, formatMaximum: DATE_MAX });
}

/** `YYYY-MM-DD`, a real calendar day between 1900-01-01 and 9999-12-31. */
export const isoDate = () => bounded(z.iso.date(), 'date');

/** An RFC 3339 timestamp with `Z` or an offset, naming an instant in the range. */
export const isoDateTime = () => bounded(z.iso.datetime({ offset: true }), 'date-time');

/**
 * Report bounds: `YYYY-MM-DD` (a whole UTC day) or an ISO 8601 timestamp with offset, as text the
 * caller parses (src/core/report/period.ts, which also checks the range with its own error code).
 */
export const dayOrInstant = () => z.string().min(1).max(64).meta({ [DATE_FIELD_KEY]: 'date-or-date-time' as DateKind, formatMinimum: DATE_MIN, formatMaximum: DATE_MAX });
