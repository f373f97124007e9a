import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { loadRegistryFile } from '../../audit/registry-file.ts';
import { loadReplaySummary } from '../../audit/summary-file.ts';
import { CgError } from '../../core/errors.ts';
import { buildReport } from '../../core/report/build.ts';
import { renderCsv } from '../../core/report/csv.ts';
import { renderHtml } from '../../core/report/html.ts';
import type { Lang } from '../../core/report/model.ts';
import { replayVolumes } from '../../core/report/transfers.ts';
import { parseTimestamp } from '../../core/time/timestamp.ts';
import type { RegisterCommand } from './index.ts';

/**
 * `consentgate report`: the registry-derived reports (GDPR 30 record, PIPA 30 policy items,
 * transfer register) plus, with `--replay`, the replay findings and transfer volumes.
 * Writes to `--out` atomically (temporary file, then rename) or to stdout.
 */
export const registerReport: RegisterCommand = (program, io) => {
  program
    .command('report')
    .description('regulator-ready reports from the registry and a replay summary (issue 8)')
    .requiredOption('--registry <file>', 'registry YAML')
    .requiredOption('--from <date>', 'period start, YYYY-MM-DD or an ISO 8601 timestamp')
    .requiredOption('--to <date>', 'period end (inclusive), YYYY-MM-DD or an ISO 8601 timestamp')
    .option('--replay <summary.json>', 'summary.json written by `consentgate replay --out`')
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'csv']).default('html'))
    .addOption(new Option('--lang <lang>', 'report language').choices(['ko', 'en']).default('en'))
    .option('--out <file>', 'write here instead of stdout')
    .action((opts: { registry: string; from: string; to: string; replay?: string; format: 'html' | 'csv'; lang: Lang; out?: string }) => {
      const from = parseDay(opts.from, '--from', false);
      const to = parseDay(opts.to, '--to', true);
      if (from > to) throw new CgError('INVALID_PERIOD', `--from ${opts.from} is after --to ${opts.to}`, 400);
      const registry = loadRegistryFile(opts.registry);
      const replay = opts.replay ? loadReplaySummary(opts.replay, registry.hash) : undefined;
      const report = buildReport({
        registry,
        lang: opts.lang,
        from,
        to,
        generatedAt: Date.now(),
        ...(replay
          ? { replay, volumes: replayVolumes(replay, (c) => registry.operator.jurisdictions.some((j) => registry.isOverseas(c, j)), (id) => registry.parties.has(id)) }
          : {}),
      });
      const text = opts.format === 'csv' ? renderCsv(report) : renderHtml(report);
      if (!opts.out) return io.out(text);
      const tmp = `${opts.out}.tmp-${process.pid}`;
      try {
        writeFileSync(tmp, text, { flag: 'wx' });
        renameSync(tmp, opts.out);
      } catch (e) {
        try {
          unlinkSync(tmp);
        } catch {
          /* not created */
        }
        throw new CgError('UNWRITABLE_OUTPUT', `cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400);
      }
      io.err(`wrote ${opts.out}\n`);
    });
};

/** A date is the whole UTC day: `--from` its first millisecond, `--to` its last. */
function parseDay(text: string, flag: string, end: boolean): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseTimestamp(`${text}T00:00:00Z`) : parseTimestamp(text);
  if (day === undefined) throw new CgError('INVALID_DATE', `${flag} "${text}" is not a date (YYYY-MM-DD) or an ISO 8601 timestamp with offset`, 400, [{ code: 'INVALID_DATE', message: 'not a date', path: flag }]);
  return end && text.length === 10 ? day + 86_400_000 - 1 : day;
}
