import type { RegistryModel } from '../registry/model.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import { groundLabel, t } from './i18n.ts';
import { itemsLabel, purposeLabel } from './labels.ts';
import type { Block, ReportContext, ReportSource, Section, TransferVolumes } from './model.ts';
import { barChart, lineChart } from './svg.ts';

/**
 * Report sections computed from the running product's own records (release decisions, consent
 * events, rights requests), as read by `src/store/report-queries.ts`. Every count is limited to
 * ledger leaves below the checkpoint the report embeds, so a reader can check each one.
 */
export interface TransferRow {
  /** Who received it: a registry recipient or a class member (e.g. one seller). */
  readonly recipient: string;
  readonly class_id: string | null;
  readonly declaration_id: string;
  readonly country: string;
  /** The subjects' jurisdiction: decides whether the destination is abroad. */
  readonly jurisdiction: Jurisdiction;
  readonly releases: number;
  readonly subjects: number;
  readonly items: readonly string[];
}

/** Per declaration × country × jurisdiction; subjects are distinct within the group. */
export interface VolumeRow {
  readonly declaration_id: string;
  readonly country: string;
  readonly jurisdiction: Jurisdiction;
  readonly releases: number;
  readonly subjects: number;
}

export interface ProvisionRow {
  readonly at: string;
  readonly recipient: string;
  readonly subject: string;
  readonly purpose: string;
  readonly declaration_id: string | null;
  readonly basis: string | null;
  readonly items: readonly string[];
  readonly leaf_index: number;
  readonly decision_id: string;
}

export interface ConsentStat {
  readonly purpose: string;
  readonly grants: number;
  readonly withdrawals: number;
  readonly refusals: number;
  readonly objections: number;
  /** refusals / (grants + refusals); null when nobody answered. */
  readonly refusal_rate: number | null;
}

export interface DenyStat {
  readonly code: string;
  readonly article: string;
  readonly denies: number;
  readonly subjects: number;
}

/** One point of the time charts: a UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`). */
export interface TimelineRow {
  readonly bucket: string;
  readonly grants: number;
  readonly withdrawals: number;
  readonly refusals: number;
  readonly allowed: number;
  readonly denied: number;
}

export interface RightsStat {
  readonly type: string;
  readonly received: number;
  readonly closed_in_time: number;
  readonly closed_late: number;
  readonly open_in_time: number;
  readonly open_overdue: number;
}

export interface StoredFacts {
  /** Ledger leaves counted: those with index below this (the checkpoint size). */
  readonly below_leaf: number;
  readonly decisions: { readonly allowed: number; readonly denied: number };
  readonly transfers: readonly TransferRow[];
  readonly volumes: readonly VolumeRow[];
  readonly provisions: { readonly total: number; readonly rows: readonly ProvisionRow[] };
  readonly consents: readonly ConsentStat[];
  readonly denies: readonly DenyStat[];
  /** Days for periods up to 62 days, months beyond; every bucket of the period, zeros included. */
  readonly timeline: { readonly granularity: Granularity; readonly rows: readonly TimelineRow[] };
  readonly rights: readonly RightsStat[];
  /** Open/overdue are judged at this instant (the period end, or now if earlier). */
  readonly rights_as_of: string;
}

export type Granularity = 'day' | 'month';

/** Day buckets up to this period length; longer periods chart months. */
export const DAY_BUCKETS_UP_TO_MS = 62 * 86_400_000;

export function granularityOf(from: number, to: number): Granularity {
  return to - from <= DAY_BUCKETS_UP_TO_MS ? 'day' : 'month';
}

/** Every bucket label of the period, in order. */
export function bucketsBetween(from: number, to: number, g: Granularity): string[] {
  if (g === 'month') return monthsBetween(from, to);
  const out: string[] = [];
  for (let d = Math.floor(from / 86_400_000) * 86_400_000; d <= to && out.length < 400; d += 86_400_000) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

/** UTC months from `from` to `to` inclusive, `YYYY-MM`; at most 240 (20 years). */
export function monthsBetween(from: number, to: number): string[] {
  const out: string[] = [];
  const a = new Date(from);
  let y = a.getUTCFullYear();
  let mo = a.getUTCMonth();
  const end = new Date(to);
  const last = end.getUTCFullYear() * 12 + end.getUTCMonth();
  while (y * 12 + mo <= last && out.length < 240) {
    out.push(`${y}-${String(mo + 1).padStart(2, '0')}`);
    mo++;
    if (mo === 12) {
      mo = 0;
      y++;
    }
  }
  return out;
}

export const refusalRate = (grants: number, refusals: number): number | null => (grants + refusals === 0 ? null : refusals / (grants + refusals));

/** Axis labels: days as MM-DD so a dozen fit; the data table beside the chart has full dates. */
const chartLabels = (s: StoredFacts) => s.timeline.rows.map((r) => (s.timeline.granularity === 'day' ? r.bucket.slice(5) : r.bucket));

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

/** Cross-border rows only: the destination is outside the subject's jurisdiction. */
export function crossBorder(m: RegistryModel, rows: readonly TransferRow[]): TransferRow[] {
  return rows.filter((r) => m.isOverseas(r.country, r.jurisdiction));
}

/** Transfer volumes for the registry-derived register, from stored decisions. */
export function storedVolumes(facts: StoredFacts, isOverseas: (country: string, j: Jurisdiction) => boolean): TransferVolumes {
  return {
    source: `stored release decisions (ledger leaves < ${facts.below_leaf})`,
    get(declarationId, country) {
      const rows = facts.volumes.filter((v) => v.declaration_id === declarationId && v.country === country && isOverseas(v.country, v.jurisdiction));
      if (rows.length === 0) return undefined;
      // A subject has one jurisdiction, so distinct counts of the jurisdiction groups add up.
      return { releases: rows.reduce((n, r) => n + r.releases, 0), subjects: rows.reduce((n, r) => n + r.subjects, 0) };
    },
    // The gate never releases to an undeclared recipient: only a replay finds those.
    undeclared: () => [],
  };
}

export const storedTransfersSource: ReportSource = {
  id: 'stored_transfers',
  build(ctx) {
    const s = ctx.stored;
    if (!s) return [];
    const { lang, registry: m } = ctx;
    // Merge jurisdictions: one row per recipient, declaration and country.
    const merged = new Map<string, { r: TransferRow; releases: number; subjects: number; items: Set<string> }>();
    for (const r of crossBorder(m, s.transfers)) {
      const k = `${r.recipient}\u0000${r.declaration_id}\u0000${r.country}`;
      const e = merged.get(k) ?? { r, releases: 0, subjects: 0, items: new Set<string>() };
      e.releases += r.releases;
      e.subjects += r.subjects;
      for (const i of r.items) e.items.add(i);
      merged.set(k, e);
    }
    const rows = [...merged.values()].map(({ r, releases, subjects, items }) => {
      const d = m.declarations.get(r.declaration_id);
      return [r.country, r.recipient, r.class_id ?? '—', r.declaration_id, itemsLabel(m, lang, [...items].sort()), groundLabel(lang, d?.transfer?.ground), releases, subjects];
    });
    return [
      {
        id: 'stored_transfers',
        title: t(lang, 'stored_register'),
        articles: ['PIPA 28-8', 'GDPR 30(1)(e)', 'GDPR 44'],
        blocks: [
          { kind: 'paragraph', text: t(lang, 'stored_register_text') },
          {
            kind: 'table',
            caption: t(lang, 'stored_register'),
            columns: [t(lang, 'country'), t(lang, 'recipient'), t(lang, 'class'), t(lang, 'declaration'), t(lang, 'items'), t(lang, 'ground'), t(lang, 'releases'), t(lang, 'subjects')],
            rows,
          },
        ],
      },
    ];
  },
};

export const provisionsSource: ReportSource = {
  id: 'provisions',
  build(ctx) {
    const s = ctx.stored;
    if (!s) return [];
    const { lang, registry: m } = ctx;
    const limit = ctx.provisionRows ?? 200;
    const shown = s.provisions.rows.slice(0, limit);
    const text = shown.length < s.provisions.total ? t(lang, 'provisions_text', { k: String(shown.length), n: String(s.provisions.total) }) : t(lang, 'provisions_all', { n: String(s.provisions.total) });
    return [
      {
        id: 'provisions',
        title: t(lang, 'provisions'),
        articles: ['PIPA 17', 'GDPR 30(1)(d)'],
        blocks: [
          { kind: 'paragraph', text },
          {
            kind: 'table',
            caption: t(lang, 'provisions'),
            columns: [t(lang, 'at'), t(lang, 'recipient'), t(lang, 'pseudonym'), t(lang, 'purpose'), t(lang, 'declaration'), t(lang, 'basis'), t(lang, 'items'), t(lang, 'leaf')],
            rows: shown.map((p) => [p.at, p.recipient, p.subject, purposeLabel(m, lang, p.purpose), p.declaration_id ?? '—', p.basis ?? '—', p.items.join('; '), p.leaf_index]),
          },
        ],
      },
    ];
  },
};

export const consentStatsSource: ReportSource = {
  id: 'consents',
  build(ctx) {
    const s = ctx.stored;
    if (!s) return [];
    const { lang, registry: m } = ctx;
    const rows = s.timeline.rows;
    const labels = chartLabels(s);
    const chartTitle = t(lang, 'consents_chart');
    const blocks: Block[] = [
      { kind: 'paragraph', text: t(lang, 'consents_text') },
      {
        kind: 'table',
        caption: t(lang, 'consents'),
        columns: [t(lang, 'purpose'), t(lang, 'grants'), t(lang, 'withdrawals'), t(lang, 'refusals'), t(lang, 'objections'), t(lang, 'refusal_rate')],
        rows: s.consents.map((c) => [purposeLabel(m, lang, c.purpose), c.grants, c.withdrawals, c.refusals, c.objections, pct(c.refusal_rate)]),
      },
      {
        kind: 'chart',
        caption: chartTitle,
        svg: lineChart('chart-consents', chartTitle, chartTitle, labels, [
          { name: t(lang, 'grants'), values: rows.map((r) => r.grants) },
          { name: t(lang, 'withdrawals'), values: rows.map((r) => r.withdrawals) },
          { name: t(lang, 'refusals'), values: rows.map((r) => r.refusals) },
        ]),
        data: {
          kind: 'table',
          caption: t(lang, 'data_of', { c: chartTitle }),
          columns: [t(lang, s.timeline.granularity), t(lang, 'grants'), t(lang, 'withdrawals'), t(lang, 'refusals')],
          rows: rows.map((r) => [r.bucket, r.grants, r.withdrawals, r.refusals]),
        },
      },
    ];
    return [{ id: 'consents', title: t(lang, 'consents'), articles: ['PIPA 15', 'PIPA 22', 'PIPA 37', 'GDPR 7'], blocks }];
  },
};

export const denyStatsSource: ReportSource = {
  id: 'denies',
  build(ctx) {
    const s = ctx.stored;
    if (!s) return [];
    const { lang } = ctx;
    const byCode = new Map<string, number>();
    for (const d of s.denies) byCode.set(d.code, (byCode.get(d.code) ?? 0) + d.denies);
    const barTitle = t(lang, 'denies_chart');
    const lineTitle = t(lang, 'decisions_chart');
    const blocks: Block[] = [
      {
        kind: 'table',
        caption: t(lang, 'denies'),
        columns: [t(lang, 'code'), t(lang, 'article'), t(lang, 'count'), t(lang, 'subjects')],
        rows: s.denies.map((d) => [d.code, d.article, d.denies, d.subjects]),
      },
      {
        kind: 'chart',
        caption: barTitle,
        svg: barChart('chart-denies', barTitle, barTitle, [...byCode].map(([label, value]) => ({ label, value }))),
        data: { kind: 'table', caption: t(lang, 'data_of', { c: barTitle }), columns: [t(lang, 'code'), t(lang, 'count')], rows: [...byCode] },
      },
      {
        kind: 'chart',
        caption: lineTitle,
        svg: lineChart('chart-decisions', lineTitle, lineTitle, chartLabels(s), [
          { name: t(lang, 'allowed'), values: s.timeline.rows.map((r) => r.allowed) },
          { name: t(lang, 'denied'), values: s.timeline.rows.map((r) => r.denied) },
        ]),
        data: {
          kind: 'table',
          caption: t(lang, 'data_of', { c: lineTitle }),
          columns: [t(lang, s.timeline.granularity), t(lang, 'allowed'), t(lang, 'denied')],
          rows: s.timeline.rows.map((r) => [r.bucket, r.allowed, r.denied]),
        },
      },
    ];
    return [{ id: 'denies', title: t(lang, 'denies'), articles: [...new Set(s.denies.map((d) => d.article))].sort(), blocks }];
  },
};

export const rightsSource: ReportSource = {
  id: 'rights',
  build(ctx) {
    const s = ctx.stored;
    if (!s) return [];
    const { lang } = ctx;
    return [
      {
        id: 'rights',
        title: t(lang, 'rights'),
        articles: ['PIPA 35', 'PIPA 36', 'PIPA 37', 'GDPR 12(3)'],
        blocks: [
          { kind: 'paragraph', text: t(lang, 'rights_period', { at: s.rights_as_of }) },
          {
            kind: 'table',
            caption: t(lang, 'rights'),
            columns: [t(lang, 'type'), t(lang, 'received'), t(lang, 'in_time'), t(lang, 'late'), t(lang, 'open_in_time'), t(lang, 'overdue')],
            rows: s.rights.map((r) => [r.type, r.received, r.closed_in_time, r.closed_late, r.open_in_time, r.open_overdue]),
          },
        ],
      },
    ];
  },
};

/** States the checkpoint and how to verify; present whenever the report embeds a signed note. */
export const verificationSource: ReportSource = {
  id: 'verification',
  build(ctx): Section[] {
    const cp = ctx.checkpoint;
    if (!cp?.note) return [];
    const { lang } = ctx;
    return [
      {
        id: 'verification',
        title: t(lang, 'verification'),
        articles: [],
        blocks: [
          { kind: 'paragraph', text: t(lang, 'verification_text', { n: String(cp.size) }) },
          { kind: 'pre', caption: t(lang, 'checkpoint_note'), text: cp.note },
          { kind: 'table', caption: t(lang, 'verifier_key'), columns: [t(lang, 'verifier_key')], rows: [[cp.verifier_key ?? '—']] },
        ],
      },
    ];
  },
};
