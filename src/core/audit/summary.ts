import { civilDateAt, startOfDay } from '../time/civil-date.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { articleFor } from '../gate/articles.ts';
import { packFor } from '../law/packs.ts';
import { DistinctCounter } from './distinct.ts';
import { AUDIT_CODES, type AuditCode, type BadRow, type ShareRecord, type Verdict } from './types.ts';

/** The replay summary: what `--format json` prints and `summary.json` holds. Keys are sorted. */
export interface ReplaySummary {
  readonly records: number;
  readonly violating_records: number;
  readonly subjects: number;
  readonly affected_subjects: number;
  readonly by_rule: Record<AuditCode, { records: number; subjects: number; article: string }>;
  /**
   * Sum of the per-code record counts. One record can carry several codes (a seller abroad on
   * contract necessity: NO_TRANSFER_GROUND and NO_LEGAL_BASIS), so this exceeds `violating_records`.
   */
  readonly code_occurrences: number;
  /**
   * Per law version (the one in force on each record's date, `Verdict.law`): what it judged, and
   * per code how many records and subjects, citing that version's article.
   */
  readonly by_law: Record<string, LawVersionStats>;
  readonly by_recipient: Record<string, BucketStats & { class?: string; country: string | null }>;
  readonly by_country: Record<string, BucketStats>;
  /** Records judged against each declaration, split by destination country (transfer register volumes). */
  readonly by_declaration: Record<string, BucketStats & { countries: Record<string, BucketStats> }>;
  /** Per calendar month (UTC, `YYYY-MM`): records and violating records, for trend charts. */
  readonly by_month: Record<string, { records: number; violating_records: number }>;
  /** Records judged against a declaration whose retention runs from the end of the contract. */
  readonly retention_unchecked: number;
  /** Records older than one already read: the collection anchor may then be late (docs/audit.md). */
  readonly out_of_order: number;
  readonly period: { from: string | null; to: string | null };
  readonly bad_rows: { count: number; lines: BadRow[] };
  readonly jurisdiction: Jurisdiction;
  readonly registry_hash: string;
}

export interface LawVersionStats {
  readonly title: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly records: number;
  readonly violating_records: number;
  readonly by_rule: Record<AuditCode, { records: number; subjects: number; article: string }>;
}

export interface BucketStats {
  records: number;
  violating_records: number;
  subjects: number;
  affected_subjects: number;
}

/** Bad rows listed individually in the summary; the count is always exact. */
export const MAX_LISTED_BAD_ROWS = 100;
/** Key of `by_country` for records whose destination country is unknown. */
export const UNKNOWN_COUNTRY = 'unknown';

class Bucket {
  records = 0;
  violating = 0;
  readonly subjects = new DistinctCounter();
  readonly affected = new DistinctCounter();
  add(subject: number, violating: boolean) {
    this.records++;
    this.subjects.add(subject);
    if (violating) {
      this.violating++;
      this.affected.add(subject);
    }
  }
  stats(): BucketStats {
    return { records: this.records, violating_records: this.violating, subjects: this.subjects.size, affected_subjects: this.affected.size };
  }
}

/** Accumulates verdicts into a summary; pure and streaming (nothing per record is kept). */
export class ReplayTally {
  private readonly all = new Bucket();
  private readonly rules = new Map<AuditCode, Bucket>(AUDIT_CODES.map((c) => [c, new Bucket()]));
  private readonly laws = new Map<string, { all: Bucket; rules: Map<AuditCode, Bucket> }>();
  private readonly recipients = new Map<string, { bucket: Bucket; class?: string; country?: string }>();
  private readonly countries = new Map<string, Bucket>();
  private readonly declarations = new Map<string, { bucket: Bucket; countries: Map<string, Bucket> }>();
  private readonly months = new Map<string, { records: number; violating_records: number }>();
  private readonly monthOf: MonthOf;
  private retentionUnchecked = 0;
  private outOfOrder = 0;
  private first = Infinity;
  private last = -Infinity;
  private badCount = 0;
  private readonly badListed: BadRow[] = [];

  /**
   * `timeZone`: whose months `by_month` counts — the subjects' jurisdiction's reference zone
   * (Asia/Seoul for KR, Europe/Brussels for EU, as the rights deadlines and reports use), so a
   * share at 00:13 on 1 January in Seoul is January's, not December's.
   */
  constructor(timeZone = 'UTC') {
    this.monthOf = new MonthOf(timeZone);
  }

  add(rec: ShareRecord, subject: number, v: Verdict): void {
    const violating = v.codes.length > 0;
    this.all.add(subject, violating);
    for (const code of v.codes) this.rules.get(code)!.add(subject, true);
    let law = this.laws.get(v.law);
    if (!law) this.laws.set(v.law, (law = { all: new Bucket(), rules: new Map() }));
    law.all.add(subject, violating);
    for (const code of v.codes) bucketIn(law.rules, code).add(subject, true);
    let r = this.recipients.get(rec.recipient);
    if (!r) {
      r = { bucket: new Bucket(), ...(v.classId ? { class: v.classId } : {}), ...(v.country ? { country: v.country } : {}) };
      this.recipients.set(rec.recipient, r);
    }
    r.bucket.add(subject, violating);
    const countryKey = v.country ?? UNKNOWN_COUNTRY;
    bucketIn(this.countries, countryKey).add(subject, violating);
    if (v.declarationId !== undefined) {
      let d = this.declarations.get(v.declarationId);
      if (!d) this.declarations.set(v.declarationId, (d = { bucket: new Bucket(), countries: new Map() }));
      d.bucket.add(subject, violating);
      bucketIn(d.countries, countryKey).add(subject, violating);
    }
    const month = this.monthOf.of(rec.at);
    let m = this.months.get(month);
    if (!m) this.months.set(month, (m = { records: 0, violating_records: 0 }));
    m.records++;
    if (violating) m.violating_records++;
    if (v.retentionUnchecked) this.retentionUnchecked++;
    if (rec.at < this.last) this.outOfOrder++;
    if (rec.at < this.first) this.first = rec.at;
    if (rec.at > this.last) this.last = rec.at;
  }

  addBad(row: BadRow): void {
    this.badCount++;
    if (this.badListed.length < MAX_LISTED_BAD_ROWS) this.badListed.push(row);
  }

  get records(): number {
    return this.all.records;
  }
  get badRows(): number {
    return this.badCount;
  }

  summary(jurisdiction: Jurisdiction, registryHash: string): ReplaySummary {
    const all = this.all.stats();
    const versions = packFor(jurisdiction).versions;
    const byLaw: ReplaySummary['by_law'] = {};
    // Oldest first: `none` (before the oldest version carried), then the pack's versions in order.
    const rank = (id: string) => versions.findIndex((x) => x.id === id);
    for (const [id, l] of [...this.laws.entries()].sort(([a], [b]) => rank(a) - rank(b))) {
      const version = versions.find((x) => x.id === id);
      const rules = {} as LawVersionStats['by_rule'];
      for (const code of AUDIT_CODES) {
        const b = l.rules.get(code);
        const article = code === 'NO_TRANSFER_GROUND' && version ? version.transferArticle : articleFor(code, jurisdiction);
        rules[code] = { records: b?.records ?? 0, subjects: b?.subjects.size ?? 0, article };
      }
      byLaw[id] = {
        title: version?.title ?? 'before the oldest law version this pack carries: review by hand',
        from: version?.effectiveFrom ?? null,
        to: version?.effectiveTo ?? null,
        records: l.all.records,
        violating_records: l.all.violating,
        by_rule: rules,
      };
    }
    // Over the whole log a code cites the article of every law version that found it (oldest
    // first), so a log straddling 15 September 2023 cites the former 17(3)/39-12 beside 28-8(1).
    const byRule = {} as ReplaySummary['by_rule'];
    for (const code of AUDIT_CODES) {
      const b = this.rules.get(code)!;
      const cited = [...new Set(Object.values(byLaw).filter((l) => l.by_rule[code].records > 0).map((l) => l.by_rule[code].article))];
      byRule[code] = { records: b.records, subjects: b.subjects.size, article: cited.length > 0 ? cited.join('; ') : articleFor(code, jurisdiction) };
    }
    const byRecipient: ReplaySummary['by_recipient'] = {};
    for (const [id, r] of sorted(this.recipients)) {
      byRecipient[id] = { ...(r.class ? { class: r.class } : {}), country: r.country ?? null, ...r.bucket.stats() };
    }
    const byCountry: ReplaySummary['by_country'] = {};
    for (const [k, b] of sorted(this.countries)) byCountry[k] = b.stats();
    const byDeclaration: ReplaySummary['by_declaration'] = {};
    for (const [k, d] of sorted(this.declarations)) {
      const countries: Record<string, BucketStats> = {};
      for (const [c, b] of sorted(d.countries)) countries[c] = b.stats();
      byDeclaration[k] = { ...d.bucket.stats(), countries };
    }
    return {
      records: all.records,
      violating_records: all.violating_records,
      subjects: all.subjects,
      affected_subjects: all.affected_subjects,
      by_rule: byRule,
      by_recipient: byRecipient,
      by_country: byCountry,
      by_declaration: byDeclaration,
      by_month: Object.fromEntries(sorted(this.months)),
      code_occurrences: AUDIT_CODES.reduce((n, c) => n + byRule[c].records, 0),
      by_law: byLaw,
      retention_unchecked: this.retentionUnchecked,
      out_of_order: this.outOfOrder,
      period: {
        from: all.records > 0 ? new Date(this.first).toISOString() : null,
        to: all.records > 0 ? new Date(this.last).toISOString() : null,
      },
      bad_rows: { count: this.badCount, lines: [...this.badListed] },
      jurisdiction,
      registry_hash: registryHash,
    };
  }
}

function bucketIn(m: Map<string, Bucket>, key: string): Bucket {
  let b = m.get(key);
  if (!b) m.set(key, (b = new Bucket()));
  return b;
}

/** `YYYY-MM` in a time zone of epoch-ms instants; remembers the last month since records cluster in time. */
class MonthOf {
  private start = 0;
  private end = -1;
  private key = '';
  constructor(private readonly zone: string) {}
  of(at: number): string {
    if (at < this.start || at >= this.end) {
      const d = civilDateAt(at, this.zone);
      this.start = startOfDay({ year: d.year, month: d.month, day: 1 }, this.zone);
      this.end = startOfDay(d.month === 12 ? { year: d.year + 1, month: 1, day: 1 } : { year: d.year, month: d.month + 1, day: 1 }, this.zone);
      this.key = `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}`;
    }
    return this.key;
  }
}

function sorted<V>(m: Map<string, V>): Array<[string, V]> {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
