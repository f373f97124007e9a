import { CgError } from '../errors.ts';

/** An ISO 8601 duration split into calendar parts (years, months) and an exact part (ms). */
export interface Duration {
  readonly months: number;
  readonly ms: number;
  readonly text: string;
}

const RE = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const DAY = 86_400_000;

export function parseDuration(text: string): Duration {
  const m = RE.exec(text);
  if (!m) throw new CgError('INVALID_DURATION', `not an ISO 8601 duration: ${text}`, 400);
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  return {
    months: n(1) * 12 + n(2),
    ms: n(3) * 7 * DAY + n(4) * DAY + n(5) * 3_600_000 + n(6) * 60_000 + n(7) * 1000,
    text,
  };
}

/**
 * `anchor + d` in UTC calendar terms: months first (clamped to the end of a shorter month, so
 * 31 January + P1M is 28/29 February, never 3 March), then the exact part.
 */
export function addDuration(anchor: number, d: Duration): number {
  if (d.months === 0) return anchor + d.ms;
  const t = new Date(anchor);
  const y = t.getUTCFullYear();
  const mTotal = t.getUTCMonth() + d.months;
  const ty = y + Math.floor(mTotal / 12);
  const tm = mTotal % 12;
  const lastDay = tm === 1 ? (isLeap(ty) ? 29 : 28) : MONTH_DAYS[tm]!;
  const day = Math.min(t.getUTCDate(), lastDay);
  const timeOfDay = anchor - Date.UTC(y, t.getUTCMonth(), t.getUTCDate());
  return Date.UTC(ty, tm, day) + timeOfDay + d.ms;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
