import { t } from './i18n.ts';
import type { Report, ReportContext, ReportSource } from './model.ts';
import { privacyPolicySource } from './privacy-policy.ts';
import { replaySource } from './replay-section.ts';
import { ropaSource } from './ropa.ts';
import { transferRegisterSource } from './transfers.ts';
import { breachSource } from './breach.ts';
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

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function buildReport(ctx: ReportContext, sources: readonly ReportSource[] = DEFAULT_SOURCES): Report {
  const notes: string[] = [];
  const r = ctx.replay;
  if (r?.period.from && r.period.to && (Date.parse(r.period.from) < ctx.from || Date.parse(r.period.to) > ctx.to)) {
    notes.push(t(ctx.lang, 'replay_period_note', { a: r.period.from.slice(0, 10), b: r.period.to.slice(0, 10) }));
  }
  return {
    lang: ctx.lang,
    title: t(ctx.lang, 'title'),
    operator: ctx.registry.operator.legal_name,
    period: { from: day(ctx.from), to: day(ctx.to) },
    generated_at: new Date(ctx.generatedAt).toISOString(),
    registry_hash: ctx.registry.hash,
    ...(ctx.checkpoint ? { checkpoint: ctx.checkpoint } : {}),
    sources: [`registry ${ctx.registry.hash.slice(0, 16)}…`, ...(ctx.volumes ? [ctx.volumes.source] : []), ...(ctx.stored && !ctx.volumes ? [`stored records (ledger leaves < ${ctx.stored.below_leaf})`] : [])],
    notes,
    sections: sources.flatMap((s) => s.build(ctx)),
  };
}
