import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerDeadline, extendDeadline, isOverdue } from '../../src/core/rights/deadline.ts';
import {
  addDays,
  addMonths,
  civilDateAt,
  daysInMonth,
  formatCivil,
  fromEpochDay,
  parseCivil,
  startOfDay,
  toEpochDay,
} from '../../src/core/time/civil-date.ts';

const at = (iso: string) => Date.parse(iso);
const civil = (s: string) => parseCivil(s)!;

describe('civil dates', () => {
  it('adds months with the month-end rule', () => {
    expect(formatCivil(addMonths(civil('2027-01-31'), 1))).toBe('2027-02-28');
    expect(formatCivil(addMonths(civil('2028-01-31'), 1))).toBe('2028-02-29');
    expect(formatCivil(addMonths(civil('2028-01-29'), 1))).toBe('2028-02-29');
    expect(formatCivil(addMonths(civil('2027-03-31'), 1))).toBe('2027-04-30');
    expect(formatCivil(addMonths(civil('2027-02-28'), 1))).toBe('2027-03-28');
    expect(formatCivil(addMonths(civil('2026-12-15'), 1))).toBe('2027-01-15');
    expect(formatCivil(addMonths(civil('2027-11-30'), 3))).toBe('2028-02-29');
    expect(formatCivil(addMonths(civil('2100-01-31'), 1))).toBe('2100-02-28'); // 2100 is not a leap year
    expect(formatCivil(addMonths(civil('2000-01-31'), 1))).toBe('2000-02-29'); // 2000 is
  });

  it('parses only real dates', () => {
    expect(parseCivil('2027-02-29')).toBeUndefined();
    expect(parseCivil('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseCivil('2027-13-01')).toBeUndefined();
    expect(parseCivil('2027-1-01')).toBeUndefined();
  });

  const date = fc
    .record({ year: fc.integer({ min: 1971, max: 2200 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
    .map((d) => ({ ...d, day: Math.min(d.day, daysInMonth(d.year, d.month)) }));

  it('addMonths keeps the day where it exists and clamps to the month end otherwise', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 0, max: 40 }), (d, n) => {
        const r = addMonths(d, n);
        expect((r.year - d.year) * 12 + (r.month - d.month)).toBe(n);
        expect(r.day).toBe(Math.min(d.day, daysInMonth(r.year, r.month)));
      }),
    );
  });

  it('epoch days round-trip and addDays is plain day arithmetic', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: -1000, max: 1000 }), (d, n) => {
        expect(fromEpochDay(toEpochDay(d))).toEqual(d);
        expect(toEpochDay(addDays(d, n)) - toEpochDay(d)).toBe(n);
      }),
    );
  });

  it('startOfDay brackets every instant of that day in the zone', () => {
    const zones = ['Asia/Seoul', 'Europe/Brussels', 'Europe/Lisbon', 'America/New_York', 'UTC'];
    fc.assert(
      fc.property(fc.integer({ min: at('1990-01-01T00:00:00Z'), max: at('2090-01-01T00:00:00Z') }), fc.constantFrom(...zones), (t, zone) => {
        const d = civilDateAt(t, zone);
        const start = startOfDay(d, zone);
        expect(start).toBeLessThanOrEqual(t);
        expect(startOfDay(addDays(d, 1), zone)).toBeGreaterThan(t);
        expect(civilDateAt(start, zone)).toEqual(d);
        expect(civilDateAt(start - 1, zone)).toEqual(addDays(d, -1));
      }),
    );
  });
});

describe('KR deadline: 10 calendar days, receipt day not counted, Seoul dates', () => {
  it('counts from the Seoul calendar date of receipt', () => {
    const d = answerDeadline('KR', at('2026-03-01T10:00:00+09:00'));
    expect(d.receivedOn).toBe('2026-03-01');
    expect(d.dueDate).toBe('2026-03-11');
    expect(d.dueBefore).toBe(at('2026-03-12T00:00:00+09:00'));
    expect(d.extended).toBe(false);
  });

  it('uses Seoul, not UTC, to decide the day of receipt', () => {
    // 00:30 on 1 March in Seoul is still 28 February in UTC.
    const d = answerDeadline('KR', at('2026-02-28T15:30:00Z'));
    expect(d.receivedOn).toBe('2026-03-01');
    expect(d.dueDate).toBe('2026-03-11');
  });

  it('runs across February in leap and common years', () => {
    expect(answerDeadline('KR', at('2028-02-25T12:00:00+09:00')).dueDate).toBe('2028-03-06');
    expect(answerDeadline('KR', at('2027-02-25T12:00:00+09:00')).dueDate).toBe('2027-03-07');
    expect(answerDeadline('KR', at('2026-12-28T12:00:00+09:00')).dueDate).toBe('2027-01-07');
  });

  it('is overdue exactly from the first instant after the tenth day', () => {
    const d = answerDeadline('KR', at('2026-03-01T10:00:00+09:00'));
    expect(isOverdue(d, at('2026-03-11T23:59:59.999+09:00'))).toBe(false);
    expect(isOverdue(d, at('2026-03-12T00:00:00+09:00'))).toBe(true);
  });

  it('rolls off a Chuseok holiday and the weekend only when asked (Civil Act 161)', () => {
    const received = at('2026-09-14T09:00:00+09:00');
    expect(answerDeadline('KR', received).dueDate).toBe('2026-09-24');
    const rolled = answerDeadline('KR', received, { rollForward: { holidays: ['2026-09-24', '2026-09-25', '2026-09-26'] } });
    expect(rolled.dueDate).toBe('2026-09-28'); // Thu-Fri holidays, Sat holiday+weekend, Sun → Monday
    expect(rolled.dueBefore).toBe(at('2026-09-29T00:00:00+09:00'));
  });

  it('has no extension', () => {
    const d = answerDeadline('KR', at('2026-03-01T10:00:00+09:00'));
    expect(() => extendDeadline(d, 'complex request', at('2026-03-02T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'RIGHTS_EXTENSION_NOT_AVAILABLE', status: 409 }),
    );
  });
});

describe('EU deadline: one month (GDPR 12(3)), Regulation 1182/71 month rule', () => {
  it('ends on the same date next month, or that month\'s last day', () => {
    const cases: Array<[string, string]> = [
      ['2027-01-05T12:00:00+01:00', '2027-02-05'],
      ['2027-01-31T12:00:00+01:00', '2027-02-28'],
      ['2028-01-31T12:00:00+01:00', '2028-02-29'],
      ['2027-03-31T12:00:00+02:00', '2027-04-30'],
      ['2027-08-31T12:00:00+02:00', '2027-09-30'],
      ['2027-02-28T12:00:00+01:00', '2027-03-28'],
      ['2026-12-31T12:00:00+01:00', '2027-01-31'],
    ];
    for (const [received, due] of cases) expect(answerDeadline('EU', at(received)).dueDate).toBe(due);
  });

  it('ends at local midnight across DST changes', () => {
    // Summer time starts 28 March 2027: the period's end is midnight CET, 23:00 UTC.
    expect(answerDeadline('EU', at('2027-02-27T12:00:00+01:00')).dueBefore).toBe(at('2027-03-28T00:00:00+01:00'));
    // Summer time ends 31 October 2027: the end is midnight CEST, 22:00 UTC.
    const d = answerDeadline('EU', at('2027-09-30T12:00:00+02:00'));
    expect(d.dueDate).toBe('2027-10-30');
    expect(d.dueBefore).toBe(at('2027-10-31T00:00:00+02:00'));
  });

  it('takes the receipt date in the configured zone', () => {
    const t = at('2027-01-31T23:30:00Z'); // 1 Feb in Brussels, 31 Jan in Lisbon
    expect(answerDeadline('EU', t).receivedOn).toBe('2027-02-01');
    expect(answerDeadline('EU', t).dueDate).toBe('2027-03-01');
    const lisbon = answerDeadline('EU', t, { timeZones: { EU: 'Europe/Lisbon' } });
    expect(lisbon.receivedOn).toBe('2027-01-31');
    expect(lisbon.dueDate).toBe('2027-02-28');
    expect(lisbon.dueBefore).toBe(at('2027-03-01T00:00:00Z'));
  });

  it('rejects an unknown zone with a stable code', () => {
    expect(() => answerDeadline('EU', 0, { timeZones: { EU: 'Mars/Olympus' } })).toThrow(
      expect.objectContaining({ code: 'RIGHTS_BAD_TIME_ZONE', path: 'timeZones.EU' }),
    );
  });

  it('rolls a Sunday month end to Monday, and past a holiday, when asked', () => {
    const received = at('2027-01-31T12:00:00+01:00');
    expect(answerDeadline('EU', received, { rollForward: { holidays: [] } }).dueDate).toBe('2027-03-01');
    expect(answerDeadline('EU', received, { rollForward: { holidays: ['2027-03-01'] } }).dueDate).toBe('2027-03-02');
  });

  it('extends to three months from receipt with a reason, within the first month, once', () => {
    const received = at('2027-01-31T12:00:00+01:00');
    const first = answerDeadline('EU', received);
    const ext = extendDeadline(first, 'many recipients to trace', at('2027-02-10T00:00:00Z'));
    expect(ext.dueDate).toBe('2027-04-30');
    expect(ext.extended).toBe(true);
    expect(ext.receivedOn).toBe(first.receivedOn);
    expect(extendDeadline(answerDeadline('EU', at('2027-11-30T12:00:00+01:00')), 'r', at('2027-12-01T00:00:00Z')).dueDate).toBe(
      '2028-02-29',
    );
    expect(() => extendDeadline(ext, 'again', at('2027-02-11T00:00:00Z'))).toThrow(expect.objectContaining({ code: 'RIGHTS_ALREADY_EXTENDED' }));
    expect(() => extendDeadline(first, '   ', at('2027-02-10T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'RIGHTS_REASON_REQUIRED', path: 'reason' }),
    );
    expect(() => extendDeadline(first, 'x'.repeat(2001), at('2027-02-10T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'RIGHTS_REASON_REQUIRED' }),
    );
    expect(extendDeadline(first, 'late but in time', first.dueBefore - 1).extended).toBe(true);
    expect(() => extendDeadline(first, 'too late', first.dueBefore)).toThrow(expect.objectContaining({ code: 'RIGHTS_EXTENSION_TOO_LATE' }));
  });

  it('never ends before the receipt date plus 28 days nor after plus 31 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: at('2000-01-01T00:00:00Z'), max: at('2099-12-31T00:00:00Z') }), (t) => {
        const d = answerDeadline('EU', t);
        const span = toEpochDay(parseCivil(d.dueDate)!) - toEpochDay(parseCivil(d.receivedOn)!);
        expect(span).toBeGreaterThanOrEqual(28);
        expect(span).toBeLessThanOrEqual(31);
        expect(d.dueBefore).toBeGreaterThan(t);
        const kr = answerDeadline('KR', t);
        expect(toEpochDay(parseCivil(kr.dueDate)!) - toEpochDay(parseCivil(kr.receivedOn)!)).toBe(10);
      }),
    );
  });
});
