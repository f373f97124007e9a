import { DAY_MS } from './day-ms.ts';

const HOUR_MS = 3_600_000;
const mod = (n: number, m: number) => ((n % m) + m) % m;

/**
 * `new Date(ms).getUTCHours()` and `.getUTCDay()` without a Date: the operator policies read
 * both on every release (src/policy/cedar.ts), and a Date per release is an allocation on that
 * path. A Date truncates its time value, 1970-01-01 was a Thursday, and floor with the doubled
 * modulo keeps times before 1970 right (test/time/utc-fields.test.ts holds both to Date).
 */
export const utcHour = (ms: number): number => mod(Math.floor(Math.trunc(ms) / HOUR_MS), 24);
/** 0 = Sunday … 6 = Saturday, as `Date#getUTCDay`. */
export const utcWeekday = (ms: number): number => mod(Math.floor(Math.trunc(ms) / DAY_MS) + 4, 7);
