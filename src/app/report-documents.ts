import type { Lang } from '../core/report/model.ts';
import { parseBound, parsePeriod } from '../core/report/period.ts';
import { ropaSource } from '../core/report/ropa.ts';
import { provisionsSource, storedTransfersSource, verificationSource } from '../core/report/stored.ts';
import { transferRegisterSource } from '../core/report/transfers.ts';
import { defaultPeriodDays, reportZone } from '../core/report/zone.ts';
import type { RenderedReport, ReportPart, ReportService } from './report-service.ts';

/**
 * The documents an officer downloads from the console, each built from the report's own sources
 * so that a register and the full report never disagree:
 * - `regulator`: the whole processing report (every section);
 * - `transfers`: the transfer register (PIPA 28-8; GDPR 30(1)(e), 44-49) with the stored transfers;
 * - `ropa`: the records of processing activities (GDPR 30; PIPA 30 privacy policy items);
 * - `provisions`: the PIPA 17 provision records (every provision in CSV);
 * - `breach`: the breach-impact form (PIPA 34; GDPR 33, 34) for releases in the period.
 * Each carries the verification section: the signed checkpoint its numbers were counted under.
 */
export const DOCUMENT_KINDS = ['regulator', 'transfers', 'ropa', 'provisions', 'breach'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_FORMATS = ['html', 'csv', 'pdf'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

export const DOCUMENT_TITLES: Readonly<Record<DocumentKind, Readonly<Record<Lang, string>>>> = {
  regulator: { ko: '개인정보 처리 현황 보고서', en: 'Personal data processing report' },
  transfers: { ko: '개인정보 국외 이전 및 제공 대장', en: 'Register of transfers and provisions' },
  ropa: { ko: '개인정보 처리 활동 기록', en: 'Records of processing activities' },
  provisions: { ko: '개인정보 제3자 제공 기록(법 제17조)', en: 'PIPA 17 provision records' },
  breach: { ko: '개인정보 유출 영향 평가서', en: 'Breach impact assessment' },
};

const PARTS: Readonly<Record<Exclude<DocumentKind, 'regulator' | 'breach'>, Omit<ReportPart, 'title'>>> = {
  transfers: { sources: [transferRegisterSource, storedTransfersSource, verificationSource], name: 'consentgate-transfer-register' },
  ropa: { sources: [ropaSource, verificationSource], name: 'consentgate-ropa' },
  provisions: { sources: [provisionsSource, verificationSource], name: 'consentgate-provisions' },
};

export interface DocumentRequest {
  readonly kind: DocumentKind;
  readonly format: DocumentFormat;
  /** `YYYY-MM-DD`, counted in `tz`; default (as the CLI): 1 January to today. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly lang: Lang;
  /** IANA zone; default: the regulator's zone for the registry's jurisdictions (as the CLI). */
  readonly tz?: string | undefined;
  /** Breach form: when the breach was discovered (default: now). */
  readonly discoveredAt?: string | undefined;
  /** Breach form: the compromised recipient, class or member (default: every release in the period). */
  readonly recipient?: string | undefined;
}

export async function renderDocument(reports: ReportService, q: DocumentRequest, now: number): Promise<RenderedReport & { period: { from: string; to: string; time_zone: string } }> {
  const { zone } = reportZone(reports.model().operator.jurisdictions, { tz: q.tz });
  const def = defaultPeriodDays(now, zone);
  const days = { from: q.from ?? def.from, to: q.to ?? def.to };
  const { from, to } = parsePeriod(days.from, days.to, { from: 'from', to: 'to' }, zone);
  const title = DOCUMENT_TITLES[q.kind][q.lang];
  const period = { ...days, time_zone: zone };
  if (q.kind === 'breach') {
    const discoveredAt = q.discoveredAt ? parseBound(q.discoveredAt, 'discovered_at', false, zone) : now;
    const r = await reports.breach({ from, to, discoveredAt, ...(q.recipient ? { recipient: q.recipient } : {}) }, { lang: q.lang, format: q.format, title, timeZone: zone });
    return { ...r, period };
  }
  const part = q.kind === 'regulator' ? undefined : { ...PARTS[q.kind], title };
  const r = await reports.render({ from, to, lang: q.lang, format: q.format, timeZone: zone, ...(part ? { part } : {}) });
  return { ...r, period };
}
