import { addDays, civilDateAt, formatCivil, startOfDay } from '../time/civil-date.ts';

/**
 * The calendar date of an instant where a law applies (`YYYY-MM-DD` in the pack's zone): a record
 * made at 2023-09-15T00:30+09:00 is judged by the PIPA in force on 15 September 2023, although it is
 * still the 14th in UTC. Remembers the current day's bounds, since share records cluster in time and
 * the zone lookup (Intl) is the slow part.
 */
export class LawDayOf {
  private start = 0;
  private end = -1;
  private key = '';
  constructor(private readonly timeZone: string) {}

  of(at: number): string {
    if (at < this.start || at >= this.end) {
      const d = civilDateAt(at, this.timeZone);
      this.start = startOfDay(d, this.timeZone);
      this.end = startOfDay(addDays(d, 1), this.timeZone);
      this.key = formatCivil(d);
    }
    return this.key;
  }
}
