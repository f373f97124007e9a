import { CgError } from '../errors.ts';

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

/** `start` (epoch ms) plus `duration`, in UTC. Accepts a parsed duration or its text. */
export function addDuration(start: number, duration: IsoDuration | string): number {
  const d = typeof duration === 'string' ? parseDuration(duration) : duration;
  const date = new Date(start);
  if (d.years !== 0 || d.months !== 0) {
    const day = date.getUTCDate();
    const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth() + d.years * 12 + d.months;
    const year = Math.floor(monthIndex / 12);
    const month = monthIndex - year * 12;
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    date.setUTCFullYear(year, month, Math.min(day, lastDay));
  }
  const exact = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
  return date.getTime() + exact * 1000;
}
