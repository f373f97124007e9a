import { CgError } from '../errors.ts';
import { DAY_MS } from './day-ms.ts';

/**
 * ISO 8601 durations as the registry writes retention periods (P90D, P5Y, P1Y6M, PT12H).
 * Calendar parts (years, months) are added on the UTC calendar, clamping to the end of a shorter
 * month (Jan 31 + P1M = Feb 28/29), the convention of java.time and most databases; time parts are
 * exact milliseconds. Shared by the gate (retention at decision time) and the audit replay.
 */
export interface IsoDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const PATTERN = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseDuration(text: string): IsoDuration {
  const m = PATTERN.exec(text);
  if (!m) throw new CgError('INVALID_DURATION', `"${text}" is not an ISO 8601 duration such as P90D or P3Y`, 400);
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/**
 * `start` (epoch ms) plus `duration`, in UTC. Accepts a parsed duration or its text.
 *
 * Pure integer arithmetic on the proleptic Gregorian calendar (the days-from-civil algorithms of
 * H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"), the calendar `Date` uses: the gate
 * calls this on every allowed release, and a `Date` per call was garbage on that path.
 * test/time/duration.test.ts checks it against the `Date` arithmetic it replaced.
 */
export function addDuration(start: number, duration: IsoDuration | string): number {
  START[0] = start;
  return addToStart(typeof duration === 'string' ? parseDuration(duration) : duration);
}

/**
 * `addDuration` of the time `hi * 2^30 + lo`, for a caller that keeps times as two small integers
 * (the gate's per-subject records, src/core/gate/gate-records.ts). The time reaches the
 * arithmetic through the `START` cell, not as an argument: a computed time passed to a function
 * the compiler did not inline is boxed first — on the gate's allow path, an allocation per
 * release (V8 inlined this wrapper into the allow path and then had no budget left for the
 * arithmetic).
 */
export function addDurationToParts(hi: number, lo: number, duration: IsoDuration): number {
  START[0] = hi * 2 ** 30 + lo;
  return addToStart(duration);
}

/**
 * `addDuration(x.at, duration)`, taking the object that holds the time: for the gate's allow
 * path, where whether V8 inlines `addDuration` depends on what else it inlined there first — and a
 * time it has already read as a raw double, passed to a call it did not inline, is boxed again
 * (16 bytes per release); a pointer is not (docs/gate-history.md, thirteenth round).
 */
export function addDurationAt(x: { readonly at: number }, duration: IsoDuration): number {
  START[0] = x.at;
  return addToStart(duration);
}

/** The start time of `addToStart`, written by its callers. */
const START = new Float64Array(1);

function addToStart(d: IsoDuration): number {
  // `new Date(start)` clipped the time to a whole millisecond in range; keep its answers.
  const t0 = Math.trunc(START[0]!);
  if (!(Math.abs(t0) <= MAX_TIME)) return Number.NaN;
  let t = t0;
  if (d.years !== 0 || d.months !== 0) {
    // The calendar part out of line, through a scratch cell: this function stays small enough
    // for V8 to inline into the gate's allow path, and no number is boxed on the way (a double
    // passed to or returned from a call that is not inlined is a heap object each time).
    TIME[0] = t0;
    addMonthsInPlace(d.years * 12 + d.months);
    t = TIME[0]!;
    if (Number.isNaN(t)) return t;
  }
  const exact = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
  return t + exact * 1000;
}

/** Scratch for `addMonthsInPlace`: the time in, the time out (NaN when out of range). */
const TIME = new Float64Array(1);

/** `TIME[0]` plus `months` calendar months, the day clamped to the target month's length. */
function addMonthsInPlace(months: number): void {
  const t0 = TIME[0]!;
  const days = Math.floor(t0 / DAY_MS);
  const msOfDay = t0 - days * DAY_MS;
  civilFromDays(days, CIVIL);
  const year = CIVIL[0]!;
  const month = CIVIL[1]!;
  const day = CIVIL[2]!;
  const monthIndex = year * 12 + (month - 1) + months;
  const ty = Math.floor(monthIndex / 12);
  const tm = monthIndex - ty * 12 + 1;
  const last = daysInMonth(ty, tm);
  // The `Date` version read the month's length from its last day: NaN when that day is out of range.
  if (!(Math.abs(daysFromCivil(ty, tm, last) * DAY_MS) <= MAX_TIME)) {
    TIME[0] = Number.NaN;
    return;
  }
  const t = daysFromCivil(ty, tm, Math.min(day, last)) * DAY_MS + msOfDay;
  TIME[0] = Math.abs(t) <= MAX_TIME ? t : Number.NaN;
}

const MAX_TIME = 8.64e15;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(y: number, m: number): number {
  return m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : MONTH_DAYS[m - 1]!;
}

/** Scratch for civilFromDays: the allow path calls addDuration, and a result object per call would be garbage. */
const CIVIL = new Int32Array(3);

/**
 * civil_from_days (H. Hinnant): days since 1970-01-01 → year, month 1–12 and day 1–31, written
 * into `out` (0, 1, 2) instead of returned as an object, so callers on the gate's allow path
 * allocate nothing.
 */
export function civilFromDays(days: number, out: Int32Array): void {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = doy - Math.floor((153 * mp + 2) / 5) + 1;
}

/** days_from_civil: (year, month 1–12, day) → days since 1970-01-01. */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
