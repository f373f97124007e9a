import { CgError } from '../errors.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { addDays, civilDateAt, formatCivil, isValidTimeZone, offsetAt, parseCivil, startOfDay, type CivilDate } from '../time/civil-date.ts';

/**
 * The time zone a report's days are counted in. A regulator reads "1 January" in its own time:
 * a report for the PIPC covers Korean days (Asia/Seoul), one for an EU authority the days of the
 * EU's seat (Europe/Brussels, the zone the rights deadlines also default to), unless the operator
 * configured a zone of its own. UTC days would move every boundary by hours — `--from 2023-01-01`
 * started at 09:00 in Seoul — and records near midnight would fall into the wrong period.
 */
export type Authority = 'pipc' | 'eu';

export const AUTHORITY_ZONES: Readonly<Record<Authority, string>> = { pipc: 'Asia/Seoul', eu: 'Europe/Brussels' };

export interface ZoneChoice {
  readonly zone: string;
  /** Why this zone, for the report's readers: "PIPC", "EU authority", "configured", "UTC". */
  readonly basis: 'configured' | Authority | 'utc';
}

/**
 * An explicit zone wins (the operator's `--tz` / CONSENTGATE_REPORT_TZ), then the authority asked
 * for, then the registry: an operator serving Korean residents reports to the PIPC, one serving
 * only the EU to an EU authority.
 */
export function reportZone(jurisdictions: readonly Jurisdiction[], opts: { tz?: string | undefined; authority?: Authority | undefined } = {}): ZoneChoice {
  if (opts.tz !== undefined) return { zone: checkZone(opts.tz), basis: 'configured' };
  if (opts.authority) return { zone: AUTHORITY_ZONES[opts.authority], basis: opts.authority };
  if (jurisdictions.includes('KR')) return { zone: AUTHORITY_ZONES.pipc, basis: 'pipc' };
  if (jurisdictions.includes('EU')) return { zone: AUTHORITY_ZONES.eu, basis: 'eu' };
  return { zone: 'UTC', basis: 'utc' };
}

export function checkZone(zone: string, path = 'tz'): string {
  if (zone.length > 64 || !isValidTimeZone(zone)) {
    throw new CgError('INVALID_TIME_ZONE', `"${zone.slice(0, 64)}" is not an IANA time zone (e.g. Asia/Seoul, Europe/Brussels, UTC)`, 400, [
      { code: 'INVALID_TIME_ZONE', message: 'not an IANA time zone', path },
    ]);
  }
  return zone;
}

/** `YYYY-MM-DD` of instant `at` in `zone`. */
export function dayIn(at: number, zone: string): string {
  return formatCivil(civilDateAt(at, zone));
}

/** First and last millisecond of a calendar day in `zone`. */
export function dayBounds(d: CivilDate, zone: string): { start: number; end: number } {
  return { start: startOfDay(d, zone), end: startOfDay(addDays(d, 1), zone) - 1 };
}

/** "Asia/Seoul, UTC+09:00" at instant `at` (the offset of the period's start). */
export function zoneLabel(zone: string, at: number): string {
  const off = Math.round(offsetAt(at, zone) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const h = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const m = String(Math.abs(off) % 60).padStart(2, '0');
  return zone === 'UTC' ? 'UTC' : `${zone}, UTC${sign}${h}:${m}`;
}

/**
 * The default period when none is given: the calendar year so far, in `zone` — 1 January to today.
 * `now` is passed in: the core reads no clock.
 */
export function defaultPeriodDays(now: number, zone: string): { from: string; to: string } {
  const today = civilDateAt(now, zone);
  return { from: formatCivil({ year: today.year, month: 1, day: 1 }), to: formatCivil(today) };
}

export { parseCivil };
