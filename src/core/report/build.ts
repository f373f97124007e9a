import { t } from './i18n.ts';
import { text } from '../registry/local-text.ts';
import type { Report, ReportContext, ReportSource } from './model.ts';
import { privacyPolicySource } from './privacy-policy.ts';
import { replaySource } from './replay-section.ts';
import { ropaSource } from './ropa.ts';
import { transferRegisterSource } from './transfers.ts';
import { breachSource } from './breach.ts';
import { dayIn, zoneLabel } from './zone.ts';
import { consentStatsSource, denyStatsSource, provisionsSource, rightsSource, storedTransfersSource, verificationSource } from './stored.ts';

/** The sources every report has today, in reading order; later sources append to this list. */
export const DEFAULT_SOURCES: readonly ReportSource[] = [
  replaySource,
  breachSource,
  transferRegisterSource,
  storedTransfersSource,
  provisionsSource,
  consentStatsSource,
  denyStatsSource,
  rightsSource,
  privacyPolicySource,
  ropaSource,
  verificationSource,
];


export function buildReport(ctx: ReportContext, sources: readonly ReportSource[] = DEFAULT_SOURCES): Report {
  const notes: string[] = [];
  const r = ctx.replay;
  const zone = ctx.timeZone ?? 'UTC';
  if (r?.period.from && r.period.to && (Date.parse(r.period.from) < ctx.from || Date.parse(r.period.to) > ctx.to)) {
    notes.push(t(ctx.lang, 'replay_period_note', { a: dayIn(Date.parse(r.period.from), zone), b: dayIn(Date.parse(r.period.to), zone) }));
  }
  return {
    lang: ctx.lang,
    title: t(ctx.lang, 'title'),
    operator: text(ctx.registry.operator.legal_name, ctx.lang),
    period: { from: dayIn(ctx.from, zone), to: dayIn(ctx.to, zone), time_zone: zoneLabel(zone, ctx.from) },
    generated_at: new Date(ctx.generatedAt).toISOString(),
    registry_hash: ctx.registry.hash,
    ...(ctx.checkpoint ? { checkpoint: ctx.checkpoint } : {}),
    sources: [`registry ${ctx.registry.hash.slice(0, 16)}…`, ...(ctx.volumes ? [ctx.volumes.source] : []), ...(ctx.stored && !ctx.volumes ? [`stored records (ledger leaves < ${ctx.stored.below_leaf})`] : [])],
    notes,
    sections: sources.flatMap((s) => s.build(ctx)),
  };
}
