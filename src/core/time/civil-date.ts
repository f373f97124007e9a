import { addDuration } from './duration.ts';
import { DAY_MS } from './day-ms.ts';

/**
 * Calendar dates without a time of day ("civil dates", `YYYY-MM-DD`) and the instants where
 * they begin in a time zone. Statutory periods are counted in calendar days and months of the
 * place whose law sets them, not in 24-hour blocks of UTC, so deadline arithmetic happens on
 * civil dates and only the final bound is turned back into an instant.
 *
 * Pure: no clock reads. Zone offsets come from the runtime's IANA data via `Intl`.
 */
export interface CivilDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** 1–31 */
  readonly day: number;
}


export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function formatCivil(d: CivilDate): string {
  const y = String(d.year).padStart(4, '0');
  return `${y}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** Parses a strict `YYYY-MM-DD`; returns undefined for anything else, including Feb 30. */
export function parseCivil(s: string): CivilDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysInMonth(d.year, d.month)) return undefined;
  return d;
}

/** Days since 1970-01-01 (proleptic Gregorian), for day arithmetic and comparison. */
export function toEpochDay(d: CivilDate): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

export function fromEpochDay(n: number): CivilDate {
  const t = new Date(n * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function addDays(d: CivilDate, days: number): CivilDate {
  return fromEpochDay(toEpochDay(d) + days);
}

/**
 * The same date `months` later (months ≥ 0); where that month is too short, its last day
 * (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year). This is the month rule of
 * Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c) and of Korea's Civil Act Art. 160(3), and
 * the rule `addDuration` already applies, so the arithmetic is delegated to it.
 */
export function addMonths(d: CivilDate, months: number): CivilDate {
  return fromEpochDay(addDuration(toEpochDay(d) * DAY_MS, { years: 0, months, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 }) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(d: CivilDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: callers validate zones at configuration time.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of `at` (epoch ms) in `timeZone`. */
function wallClock(at: number, timeZone: string): { date: CivilDate; msOfDay: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const ms = ((at % 1000) + 1000) % 1000;
  return {
    date: { year: parts.year!, month: parts.month!, day: parts.day! },
    msOfDay: ((parts.hour! * 60 + parts.minute!) * 60 + parts.second!) * 1000 + ms,
  };
}

/** The calendar date in `timeZone` at instant `at` (epoch ms). */
export function civilDateAt(at: number, timeZone: string): CivilDate {
  return wallClock(at, timeZone).date;
}

/** Offset of `timeZone` from UTC at instant `at`, in ms (Asia/Seoul: +9 h). */
export function offsetAt(at: number, timeZone: string): number {
  const { date, msOfDay } = wallClock(at, timeZone);
  return toEpochDay(date) * DAY_MS + msOfDay - at;
}

/**
 * The first instant of `d` in `timeZone`. Two passes settle the offset even when a DST change
 * lies between the UTC guess and the answer; no IANA zone changes offset at local midnight
 * often enough to matter for legal deadlines, and where it does the next valid instant is used.
 */
export function startOfDay(d: CivilDate, timeZone: string): number {
  const guess = toEpochDay(d) * DAY_MS;
  let at = guess - offsetAt(guess, timeZone);
  at = guess - offsetAt(at, timeZone);
  return at;
}
