import type { RegistryModel } from '../registry/model.ts';
import { categoryLabel, itemsLabel } from './labels.ts';
import { t } from './i18n.ts';
import type { ReportContext, ReportSource, Section } from './model.ts';

/**
 * Breach impact: given what was compromised (a recipient or class member, a time window, or both)
 * and when the breach was discovered, who and what is affected and what must be notified by when.
 *
 * PIPA 34 with Enforcement Decree 39–40: affected subjects are notified within 72 hours of
 * discovery, and the PIPC (or KISA) is told within the same 72 hours when 1,000 or more subjects
 * are affected, or any sensitive or unique-identifier item was leaked, whatever the count.
 * GDPR 33: the supervisory authority within 72 hours of awareness whenever EU subjects are
 * affected (unless the breach is unlikely to result in a risk — a judgement the report cannot make).
 */
export const PIPC_SUBJECT_THRESHOLD = 1000;
export const NOTIFY_WITHIN_MS = 72 * 3_600_000;

export type Sensitivity = 'normal' | 'sensitive' | 'unique_identifier';

export type ThresholdReason = 'SUBJECTS_AT_LEAST_1000' | 'SENSITIVE_ITEM' | 'UNIQUE_IDENTIFIER_ITEM';

/** Pure threshold logic, kept apart so it can be tested with numbers alone. */
export function pipcThreshold(krSubjects: number, sensitivities: readonly Sensitivity[]): { met: boolean; reasons: ThresholdReason[] } {
  const reasons: ThresholdReason[] = [];
  if (krSubjects >= PIPC_SUBJECT_THRESHOLD) reasons.push('SUBJECTS_AT_LEAST_1000');
  // A sensitive or unique-identifier item triggers the report only if someone's was leaked.
  if (krSubjects > 0 && sensitivities.includes('sensitive')) reasons.push('SENSITIVE_ITEM');
  if (krSubjects > 0 && sensitivities.includes('unique_identifier')) reasons.push('UNIQUE_IDENTIFIER_ITEM');
  return { met: reasons.length > 0, reasons };
}

export interface BreachQuery {
  /** A registry recipient, a recipient class (every member), or one class member. */
  readonly recipient?: string;
  /** Epoch ms window of releases believed compromised (inclusive). */
  readonly from?: number;
  readonly to?: number;
  /** When the operator became aware: the 72-hour clocks start here. */
  readonly discoveredAt: number;
}

/** What the database says about releases matching a query (report-queries.ts). */
export interface BreachFacts {
  readonly releases: number;
  readonly subjects: number;
  readonly krSubjects: number;
  readonly euSubjects: number;
  readonly items: readonly string[];
  readonly recipients: readonly string[];
  /** Subject pseudonyms (never ids): for the CSV the notifications are prepared from. */
  readonly pseudonyms: readonly string[];
}

export interface Deadline {
  readonly article: string;
  readonly duty: string;
  readonly due: string;
  readonly applies: boolean;
}

export interface BreachImpact {
  readonly recipient: string | null;
  readonly window: { readonly from: string | null; readonly to: string | null };
  readonly discovered_at: string;
  readonly releases: number;
  readonly subjects: number;
  readonly kr_subjects: number;
  readonly eu_subjects: number;
  readonly recipients: readonly string[];
  readonly items: ReadonlyArray<{ readonly category: string; readonly sensitivity: Sensitivity }>;
  readonly pipc_report: { readonly required: boolean; readonly reasons: readonly ThresholdReason[]; readonly article: string };
  readonly deadlines: readonly Deadline[];
  readonly pseudonyms: readonly string[];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function assessBreach(m: RegistryModel, q: BreachQuery, f: BreachFacts): BreachImpact {
  const items = [...f.items].sort().map((category) => ({ category, sensitivity: (m.categories.get(category)?.sensitivity ?? 'normal') as Sensitivity }));
  const pipc = pipcThreshold(f.krSubjects, items.map((i) => i.sensitivity));
  const due = new Date(q.discoveredAt + NOTIFY_WITHIN_MS).toISOString();
  return {
    recipient: q.recipient ?? null,
    window: { from: iso(q.from), to: iso(q.to) },
    discovered_at: new Date(q.discoveredAt).toISOString(),
    releases: f.releases,
    subjects: f.subjects,
    kr_subjects: f.krSubjects,
    eu_subjects: f.euSubjects,
    recipients: [...f.recipients].sort(),
    items,
    pipc_report: { required: pipc.met, reasons: pipc.reasons, article: 'PIPA 34(3)' },
    deadlines: [
      { article: 'PIPA 34(1)', duty: 'notify affected subjects', due, applies: f.krSubjects > 0 },
      { article: 'PIPA 34(3)', duty: 'report to the PIPC / KISA', due, applies: pipc.met },
      { article: 'GDPR 33', duty: 'notify the supervisory authority', due, applies: f.euSubjects > 0 },
    ],
    pseudonyms: [...f.pseudonyms].sort(),
  };
}

const yesNo = (ctx: ReportContext, b: boolean) => t(ctx.lang, b ? 'yes' : 'no');

/** The breach section; pseudonyms appear only in the CSV-sized table when `provisionRows` is unlimited. */
export const breachSource: ReportSource = {
  id: 'breach',
  build(ctx: ReportContext): Section[] {
    const b = ctx.breach;
    if (!b) return [];
    const { lang, registry: m } = ctx;
    const facts: Array<[string, string]> = [
      [t(lang, 'recipient'), b.recipient ?? t(lang, 'any')],
      [t(lang, 'window'), `${b.window.from ?? '…'} .. ${b.window.to ?? '…'}`],
      [t(lang, 'discovered'), b.discovered_at],
      [t(lang, 'releases'), String(b.releases)],
      [t(lang, 'affected'), `${b.subjects} (KR ${b.kr_subjects}, EU ${b.eu_subjects})`],
      [t(lang, 'items'), itemsLabel(m, lang, b.items.map((i) => i.category)) || t(lang, 'none')],
      [t(lang, 'pipc_required'), `${yesNo(ctx, b.pipc_report.required)}${b.pipc_report.reasons.length ? ` (${b.pipc_report.reasons.join(', ')})` : ''}`],
    ];
    const limit = ctx.provisionRows ?? 0;
    const blocks: Section['blocks'][number][] = [
      { kind: 'facts', items: facts },
      {
        kind: 'table',
        caption: t(lang, 'deadlines'),
        columns: [t(lang, 'article'), t(lang, 'duty'), t(lang, 'due'), t(lang, 'applies')],
        rows: b.deadlines.map((d) => [d.article, d.duty, d.due, yesNo(ctx, d.applies)]),
      },
      {
        kind: 'table',
        caption: t(lang, 'items'),
        columns: [t(lang, 'items'), t(lang, 'sensitivity')],
        rows: b.items.map((i) => [categoryLabel(m, lang, i.category), i.sensitivity]),
      },
    ];
    if (limit === Infinity) {
      blocks.push({ kind: 'table', caption: t(lang, 'affected_pseudonyms'), columns: ['pseudonym'], rows: b.pseudonyms.map((p) => [p]) });
    } else {
      blocks.push({ kind: 'paragraph', text: t(lang, 'pseudonyms_in_csv') });
    }
    return [{ id: 'breach', title: t(lang, 'breach'), articles: ['PIPA 34', 'GDPR 33', 'GDPR 34'], blocks }];
  },
};
