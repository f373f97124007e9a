import { dutiesOf, PACKS } from '../law/packs.ts';
import type { BreachCase, Sensitivity } from '../law/types.ts';
import type { RegistryModel } from '../registry/model.ts';
import { breachSubjectNotice, type BreachSubjectNotice } from './breach-notice.ts';
import { categoryLabel, itemsLabel } from './labels.ts';
import { t } from './i18n.ts';
import type { ReportContext, ReportSource, Section } from './model.ts';

/**
 * Breach impact: given what was compromised (a recipient or class member, a time window, or both)
 * and when the breach was discovered, who and what is affected and what must be notified by when.
 *
 * The duties come from the law packs' breach rules (src/core/law/{kr,eu}/duties.ts), judged by the
 * law in force on the day of discovery:
 * - PIPA 34 with Enforcement Decree 39–40: affected subjects are notified within 72 hours of
 *   discovery; the PIPC (or KISA) is told within the same 72 hours when 1,000 or more subjects are
 *   affected, any sensitive or unique-identifier item was leaked, or the leak results from
 *   unauthorised access from outside — in those two cases whatever the count.
 * - GDPR 33: the supervisory authority within 72 hours whenever EU subjects are affected (unless the
 *   breach is unlikely to result in a risk — a judgement the report cannot make).
 * - GDPR 34: the data subjects without undue delay when the risk is high (presumed until the
 *   controller records otherwise; always for special-category or unique-identifier items).
 */
export { PIPC_SUBJECT_THRESHOLD } from '../law/kr/duties.ts';
export type { Sensitivity } from '../law/types.ts';
export const NOTIFY_WITHIN_MS = 72 * 3_600_000;

export type ThresholdReason = 'SUBJECTS_AT_LEAST_1000' | 'SENSITIVE_ITEM' | 'UNIQUE_IDENTIFIER_ITEM' | 'UNAUTHORISED_ACCESS';

/** Which KR pack rule gives which PIPC-report reason. */
const PIPC_REASONS: Readonly<Record<string, ThresholdReason>> = {
  'KR.BREACH_REPORT_1000': 'SUBJECTS_AT_LEAST_1000',
  'KR.BREACH_REPORT_SENSITIVE': 'SENSITIVE_ITEM',
  'KR.BREACH_REPORT_UNIQUE_ID': 'UNIQUE_IDENTIFIER_ITEM',
  'KR.BREACH_REPORT_UNAUTHORISED_ACCESS': 'UNAUTHORISED_ACCESS',
};

const caseOf = (krSubjects: number, euSubjects: number, sensitivities: readonly Sensitivity[], q: { on?: string; unauthorisedAccess?: boolean; highRisk?: boolean }): BreachCase => ({
  on: q.on,
  krSubjects,
  euSubjects,
  sensitivities,
  unauthorisedAccess: q.unauthorisedAccess === true,
  highRisk: q.highRisk,
});

/** Pure threshold logic (the KR pack's report rules), kept apart so it can be tested with numbers alone. */
export function pipcThreshold(
  krSubjects: number,
  sensitivities: readonly Sensitivity[],
  opts: { unauthorisedAccess?: boolean; on?: string } = {},
): { met: boolean; reasons: ThresholdReason[] } {
  const reasons = dutiesOf(PACKS.KR.duties.breach, caseOf(krSubjects, 0, sensitivities, opts))
    .filter((v) => v.ok && PIPC_REASONS[v.rule] !== undefined)
    .map((v) => PIPC_REASONS[v.rule]!);
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
  /** The leak results from unauthorised access from outside (PIPA decree 40(1)3); undefined: not stated. */
  readonly unauthorisedAccess?: boolean;
  /** The controller's GDPR 34 risk assessment; undefined: none recorded (high risk presumed). */
  readonly highRisk?: boolean;
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
  /** ISO timestamp of a fixed deadline; null when the law sets none ("without undue delay"). */
  readonly due: string | null;
  /** `72 hours` (from discovery) or `without undue delay`. */
  readonly within: '72 hours' | 'without undue delay';
  readonly applies: boolean;
  /** The law-pack rule that decided, and why. */
  readonly rule: string;
  readonly detail: string;
}

export interface BreachImpact {
  readonly recipient: string | null;
  readonly window: { readonly from: string | null; readonly to: string | null };
  readonly discovered_at: string;
  /** What the operator stated about the cause; null: not stated. */
  readonly cause: { readonly unauthorised_access: boolean | null };
  readonly releases: number;
  readonly subjects: number;
  readonly kr_subjects: number;
  readonly eu_subjects: number;
  readonly recipients: readonly string[];
  readonly items: ReadonlyArray<{ readonly category: string; readonly sensitivity: Sensitivity }>;
  readonly pipc_report: { readonly required: boolean; readonly reasons: readonly ThresholdReason[]; readonly article: string };
  /** GDPR 34: tell the EU subjects; `high_risk`: the controller's assessment (null: none, presumed high). */
  readonly subject_communication: { readonly required: boolean; readonly high_risk: boolean | null; readonly detail: string; readonly article: string };
  readonly deadlines: readonly Deadline[];
  /** Draft of the notice to the affected subjects (PIPA 34(1), GDPR 34(2)), with the controller's gaps marked. */
  readonly subject_notice: BreachSubjectNotice;
  readonly pseudonyms: readonly string[];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function assessBreach(m: RegistryModel, q: BreachQuery, f: BreachFacts): BreachImpact {
  const items = [...f.items].sort().map((category) => ({ category, sensitivity: (m.categories.get(category)?.sensitivity ?? 'normal') as Sensitivity }));
  const on = new Date(q.discoveredAt).toISOString().slice(0, 10);
  const c = caseOf(f.krSubjects, f.euSubjects, items.map((i) => i.sensitivity), { ...q, on });
  const verdicts = [...dutiesOf(PACKS.KR.duties.breach, c), ...dutiesOf(PACKS.EU.duties.breach, c)];
  const byRule = (id: string) => verdicts.find((v) => v.rule === id);
  const reasons = verdicts.filter((v) => v.ok && PIPC_REASONS[v.rule] !== undefined).map((v) => PIPC_REASONS[v.rule]!);
  const pipcRule = verdicts.find((v) => v.ok && PIPC_REASONS[v.rule] !== undefined) ?? byRule('KR.BREACH_REPORT_1000');
  const due = new Date(q.discoveredAt + NOTIFY_WITHIN_MS).toISOString();
  const row = (rule: string, article: string, duty: string, within: Deadline['within'], fallback: string): Deadline => {
    const v = byRule(rule);
    return { article, duty, due: within === '72 hours' ? due : null, within, applies: v?.ok ?? false, rule, detail: v?.detail ?? fallback };
  };
  const gdpr34 = byRule('EU.BREACH_SUBJECT_NOTICE');
  const window = { from: iso(q.from), to: iso(q.to) };
  const discovered_at = new Date(q.discoveredAt).toISOString();
  return {
    recipient: q.recipient ?? null,
    window,
    discovered_at,
    cause: { unauthorised_access: q.unauthorisedAccess ?? null },
    releases: f.releases,
    subjects: f.subjects,
    kr_subjects: f.krSubjects,
    eu_subjects: f.euSubjects,
    recipients: [...f.recipients].sort(),
    items,
    pipc_report: { required: reasons.length > 0, reasons, article: 'PIPA 34(3)' },
    subject_communication: { required: gdpr34?.ok ?? false, high_risk: q.highRisk ?? null, detail: gdpr34?.detail ?? 'no rule in force', article: 'GDPR 34' },
    deadlines: [
      row('KR.BREACH_SUBJECT_NOTICE', 'PIPA 34(1)', 'notify affected subjects', '72 hours', 'no rule in force'),
      { ...row(pipcRule?.rule ?? 'KR.BREACH_REPORT_1000', 'PIPA 34(3)', 'report to the PIPC / KISA', '72 hours', 'no rule in force'), applies: reasons.length > 0 },
      row('EU.BREACH_AUTHORITY', 'GDPR 33', 'notify the supervisory authority', '72 hours', 'no rule in force'),
      row('EU.BREACH_SUBJECT_NOTICE', 'GDPR 34', 'communicate the breach to affected subjects', 'without undue delay', 'no rule in force'),
    ],
    subject_notice: breachSubjectNotice(m, { items, window, discovered_at }),
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
      [t(lang, 'unauthorised_access'), b.cause.unauthorised_access === null ? t(lang, 'not_stated') : yesNo(ctx, b.cause.unauthorised_access)],
      [t(lang, 'pipc_required'), `${yesNo(ctx, b.pipc_report.required)}${b.pipc_report.reasons.length ? ` (${b.pipc_report.reasons.join(', ')})` : ''}`],
      [t(lang, 'subject_communication'), `${yesNo(ctx, b.subject_communication.required)} (${b.subject_communication.detail})`],
    ];
    const limit = ctx.provisionRows ?? 0;
    const blocks: Section['blocks'][number][] = [
      { kind: 'facts', items: facts },
      {
        kind: 'table',
        caption: t(lang, 'deadlines'),
        columns: [t(lang, 'article'), t(lang, 'duty'), t(lang, 'due'), t(lang, 'applies')],
        rows: b.deadlines.map((d) => [d.article, d.duty, d.due ?? t(lang, 'without_undue_delay'), yesNo(ctx, d.applies)]),
      },
      {
        kind: 'table',
        caption: t(lang, 'items'),
        columns: [t(lang, 'items'), t(lang, 'sensitivity')],
        rows: b.items.map((i) => [categoryLabel(m, lang, i.category), i.sensitivity]),
      },
    ];
    blocks.push({ kind: 'pre', caption: t(lang, 'subject_notice_draft'), text: b.subject_notice[lang].text });
    if (limit === Infinity) {
      blocks.push({ kind: 'table', caption: t(lang, 'affected_pseudonyms'), columns: ['pseudonym'], rows: b.pseudonyms.map((p) => [p]) });
    } else {
      blocks.push({ kind: 'paragraph', text: t(lang, 'pseudonyms_in_csv') });
    }
    return [{ id: 'breach', title: t(lang, 'breach'), articles: ['PIPA 34', 'GDPR 33', 'GDPR 34'], blocks }];
  },
};
