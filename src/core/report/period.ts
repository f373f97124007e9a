import { CgError } from '../errors.ts';
import { parseTimestamp } from '../time/timestamp.ts';
import { DATE_MAX, DATE_MIN, inDateRange } from '../time/date-range.ts';
import { parseCivil } from '../time/civil-date.ts';
import { dayBounds } from './zone.ts';

/** Longest period a report covers: the month axis of its charts stays readable. */
export const MAX_PERIOD_MS = 20 * 366 * 86_400_000;

/**
 * A report bound: `YYYY-MM-DD` is the whole day in `timeZone` (UTC unless the caller chose the
 * regulator's zone, src/core/report/zone.ts; a start takes its first millisecond, an end its last),
 * otherwise an ISO 8601 timestamp with an offset. `field` names the input in errors (`--from` on
 * the command line, `from` in the API).
 */
export function parseBound(text: string, field: string, end: boolean, timeZone = 'UTC'): number {
  const isDay = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const civil = isDay ? parseCivil(text) : undefined;
  const bounds = civil && timeZone !== 'UTC' ? dayBounds(civil, timeZone) : undefined;
  if (bounds) {
    if (!inDateRange(bounds.start) || !inDateRange(bounds.end)) {
      throw new CgError('INVALID_DATE', `${field} "${text}" is outside ${DATE_MIN} .. ${DATE_MAX}`, 400, [
        { code: 'INVALID_DATE', message: `dates run from ${DATE_MIN} to ${DATE_MAX}`, path: field },
      ]);
    }
    return end ? bounds.end : bounds.start;
  }
  const ms = text.length > 64 ? undefined : isDay ? parseTimestamp(`${text}T00:00:00Z`) : parseTimestamp(text);
  if (ms !== undefined && !inDateRange(ms)) {
    throw new CgError('INVALID_DATE', `${field} "${text.slice(0, 64)}" is outside ${DATE_MIN} .. ${DATE_MAX}`, 400, [
      { code: 'INVALID_DATE', message: `dates run from ${DATE_MIN} to ${DATE_MAX}`, path: field },
    ]);
  }
  if (ms === undefined) {
    throw new CgError('INVALID_DATE', `${field} "${text.slice(0, 64)}" is not a date (YYYY-MM-DD) or an ISO 8601 timestamp with offset`, 400, [
      { code: 'INVALID_DATE', message: 'not a date (YYYY-MM-DD) or an ISO 8601 timestamp with offset', path: field },
    ]);
  }
  return end && isDay ? ms + 86_400_000 - 1 : ms;
}

/** Both bounds, in order, and not longer than MAX_PERIOD_MS. */
export function parsePeriod(fromText: string, toText: string, fields: { from: string; to: string } = { from: 'from', to: 'to' }, timeZone = 'UTC'): { from: number; to: number } {
  const from = parseBound(fromText, fields.from, false, timeZone);
  const to = parseBound(toText, fields.to, true, timeZone);
  if (from > to) {
    throw new CgError('INVALID_PERIOD', `${fields.from} ${fromText} is after ${fields.to} ${toText}`, 400, [{ code: 'INVALID_PERIOD', message: 'from is after to', path: fields.from }]);
  }
  if (to - from > MAX_PERIOD_MS) {
    throw new CgError('INVALID_PERIOD', `the period ${fromText} .. ${toText} is longer than 20 years`, 400, [{ code: 'INVALID_PERIOD', message: 'longer than 20 years', path: fields.to }]);
  }
  return { from, to };
}
