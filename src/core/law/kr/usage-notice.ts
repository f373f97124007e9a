import { CgError } from '../../errors.ts';
import type { RegistryModel } from '../../registry/model.ts';
import { text, type LocalText } from '../../registry/local-text.ts';
import { legalBasis, type LegalBasis } from '../../registry/schema.ts';
import { basisLabel } from '../../report/i18n.ts';
import { categoryLabel, purposeLabel } from '../../report/labels.ts';
import type { Lang } from '../../report/model.ts';
import { dutiesOf, PACKS } from '../packs.ts';
import { PIPA_2023 } from '../sources.ts';
import { USAGE_NOTICE_SENSITIVE_THRESHOLD, USAGE_NOTICE_THRESHOLD } from './duties.ts';
import { DAY_MS } from '../../time/day-ms.ts';

/**
 * PIPA 20-2: the yearly notice telling each subject how their data was used and to whom it was
 * provided. Pure: the adapters (src/app/usage-notice-service.ts) read the subject count and the
 * ledger's release decisions; this module decides whether the notice is due (the KR pack's
 * `KR.USAGE_NOTICE_THRESHOLD`) and writes each subject's message in Korean and English.
 *
 * Time: a notice year is the calendar year in Korea (Asia/Seoul, UTC+09:00, no daylight saving),
 * since the duty is Korean law. The threshold is the decree's daily average over the last three
 * months of the year ("as of the end of the previous year" for the notice sent the year after):
 * 1 October to 31 December, each day counted at its end, up to now for the running year.
 */
export const KST_OFFSET_MS = 9 * 3_600_000;

/** The first notice year: PIPA 20-2 as amended binds every controller over the thresholds from 15 September 2023. */
export const FIRST_NOTICE_YEAR = Number(PIPA_2023.slice(0, 4));

/** Epoch ms of 00:00 KST on `year-month-day` (month 1–12). */
export const kstMidnight = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) - KST_OFFSET_MS;

/** The KST calendar date of an instant, `YYYY-MM-DD`. */
export const kstDate = (ms: number) => new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 10);

/** The notice year in epoch ms, both ends inclusive. */
export function noticeYearRange(year: number): { from: number; to: number } {
  return { from: kstMidnight(year, 1, 1), to: kstMidnight(year + 1, 1, 1) - 1 };
}

/**
 * `--year` / `?year=`: a whole number from the first notice year up to the current KST year. A
 * future year has no uses yet; a year before 2023 was the former 39-8 duty of information and
 * communications service providers, not modelled.
 */
export function parseNoticeYear(input: unknown, now: number, path = 'year'): number {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  const current = Number(kstDate(now).slice(0, 4));
  const fail = (message: string) => new CgError('INVALID_YEAR', message, 400, [{ code: 'INVALID_YEAR', message, path }]);
  if (!/^\d{4}$/.test(text)) throw fail('a year is four digits, e.g. 2026');
  const year = Number(text);
  if (year < FIRST_NOTICE_YEAR) throw fail(`PIPA 20-2 as amended applies from ${PIPA_2023}: the first notice year is ${FIRST_NOTICE_YEAR}`);
  if (year > current) throw fail(`${year} has not begun yet (the current year in Korea is ${current})`);
  return year;
}

/** The decree's counting window: 1 October to 31 December of the year, cut at `now`. `days` may be 0. */
export function thresholdWindow(year: number, now: number): { from: number; to: number; days: number } {
  const from = kstMidnight(year, 10, 1);
  const end = kstMidnight(year + 1, 1, 1);
  const to = Math.min(end, now);
  // Only days that have ended count: a day is counted at its end.
  const days = Math.max(0, Math.floor((to - from) / DAY_MS));
  return { from, to: from + days * DAY_MS, days };
}

/**
 * Subjects whose data is held at the end of each day of the window: those created before the
 * window (`baseline`, erased ones already taken out), plus those created by that day, minus
 * those erased by it. `created`/`erased` map a day index (0 = the window's first day) to a count.
 */
export function dailyCounts(baseline: number, created: ReadonlyMap<number, number>, erased: ReadonlyMap<number, number>, days: number): number[] {
  const out: number[] = [];
  let n = baseline;
  for (let d = 0; d < days; d++) {
    n += (created.get(d) ?? 0) - (erased.get(d) ?? 0);
    out.push(n);
  }
  return out;
}

export const average = (counts: readonly number[]): number => (counts.length === 0 ? 0 : counts.reduce((a, b) => a + b, 0) / counts.length);

export type UsageThresholdReason = 'SUBJECTS_AT_LEAST_1000000' | 'SENSITIVE_AT_LEAST_50000' | 'BELOW_THRESHOLD';

export interface UsageThreshold {
  readonly year: number;
  readonly required: boolean;
  readonly reason: UsageThresholdReason;
  readonly detail: string;
  readonly rule: string;
  readonly article: string;
  /** The threshold that applies: 1,000,000, or 50,000 with sensitive or unique-identifier data. */
  readonly threshold: number;
  readonly average_daily_subjects: number;
  /** How the average was taken: the window's days, or `current` when no day of it has ended yet. */
  readonly counted: { readonly from: string; readonly to: string; readonly days: number; readonly basis: 'window' | 'current' };
  /** Registry categories marked sensitive or unique identifier (they lower the threshold). */
  readonly sensitive_or_unique_categories: readonly string[];
}

/**
 * Whether the notice is due for `year`. With no day of the window ended yet (a running year
 * before October), the current count stands in for the average: an estimate, flagged as such.
 */
export function usageThreshold(m: RegistryModel, year: number, window: { from: number; to: number; days: number }, counts: readonly number[], current: number): UsageThreshold {
  const sensitive = [...m.categories.values()].filter((c) => c.sensitivity === 'sensitive' || c.sensitivity === 'unique_identifier').map((c) => c.id).sort();
  const basis = window.days > 0 ? 'window' : 'current';
  const avg = basis === 'window' ? average(counts) : current;
  const rounded = Math.round(avg * 10) / 10;
  const on = kstDate(noticeYearRange(year).to);
  const [v] = dutiesOf(PACKS.KR.duties.usageNotice, { on, averageDailySubjects: rounded, sensitiveOrUniqueData: sensitive.length > 0 });
  const required = v?.ok ?? false;
  const reason: UsageThresholdReason = !required ? 'BELOW_THRESHOLD' : rounded >= USAGE_NOTICE_THRESHOLD ? 'SUBJECTS_AT_LEAST_1000000' : 'SENSITIVE_AT_LEAST_50000';
  return {
    year,
    required,
    reason,
    detail: v?.detail ?? 'no rule in force',
    rule: v?.rule ?? 'KR.USAGE_NOTICE_THRESHOLD',
    article: 'PIPA 20-2',
    threshold: sensitive.length > 0 ? USAGE_NOTICE_SENSITIVE_THRESHOLD : USAGE_NOTICE_THRESHOLD,
    average_daily_subjects: rounded,
    counted: { from: kstDate(window.from), to: kstDate(Math.max(window.from, window.to - 1)), days: window.days, basis },
    sensitive_or_unique_categories: sensitive,
  };
}

/** One allowed release of the subject, as the ledger's decision records it. */
export interface UsageRelease {
  readonly recipient: string;
  readonly declarationId: string | null;
  readonly purpose: string;
  readonly basis: string | null;
  readonly items: readonly string[];
  readonly at: number;
  readonly ledgerIndex: number;
}

/** Who a recipient is, for the reader: a registry recipient, or a class member (a seller). */
export interface RecipientInfo {
  /** A registry recipient's localised name, or a member's registered name. */
  readonly name: LocalText;
  readonly country: string;
  /** `third_party` (provision, PIPA 17) or `processor` (entrustment, PIPA 26); affiliates are third parties. */
  readonly role: 'third_party' | 'processor' | 'affiliate';
}

export interface UsageEntry {
  readonly recipient: string;
  readonly recipient_name: LocalText;
  readonly country: string;
  readonly role: RecipientInfo['role'];
  readonly declaration_id: string | null;
  readonly purpose: string;
  readonly ground: string | null;
  readonly items: readonly string[];
  /** KST dates of the releases, each once. */
  readonly dates: readonly string[];
  readonly releases: number;
  /** Transparency-log leaves: GET /v1/ledger/entries/{index} proves each. */
  readonly ledger_indexes: readonly number[];
}

export interface UsageNotice {
  readonly format: 'consentgate.usage-notice/1';
  readonly subject: string;
  readonly year: number;
  readonly period: { readonly from: string; readonly to: string; readonly time_zone: 'Asia/Seoul' };
  readonly controller: LocalText;
  readonly article: 'PIPA 20-2';
  readonly entries: readonly UsageEntry[];
  readonly messages: Readonly<Record<Lang, { readonly subject: string; readonly text: string }>>;
}

/** Releases grouped per recipient, declaration, purpose and ground, in order of first release. */
function entriesOf(releases: readonly UsageRelease[], recipient: (id: string) => RecipientInfo | undefined): UsageEntry[] {
  const groups = new Map<string, UsageRelease[]>();
  for (const r of [...releases].sort((a, b) => a.at - b.at || a.ledgerIndex - b.ledgerIndex)) {
    const key = JSON.stringify([r.recipient, r.declarationId, r.purpose, r.basis]);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((list) => {
    const first = list[0]!;
    // An id the registry and the member index no longer know is still shown, as itself: never hidden.
    const info = recipient(first.recipient) ?? { name: first.recipient, country: '??', role: 'third_party' as const };
    return {
      recipient: first.recipient,
      recipient_name: info.name,
      country: info.country,
      role: info.role,
      declaration_id: first.declarationId,
      purpose: first.purpose,
      ground: first.basis,
      items: [...new Set(list.flatMap((r) => r.items))].sort(),
      dates: [...new Set(list.map((r) => kstDate(r.at)))],
      releases: list.length,
      ledger_indexes: list.map((r) => r.ledgerIndex),
    };
  });
}

const TEXT = {
  ko: {
    subject: (y: number, c: string) => `[${c}] ${y}년 개인정보 이용·제공 내역 안내`,
    intro: (c: string) => `${c}는 「개인정보 보호법」 제20조의2에 따라 매년 고객님의 개인정보를 누구에게 제공하거나 처리위탁하였는지 알려 드립니다.`,
    period: (f: string, t: string) => `기간: ${f} ~ ${t} (한국 시간)`,
    none: '이 기간에 고객님의 개인정보를 제3자에게 제공하거나 처리위탁한 내역이 없습니다.',
    some: '이 기간에 고객님의 개인정보를 받은 곳은 다음과 같습니다.',
    role: { third_party: '제3자 제공', affiliate: '제3자 제공(계열사)', processor: '처리위탁' } as Record<RecipientInfo['role'], string>,
    purpose: '목적',
    items: '항목',
    ground: '근거',
    when: (d: string, n: number) => `일자: ${d} (${n}회)`,
    proof: '각 제공은 투명성 로그에 기록되어 있으며, 요청하시면 그 증명을 드립니다.',
    contact: (name: string, email: string, phone: string) => `동의 내역 확인·철회, 열람·정정·삭제·처리정지 요구: 개인정보 보호책임자 ${name} (${email}, ${phone})`,
  },
  en: {
    subject: (y: number, c: string) => `[${c}] How your personal data was used and provided in ${y}`,
    intro: (c: string) => `Under Article 20-2 of the Personal Information Protection Act, ${c} tells you once a year to whom your personal data was provided or entrusted.`,
    period: (f: string, t: string) => `Period: ${f} to ${t} (Korea time)`,
    none: 'In this period none of your personal data was provided to a third party or entrusted to a processor.',
    some: 'In this period your personal data went to:',
    role: { third_party: 'provided to a third party', affiliate: 'provided to a third party (affiliate)', processor: 'entrusted to a processor' } as Record<RecipientInfo['role'], string>,
    purpose: 'Purpose',
    items: 'Items',
    ground: 'Ground',
    when: (d: string, n: number) => `When: ${d} (${n} release${n === 1 ? '' : 's'})`,
    proof: 'Each release is recorded in our transparency log; ask us and we send you the proof.',
    contact: (name: string, email: string, phone: string) => `To see or withdraw your consents, or to ask for access, correction, deletion or suspension: our privacy officer ${name} (${email}, ${phone})`,
  },
} as const;

const isBasis = (b: string): b is LegalBasis => (legalBasis.options as readonly string[]).includes(b);

function message(m: RegistryModel, lang: Lang, year: number, entries: readonly UsageEntry[]): { subject: string; text: string } {
  const x = TEXT[lang];
  const op = m.operator;
  const c = text(op.legal_name, lang);
  const { from, to } = noticeYearRange(year);
  const lines = [x.intro(c), '', x.period(kstDate(from), kstDate(to)), ''];
  if (entries.length === 0) lines.push(x.none);
  else {
    lines.push(x.some, '');
    entries.forEach((e, i) => {
      const ground = e.ground === null ? '—' : isBasis(e.ground) ? basisLabel(lang, e.ground) : e.ground;
      lines.push(
        `${i + 1}. ${text(e.recipient_name, lang)} (${e.country}) — ${x.role[e.role]}`,
        `   ${x.purpose}: ${purposeLabel(m, lang, e.purpose)}`,
        `   ${x.items}: ${e.items.map((i) => categoryLabel(m, lang, i)).join(', ')}`,
        `   ${x.ground}: ${ground}`,
        `   ${x.when(e.dates.join(', '), e.releases)}`,
      );
    });
    lines.push('', x.proof);
  }
  lines.push('', x.contact(text(op.privacy_officer.name, lang), op.privacy_officer.email, op.privacy_officer.phone));
  return { subject: x.subject(year, c), text: `${lines.join('\n')}\n` };
}

/** One subject's notice for `year`, from its allowed releases in that year. */
export function buildUsageNotice(
  m: RegistryModel,
  input: { readonly subject: string; readonly year: number; readonly releases: readonly UsageRelease[]; readonly recipient: (id: string) => RecipientInfo | undefined },
): UsageNotice {
  const { from, to } = noticeYearRange(input.year);
  const inYear = input.releases.filter((r) => r.at >= from && r.at <= to && r.items.length > 0);
  const entries = entriesOf(inYear, input.recipient);
  return {
    format: 'consentgate.usage-notice/1',
    subject: input.subject,
    year: input.year,
    period: { from: kstDate(from), to: kstDate(to), time_zone: 'Asia/Seoul' },
    controller: m.operator.legal_name,
    article: 'PIPA 20-2',
    entries,
    messages: { ko: message(m, 'ko', input.year, entries), en: message(m, 'en', input.year, entries) },
  };
}

/** Recipient lookup from the registry (recipients; a class stands for its members when the member index is not at hand). */
export function registryRecipient(m: RegistryModel, id: string): RecipientInfo | undefined {
  const p = m.parties.get(id);
  if (!p) return undefined;
  if (p.kind === 'recipient') return { name: p.name, country: p.country, role: p.role };
  return { name: p.name, country: p.countries.join('/'), role: p.role };
}
