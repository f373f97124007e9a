import { civilFromDays } from './duration.ts';
import { DAY_MS } from './day-ms.ts';

/**
 * `new Date(ms).toISOString()` without the `Date`: `YYYY-MM-DDTHH:mm:ss.sssZ` by integer
 * arithmetic (civil_from_days, H. Hinnant's algorithm, as in duration.ts). The gate writes one
 * into every RETENTION_EXPIRED message, a fifth of the bench's decisions, and `toISOString` was
 * the costliest part of building that deny. Years outside 0–9999 (written with six digits and
 * a sign) and invalid times are left to `Date`. test/time/iso.test.ts checks it against `Date`.
 */
export function isoString(ms: number): string {
  if (!(ms >= MIN_FAST && ms <= MAX_FAST) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  civilFromDays(days, CIVIL);
  const year = CIVIL[0]!;
  const month = CIVIL[1]!;
  const day = CIVIL[2]!;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const c = Math.floor(year / 100);
  const m3 = Math.floor(milli / 10);
  return `${TWO[c]}${TWO[year - c * 100]}-${TWO[month]}-${TWO[day]}T${TWO[hour]}:${TWO[minute]}:${TWO[second]}.${TWO[m3]}${milli - m3 * 10}Z`;
}

/** "00" … "99": the fields are read from here rather than padded per call. */
const TWO: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/** Scratch for civilFromDays (no object per call). */
const CIVIL = new Int32Array(3);

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the four-digit years. */
const MIN_FAST = -62_167_219_200_000;
const MAX_FAST = 253_402_300_799_999;
