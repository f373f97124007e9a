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
  // One flat string from its 24 code units, rather than a concatenation of 17 pieces (each a
  // string-add builtin call; this is most of a RETENTION_EXPIRED deny's string work).
  return String.fromCharCode(
    D + ((year / 1000) | 0),
    D + (((year / 100) | 0) % 10),
    D + (((year / 10) | 0) % 10),
    D + (year % 10),
    DASH,
    D + ((month / 10) | 0),
    D + (month % 10),
    DASH,
    D + ((day / 10) | 0),
    D + (day % 10),
    T,
    D + ((hour / 10) | 0),
    D + (hour % 10),
    COLON,
    D + ((minute / 10) | 0),
    D + (minute % 10),
    COLON,
    D + ((second / 10) | 0),
    D + (second % 10),
    DOT,
    D + ((milli / 100) | 0),
    D + (((milli / 10) | 0) % 10),
    D + (milli % 10),
    Z,
  );
}

/** Code units of '0', '-', 'T', ':', '.', 'Z'. */
const D = 48;
const DASH = 45;
const T = 84;
const COLON = 58;
const DOT = 46;
const Z = 90;

/** Scratch for civilFromDays (no object per call). */
const CIVIL = new Int32Array(3);

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the four-digit years. */
const MIN_FAST = -62_167_219_200_000;
const MAX_FAST = 253_402_300_799_999;
