import { mkdirSync, renameSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openUsageNoticeService } from '../../app/usage-notice-service.ts';
import { loadConfig } from '../../config.ts';
import { CgError } from '../../core/errors.ts';
import { parseNoticeYear } from '../../core/law/kr/usage-notice.ts';
import type { RegisterCommand } from './index.ts';

interface UsageOpts {
  year: string;
  databaseUrl?: string;
  dataDir?: string;
  out?: string;
}

const bad = (code: string, message: string, path: string) => new CgError(code, message, 400, [{ code, message, path }]);

/**
 * `consentgate notify usage --year Y`: the PIPA 20-2 usage-history notices of a year from the
 * database of a ConsentGate (`--database-url`, `--data-dir`, or DATABASE_URL / CONSENTGATE_DATA_DIR).
 * With `--out DIR`: `DIR/notices.ndjson` (one notice per subject, messages in ko and en) and
 * `DIR/summary.json`, written under a temporary name and renamed only when complete. Without it:
 * the summary on stdout. Stderr carries counts only, never a subject.
 */
export const registerNotify: RegisterCommand = (program, io) => {
  const notify = program.command('notify').description('notices the law requires the operator to send (PIPA 20-2)');
  notify
    .command('usage')
    .description('yearly usage-history notice per subject (PIPA 20-2): who received which items, when and on what ground')
    .requiredOption('--year <year>', 'the notice year (calendar year in Korea time), 2023 to the current year')
    .option('--database-url <url>', 'PostgreSQL of a ConsentGate (default DATABASE_URL)')
    .option('--data-dir <dir>', 'embedded PGlite directory of a stopped ConsentGate (default CONSENTGATE_DATA_DIR)')
    .option('--out <dir>', 'write notices.ndjson and summary.json into this new directory')
    .action(async (opts: UsageOpts) => {
      const year = parseNoticeYear(opts.year, Date.now(), '--year');
      const out = opts.out === undefined ? undefined : checkOut(opts.out);
      const base = loadConfig(process.env);
      const databaseUrl = opts.databaseUrl ?? (opts.dataDir ? undefined : base.databaseUrl);
      const dataDir = databaseUrl ? undefined : (opts.dataDir ?? base.dataDir);
      if (!databaseUrl && !opts.dataDir && !process.env.CONSENTGATE_DATA_DIR) {
        throw bad('SOURCE_REQUIRED', 'usage notices are read from the database: give --database-url or --data-dir (or DATABASE_URL / CONSENTGATE_DATA_DIR)', '--data-dir');
      }
      const service = await openUsageNoticeService({ databaseUrl, dataDir, schema: base.schema });
      try {
        const threshold = await service.notices.threshold(year);
        let subjects = 0;
        let withReleases = 0;
        let releases = 0;
        const recipients = new Set<string>();
        const tmp = out ? `${out}.tmp-${process.pid}` : undefined;
        let fd: number | undefined;
        try {
          if (tmp) {
            mkdirSync(tmp);
            fd = openSync(`${tmp}/notices.ndjson`, 'wx');
          }
          for await (const n of service.notices.all(year)) {
            subjects++;
            if (n.entries.length > 0) withReleases++;
            for (const e of n.entries) {
              releases += e.releases;
              recipients.add(e.recipient);
            }
            if (fd !== undefined) writeSync(fd, `${JSON.stringify(n)}\n`);
          }
          const summary = {
            format: 'consentgate.usage-notice-summary/1',
            year,
            generated_at: new Date().toISOString(),
            article: 'PIPA 20-2',
            threshold,
            subjects,
            subjects_with_releases: withReleases,
            subjects_without_releases: subjects - withReleases,
            releases,
            recipients: recipients.size,
            ...(out ? { notices: 'notices.ndjson' } : {}),
          };
          if (fd !== undefined) {
            closeSync(fd);
            fd = undefined;
            writeFileSync(`${tmp}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`, { flag: 'wx' });
            renameSync(tmp!, out!);
            io.err(`wrote ${subjects} notice(s) to ${out}; notice ${threshold.required ? 'required' : 'not required'} for ${year} (${threshold.detail})\n`);
          } else {
            io.out(`${JSON.stringify(summary, null, 2)}\n`);
          }
        } catch (e) {
          if (fd !== undefined) closeSync(fd);
          if (tmp) rmSync(tmp, { recursive: true, force: true });
          if (e instanceof CgError) throw e;
          throw new CgError('UNWRITABLE_OUTPUT', `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400, [
            { code: 'UNWRITABLE_OUTPUT', message: 'cannot write the output directory', path: '--out' },
          ]);
        }
      } finally {
        await service.close();
      }
    });
};

/** `--out` must be a new directory whose parent exists: a run never mixes with an earlier one. */
function checkOut(path: string): string {
  const full = resolve(path);
  let exists = true;
  try {
    statSync(full);
  } catch {
    exists = false;
  }
  if (exists) throw bad('OUT_EXISTS', `${path} already exists: give a new directory`, '--out');
  try {
    if (!statSync(dirname(full)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw bad('UNWRITABLE_OUTPUT', `the parent directory of ${path} does not exist`, '--out');
  }
  return full;
}
