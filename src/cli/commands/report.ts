import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { openReportService, type RenderedReport } from '../../app/report-service.ts';
import { loadRegistryFile } from '../../audit/registry-file.ts';
import { loadReplaySummary } from '../../audit/summary-file.ts';
import { loadConfig } from '../../config.ts';
import { CgError } from '../../core/errors.ts';
import type { BreachQuery } from '../../core/report/breach.ts';
import { buildReport } from '../../core/report/build.ts';
import { renderCsv } from '../../core/report/csv.ts';
import { renderHtml } from '../../core/report/html.ts';
import type { Lang } from '../../core/report/model.ts';
import { parseBound, parsePeriod } from '../../core/report/period.ts';
import { dayIn, defaultPeriodDays, reportZone, type Authority } from '../../core/report/zone.ts';
import type { Jurisdiction } from '../../core/registry/schema.ts';
import type { ReplaySummary } from '../../core/audit/summary.ts';
import { replayVolumes } from '../../core/report/transfers.ts';
import { htmlToPdf } from '../../report/pdf.ts';
import type { RegisterCommand } from './index.ts';

type Format = 'html' | 'csv' | 'pdf' | 'json';

interface Opts {
  registry?: string;
  databaseUrl?: string;
  dataDir?: string;
  from?: string;
  to?: string;
  tz?: string;
  authority?: Authority;
  replay?: string;
  format: Format;
  lang: Lang;
  out?: string;
  breachRecipient?: string;
  breachFrom?: string;
  breachTo?: string;
  discoveredAt?: string;
  unauthorisedAccess?: 'yes' | 'no';
  highRisk?: 'yes' | 'no';
}

/**
 * `consentgate report`: two sources of numbers.
 * - File mode (`--registry`): the registry-derived reports (GDPR 30, PIPA 30, transfer register),
 *   plus the replay findings and volumes with `--replay`.
 * - Database mode (`--database-url`, `--data-dir`, or DATABASE_URL / CONSENTGATE_DATA_DIR): the
 *   running product's records — transfer volumes, PIPA 17 provisions, consent, deny and rights
 *   statistics, optional breach impact — anchored to a signed ledger checkpoint.
 * Days are counted in the regulator's time zone (src/core/report/zone.ts): Korean time for the PIPC,
 * Brussels time for an EU authority (`--authority`), or the operator's `--tz` / CONSENTGATE_REPORT_TZ;
 * by default the registry decides (an operator serving Korean residents: Asia/Seoul). The report
 * prints its zone. Without `--from`/`--to` the period is the replay's span, or the year so far.
 * Writes to `--out` atomically (temporary file, then rename) or to stdout (not PDF).
 */
export const registerReport: RegisterCommand = (program, io, setExit) => {
  program
    .command('report')
    .description('regulator-ready reports from a registry file (+ replay summary) or from the database')
    .option('--registry <file>', 'registry YAML (file mode)')
    .option('--database-url <url>', 'PostgreSQL of a running ConsentGate (database mode; default DATABASE_URL)')
    .option('--data-dir <dir>', 'embedded PGlite directory of a stopped ConsentGate (database mode; default CONSENTGATE_DATA_DIR)')
    .option('--from <date>', 'period start, YYYY-MM-DD (a day in the report\'s time zone) or an ISO 8601 timestamp (default: the replay\'s first day, else 1 January of this year)')
    .option('--to <date>', 'period end (inclusive), YYYY-MM-DD or an ISO 8601 timestamp (default: the replay\'s last day, else today)')
    .addOption(new Option('--authority <authority>', 'the regulator the report is for: pipc (days in Asia/Seoul) or eu (Europe/Brussels); default from the registry\'s jurisdictions').choices(['pipc', 'eu']))
    .option('--tz <zone>', 'count days in this IANA time zone instead (default CONSENTGATE_REPORT_TZ)')
    .option('--replay <summary.json>', 'summary.json written by `consentgate replay --out` (file mode)')
    .addOption(new Option('--format <format>', 'output format (pdf needs --out; json needs the database)').choices(['html', 'csv', 'pdf', 'json']).default('html'))
    .addOption(new Option('--lang <lang>', 'report language').choices(['ko', 'en']).default('en'))
    .option('--out <file>', 'write here instead of stdout')
    .option('--breach-recipient <id>', 'add breach impact: the compromised recipient, class or class member (database mode)')
    .option('--breach-from <date>', 'add breach impact: start of the window believed compromised')
    .option('--breach-to <date>', 'add breach impact: end of the window believed compromised')
    .option('--discovered-at <timestamp>', 'when the breach was discovered (starts the 72-hour clocks; required with a breach option)')
    .addOption(new Option('--unauthorised-access <yes|no>', 'breach: the leak results from unauthorised access from outside (PIPC report for any number of subjects)').choices(['yes', 'no']))
    .addOption(new Option('--high-risk <yes|no>', "breach: the controller's GDPR 34 risk assessment (default: high risk presumed)").choices(['yes', 'no']))
    .action(async (opts: Opts) => {
      if (opts.format === 'pdf' && !opts.out) throw bad('OUT_REQUIRED', 'PDF output needs --out <file>', '--out');
      const env = process.env;
      const dbMode = Boolean(opts.databaseUrl || opts.dataDir || (!opts.registry && (env.DATABASE_URL || env.CONSENTGATE_DATA_DIR)));
      let rendered: RenderedReport;
      try {
        rendered = dbMode ? await fromDatabase(opts) : await fromFiles(opts);
      } catch (e) {
        // Missing Chromium is the caller's environment, not a server fault: exit 2 like bad input.
        if (e instanceof CgError && e.code === 'PDF_UNAVAILABLE') {
          io.err(`error ${e.code}: ${e.message}\n`);
          return setExit(2);
        }
        throw e;
      }
      if (!opts.out) return io.out(typeof rendered.body === 'string' ? rendered.body : rendered.body.toString('utf8'));
      writeAtomically(opts.out, rendered.body);
      io.err(`wrote ${opts.out}\n`);
    });
};

const bad = (code: string, message: string, path: string) => new CgError(code, message, 400, [{ code, message, path }]);

interface Period {
  from: number;
  to: number;
  zone: string;
}

/** The zone (regulator, operator or registry) and the period's bounds counted in it. */
function period(opts: Opts, jurisdictions: readonly Jurisdiction[], replay?: ReplaySummary): Period {
  const configured = opts.tz ?? (process.env.CONSENTGATE_REPORT_TZ || undefined);
  const { zone } = reportZone(jurisdictions, { tz: configured, authority: opts.authority });
  const span = replay?.period.from && replay.period.to ? { from: dayIn(Date.parse(replay.period.from), zone), to: dayIn(Date.parse(replay.period.to), zone) } : undefined;
  const def = span ?? defaultPeriodDays(Date.now(), zone);
  const { from, to } = parsePeriod(opts.from ?? def.from, opts.to ?? def.to, { from: '--from', to: '--to' }, zone);
  return { from, to, zone };
}

async function fromFiles(opts: Opts): Promise<RenderedReport> {
  if (!opts.registry) throw bad('SOURCE_REQUIRED', 'give --registry <file>, or a database with --database-url / --data-dir (or DATABASE_URL)', '--registry');
  if (opts.format === 'json') throw bad('JSON_NEEDS_DATABASE', '--format json reports stored numbers: use --database-url or --data-dir', '--format');
  if (opts.breachRecipient || opts.breachFrom || opts.breachTo) throw bad('BREACH_NEEDS_DATABASE', 'breach impact is computed from stored releases: use --database-url or --data-dir', '--breach-recipient');
  const registry = loadRegistryFile(opts.registry);
  const replay = opts.replay ? loadReplaySummary(opts.replay, registry.hash) : undefined;
  const { from, to, zone } = period(opts, registry.operator.jurisdictions, replay);
  const report = buildReport({
    registry,
    lang: opts.lang,
    from,
    to,
    generatedAt: Date.now(),
    timeZone: zone,
    ...(replay
      ? { replay, volumes: replayVolumes(replay, (c) => registry.operator.jurisdictions.some((j) => registry.isOverseas(c, j)), (id) => registry.parties.has(id), zone) }
      : {}),
  });
  const name = `consentgate-report-${report.period.from}_${report.period.to}`;
  if (opts.format === 'csv') return { contentType: 'text/csv', body: renderCsv(report), filename: `${name}.csv` };
  const html = renderHtml(report);
  if (opts.format === 'pdf') return { contentType: 'application/pdf', body: await htmlToPdf(html), filename: `${name}.pdf` };
  return { contentType: 'text/html', body: html, filename: `${name}.html` };
}

async function fromDatabase(opts: Opts): Promise<RenderedReport> {
  if (opts.registry || opts.replay) throw bad('CONFLICTING_SOURCES', 'database mode uses the active registry: drop --registry / --replay, or drop the database options', '--registry');
  breachQuery(opts, 'UTC'); // refuse bad breach options before opening the database
  const base = loadConfig(process.env);
  const databaseUrl = opts.databaseUrl ?? (opts.dataDir ? undefined : base.databaseUrl);
  const service = await openReportService({
    databaseUrl,
    dataDir: databaseUrl ? undefined : (opts.dataDir ?? base.dataDir),
    schema: base.schema,
    ledger: base.ledger,
  });
  try {
    const { from, to, zone } = period(opts, service.reports.model().operator.jurisdictions);
    const breach = breachQuery(opts, zone);
    return await service.reports.render({ from, to, lang: opts.lang, format: opts.format, timeZone: zone, ...(breach ? { breach } : {}) });
  } finally {
    await service.close();
  }
}

function breachQuery(opts: Opts, zone: string): BreachQuery | undefined {
  if (!opts.breachRecipient && !opts.breachFrom && !opts.breachTo) {
    if (opts.discoveredAt || opts.unauthorisedAccess || opts.highRisk) {
      throw bad('BREACH_SCOPE_REQUIRED', '--discovered-at, --unauthorised-access and --high-risk need --breach-recipient and/or --breach-from/--breach-to', '--breach-recipient');
    }
    return undefined;
  }
  if (!opts.discoveredAt) throw bad('DISCOVERED_AT_REQUIRED', 'breach impact needs --discovered-at (the 72-hour clocks start there)', '--discovered-at');
  return {
    discoveredAt: parseBound(opts.discoveredAt, '--discovered-at', false, zone),
    ...(opts.breachRecipient ? { recipient: opts.breachRecipient } : {}),
    ...(opts.breachFrom ? { from: parseBound(opts.breachFrom, '--breach-from', false, zone) } : {}),
    ...(opts.breachTo ? { to: parseBound(opts.breachTo, '--breach-to', true, zone) } : {}),
    ...(opts.unauthorisedAccess ? { unauthorisedAccess: opts.unauthorisedAccess === 'yes' } : {}),
    ...(opts.highRisk ? { highRisk: opts.highRisk === 'yes' } : {}),
  };
}

/** Temporary file, then rename: a failed run never leaves a file that looks like a finished report. */
function writeAtomically(path: string, body: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, body, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw new CgError('UNWRITABLE_OUTPUT', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400);
  }
}
