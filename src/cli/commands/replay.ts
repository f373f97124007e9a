import { Option } from 'commander';
import { summaryCsv, summaryTable } from '../../core/audit/format.ts';
import { ProgressBar } from '../../audit/progress.ts';
import { runReplay } from '../../audit/replay.ts';
import type { Jurisdiction } from '../../core/registry/schema.ts';
import type { RegisterCommand } from './index.ts';

/**
 * `consentgate replay`: judges a legacy share log against the registry and a consent history.
 * Exit 0: every record lawful and every row readable; 1: violations or bad rows found;
 * 2: an input is unreadable or invalid, or (MEMBERS_REQUIRED) the log names recipients the registry
 * cannot resolve while it has recipient classes and no --members was given (nothing written).
 */
export const registerReplay: RegisterCommand = (program, io, setExit) => {
  program
    .command('replay')
    .description('replay a legacy share log to find unlawful transfers')
    .requiredOption('--registry <file>', 'registry YAML')
    .requiredOption('--shares <file>', 'share records: CSV with a header, or JSONL')
    .requiredOption('--consents <file>', 'consent history, JSONL {at, subject, action, declaration, recipient?}')
    .option('--members <file>', 'class members, CSV recipient_id,class,country (needed when the registry has recipient classes)')
    .option('--accept-unresolved', 'without --members, judge recipients the registry cannot resolve as undeclared recipients instead of refusing')
    .addOption(new Option('--jurisdiction <code>', "subjects' jurisdiction (needed when the operator serves several)").choices(['KR', 'EU']))
    .addOption(new Option('--format <format>', 'summary format').choices(['table', 'json', 'csv']).default('table'))
    .option('--out <dir>', 'write findings.csv, findings.jsonl and summary.json here')
    .option('--no-progress', 'never draw the progress bar')
    .action(async (opts: { registry: string; shares: string; consents: string; members?: string; acceptUnresolved?: boolean; jurisdiction?: Jurisdiction; format: string; out?: string; progress: boolean }) => {
      const showProgress = opts.progress && io.isTTY && Boolean(process.stderr.isTTY);
      const bar = showProgress ? new ProgressBar((s) => io.err(s)) : undefined;
      const summary = await runReplay({
        registry: opts.registry,
        shares: opts.shares,
        consents: opts.consents,
        ...(opts.members ? { members: opts.members } : {}),
        ...(opts.acceptUnresolved ? { acceptUnresolved: true } : {}),
        ...(opts.jurisdiction ? { jurisdiction: opts.jurisdiction } : {}),
        ...(opts.out ? { outDir: opts.out } : {}),
        ...(bar ? { onProgress: (bytes: number, records: number, total: number) => bar.update(bytes, total, records) } : {}),
      }).finally(() => bar?.done());
      if (opts.format === 'json') io.out(JSON.stringify(summary, null, 2) + '\n');
      else if (opts.format === 'csv') io.out(summaryCsv(summary));
      else io.out(summaryTable(summary));
      setExit(summary.violating_records > 0 || summary.bad_rows.count > 0 ? 1 : 0);
    });
};
