import { CgError } from '../errors.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import {
  addDays,
  addMonths,
  civilDateAt,
  dayOfWeek,
  formatCivil,
  isValidTimeZone,
  parseCivil,
  startOfDay,
  type CivilDate,
} from '../time/civil-date.ts';

/**
 * Statutory answer deadlines for data-subject requests.
 *
 * - KR: PIPA 35–37 with the Enforcement Decree: answer within 10 days of receipt.
 * - EU: GDPR 12(3): within one month of receipt, extendable "by two further months" where
 *   necessary, telling the subject within the first month, with reasons.
 *
 * Counting rules (the same shape in both systems, so one implementation serves both):
 * - Days are CALENDAR days, not working days: neither the Decree nor GDPR 12(3) says
 *   "working days", and Korea's Civil Act Art. 157 / Regulation 1182/71 Art. 3 count calendar days.
 * - The day of receipt is not counted (Civil Act Art. 157; Reg. 1182/71 Art. 3(1)): a request
 *   received on 1 March in Seoul is due by the end of 11 March, Seoul time.
 * - A month ends on the same date of the following month, or on that month's last day when it
 *   has no such date (Reg. 1182/71 Art. 3(2)(c)): received 31 January → due 28 (29) February.
 * - The extended EU period is three months from receipt (one month plus two further months),
 *   computed from the receipt date, so month-end clamping happens once: 31 Jan → 30 April.
 * - A period ending on a Saturday, Sunday or public holiday runs to the next working day under
 *   Civil Act Art. 161 and Reg. 1182/71 Art. 3(4). That roll-forward is OFF by default: holidays
 *   differ per member state, and a deadline that is a day or two early is safe while a late one
 *   is not. Operators who want it pass `rollForward` with their holiday list.
 * - Dates are those of the jurisdiction's reference time zone: Asia/Seoul for KR; for EU the
 *   controller's establishment (default Europe/Brussels), configurable.
 */
export const DEFAULT_TIME_ZONES: Readonly<Record<Jurisdiction, string>> = {
  KR: 'Asia/Seoul',
  EU: 'Europe/Brussels',
};

export const KR_ANSWER_DAYS = 10;
export const EU_ANSWER_MONTHS = 1;
export const EU_EXTENSION_MONTHS = 2;
export const MAX_EXTENSION_REASON = 2000;

export interface DeadlinePolicy {
  /** Reference zone per jurisdiction; defaults to DEFAULT_TIME_ZONES. */
  readonly timeZones?: Partial<Record<Jurisdiction, string>>;
  /** Move a deadline off Saturdays, Sundays and these `YYYY-MM-DD` holidays (see above). */
  readonly rollForward?: { readonly holidays: readonly string[] };
}

export interface Deadline {
  readonly jurisdiction: Jurisdiction;
  /** The provision that sets the period. */
  readonly article: string;
  readonly timeZone: string;
  /** Calendar date of receipt in `timeZone`. */
  readonly receivedOn: string;
  /** Last calendar day of the period, inclusive. */
  readonly dueDate: string;
  /** First instant after the period (epoch ms): the request is overdue from this instant on. */
  readonly dueBefore: number;
  readonly extended: boolean;
}

const ARTICLE: Readonly<Record<Jurisdiction, string>> = {
  KR: 'PIPA 35-37 (Enforcement Decree: 10 days)',
  EU: 'GDPR 12(3)',
};

function zoneOf(j: Jurisdiction, policy: DeadlinePolicy): string {
  const zone = policy.timeZones?.[j] ?? DEFAULT_TIME_ZONES[j];
  if (!isValidTimeZone(zone)) {
    throw new CgError('RIGHTS_BAD_TIME_ZONE', `unknown time zone "${zone}" for ${j}`, 400, [
      { code: 'RIGHTS_BAD_TIME_ZONE', message: 'an IANA time zone such as Asia/Seoul', path: `timeZones.${j}` },
    ]);
  }
  return zone;
}

function rollForward(d: CivilDate, policy: DeadlinePolicy): CivilDate {
  if (!policy.rollForward) return d;
  const holidays = new Set(policy.rollForward.holidays);
  let out = d;
  // A bounded walk: no real calendar has 30 consecutive non-working days.
  for (let i = 0; i < 30; i++) {
    const dow = dayOfWeek(out);
    if (dow !== 0 && dow !== 6 && !holidays.has(formatCivil(out))) return out;
    out = addDays(out, 1);
  }
  return out;
}

function build(j: Jurisdiction, zone: string, received: CivilDate, last: CivilDate, extended: boolean, policy: DeadlinePolicy): Deadline {
  const due = rollForward(last, policy);
  return {
    jurisdiction: j,
    article: ARTICLE[j],
    timeZone: zone,
    receivedOn: formatCivil(received),
    dueDate: formatCivil(due),
    dueBefore: startOfDay(addDays(due, 1), zone),
    extended,
  };
}

/** The deadline for a request received at `receivedAt` (epoch ms) from a subject under `j`. */
export function answerDeadline(j: Jurisdiction, receivedAt: number, policy: DeadlinePolicy = {}): Deadline {
  const zone = zoneOf(j, policy);
  const received = civilDateAt(receivedAt, zone);
  const last = j === 'KR' ? addDays(received, KR_ANSWER_DAYS) : addMonths(received, EU_ANSWER_MONTHS);
  return build(j, zone, received, last, false, policy);
}

/**
 * The GDPR 12(3) extension: three months from receipt. Refused for KR (the Decree lets a
 * controller postpone only while a stated obstacle lasts, which has no computable end), for a
 * request already extended, without a reason, or once the first month has passed (the subject
 * must be told of the extension within it).
 */
export function extendDeadline(current: Deadline, reason: string, at: number, policy: DeadlinePolicy = {}): Deadline {
  if (current.jurisdiction !== 'EU') {
    throw new CgError('RIGHTS_EXTENSION_NOT_AVAILABLE', 'only GDPR 12(3) periods can be extended', 409);
  }
  if (current.extended) throw new CgError('RIGHTS_ALREADY_EXTENDED', 'the deadline was already extended', 409);
  const trimmed = reason.trim();
  if (trimmed.length === 0 || reason.length > MAX_EXTENSION_REASON) {
    throw new CgError('RIGHTS_REASON_REQUIRED', `an extension needs a reason of 1-${MAX_EXTENSION_REASON} characters`, 400, [
      { code: 'RIGHTS_REASON_REQUIRED', message: 'state why the extension is necessary', path: 'reason' },
    ]);
  }
  if (at >= current.dueBefore) {
    throw new CgError('RIGHTS_EXTENSION_TOO_LATE', `the first period ended on ${current.dueDate}; GDPR 12(3) requires extending within it`, 409);
  }
  const received = parseCivil(current.receivedOn)!;
  return build('EU', current.timeZone, received, addMonths(received, EU_ANSWER_MONTHS + EU_EXTENSION_MONTHS), true, policy);
}

/** Open requests are overdue from `dueBefore` on. */
export function isOverdue(deadline: Deadline, now: number): boolean {
  return now >= deadline.dueBefore;
}
