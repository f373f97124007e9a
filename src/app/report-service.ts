import { CgError } from '../core/errors.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import { assessBreach, breachSource, type BreachImpact, type BreachQuery } from '../core/report/breach.ts';
import { buildReport } from '../core/report/build.ts';
import { renderCsv } from '../core/report/csv.ts';
import { renderHtml } from '../core/report/html.ts';
import type { Checkpoint, Lang, Report, ReportContext, ReportSource } from '../core/report/model.ts';
import { bucketsBetween, crossBorder, granularityOf, storedVolumes, type StoredFacts, verificationSource } from '../core/report/stored.ts';
import { htmlToPdf } from '../report/pdf.ts';
import { dayIn } from '../core/report/zone.ts';
import * as q from '../store/report-queries.ts';
import type { Database } from '../store/sql.ts';
import type { AppConfig } from '../config.ts';
import { Journal } from '../store/journal.ts';
import { sqlLedgerAppender } from '../store/ledger-appender.ts';
import { openDatabase } from '../store/open.ts';
import { AdminActions } from './admin-actions.ts';
import { LedgerService } from './ledger-service.ts';
import { MEMBER_ID_RE } from './members-service.ts';
import { RegistryService } from './registry-service.ts';

export type ReportFormat = 'html' | 'csv' | 'pdf' | 'json';

/**
 * One document of the report instead of the whole (src/app/report-documents.ts): its sections,
 * its title, and the stem of its file name.
 */
export interface ReportPart {
  readonly sources: readonly ReportSource[];
  readonly title: string;
  readonly name: string;
}

type RenderOpts = { from: number; to: number; lang: Lang; format: ReportFormat; breach?: BreachQuery; timeZone?: string; part?: ReportPart };

export interface RenderedReport {
  readonly contentType: string;
  readonly body: string | Buffer;
  /** Suggested file name, e.g. `consentgate-report-2026-01-01_2026-03-31.html`. */
  readonly filename: string;
}

/** Rows of the PIPA 17 table an HTML/PDF report shows; CSV and JSON carry all of them. */
export const HTML_PROVISION_ROWS = 200;
/** Beyond this many provisions a full listing is refused: narrow the period instead. */
export const MAX_PROVISION_ROWS = 200_000;

export interface ReportDeps {
  readonly db: Database;
  readonly registry: RegistryService;
  readonly ledger: LedgerService;
  /** HTML → PDF; headless Chromium by default. */
  readonly pdf?: (html: string) => Promise<Buffer>;
  readonly now?: () => number;
}

/**
 * Regulator-ready reports from the stored records. Each report first signs (or reuses) a
 * checkpoint of the current log, then counts only ledgered rows below its size, and embeds the
 * signed note and the verifier key: anyone can check the tree the numbers were computed from.
 */
export class ReportService {
  private readonly now: () => number;
  private readonly pdf: (html: string) => Promise<Buffer>;

  constructor(private readonly deps: ReportDeps) {
    this.now = deps.now ?? Date.now;
    this.pdf = deps.pdf ?? ((html) => htmlToPdf(html));
  }

  /** The active registry (its operator's jurisdictions pick a report's default time zone). */
  model(): RegistryModel {
    const m = this.deps.registry.model;
    if (!m) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active: activate one before asking for reports', 409);
    return m;
  }

  /** Signs the current head (if anything is new) and returns it as the report's anchor. */
  async checkpoint(): Promise<Checkpoint> {
    const cp = await this.deps.ledger.checkpoint();
    return { size: cp.size, root: Buffer.from(cp.root).toString('base64'), note: cp.note, verifier_key: this.deps.ledger.verifierKey, key_id: this.deps.ledger.origin };
  }

  /** Every number of the stored sections, below `belowLeaf`. */
  async facts(m: RegistryModel, from: number, to: number, belowLeaf: number, provisionLimit: number): Promise<StoredFacts> {
    const sql = this.deps.db;
    const p = { from, to, belowLeaf };
    const countries: Record<string, string> = {};
    for (const [id, party] of m.parties) {
      if (party.kind === 'recipient') countries[id] = party.country;
      else if (party.countries.length === 1) countries[id] = party.countries[0]!;
    }
    const fallback = m.operator.jurisdictions[0] ?? 'KR';
    const asOf = Math.min(to, this.now());
    const granularity = granularityOf(from, to);
    const [transfers, decisions, provisions, consents, denies, timeline, rights] = await Promise.all([
      q.transferRows(sql, p, countries, fallback),
      q.decisionCounts(sql, p),
      q.provisionRows(sql, p, provisionLimit),
      q.consentStats(sql, p),
      q.denyStats(sql, p),
      q.timelineRows(sql, p, granularity),
      q.rightsStats(sql, p, asOf),
    ]);
    return {
      below_leaf: belowLeaf,
      decisions,
      transfers: transfers.transfers,
      volumes: transfers.volumes,
      provisions,
      consents,
      denies,
      timeline: { granularity, rows: bucketsBetween(from, to, granularity).map((b) => timeline.get(b) ?? q.emptyBucket(b)) },
      rights,
      rights_as_of: new Date(asOf).toISOString(),
    };
  }

  /** The report model plus its raw numbers (the JSON format). */
  async compute(opts: RenderOpts): Promise<{ report: Report; stored: StoredFacts; checkpoint: Checkpoint; breach?: BreachImpact }> {
    const m = this.model();
    // Refuse bad input before signing anything.
    if (opts.breach) await this.validateBreach(m, opts.breach);
    const checkpoint = await this.checkpoint();
    const full = opts.format === 'csv' || opts.format === 'json';
    const stored = await this.facts(m, opts.from, opts.to, checkpoint.size, full ? MAX_PROVISION_ROWS + 1 : HTML_PROVISION_ROWS);
    if (full && stored.provisions.total > MAX_PROVISION_ROWS) {
      throw new CgError('REPORT_TOO_LARGE', `${stored.provisions.total} provision records in the period; a full listing is limited to ${MAX_PROVISION_ROWS}: choose a shorter period`, 413, [
        { code: 'REPORT_TOO_LARGE', message: 'too many provision records', path: 'to' },
      ]);
    }
    const breach = opts.breach ? await this.assess(m, opts.breach, checkpoint.size) : undefined;
    const ctx: ReportContext = {
      registry: m,
      lang: opts.lang,
      from: opts.from,
      to: opts.to,
      generatedAt: this.now(),
      ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
      checkpoint,
      stored,
      volumes: storedVolumes(stored, (c, j) => m.isOverseas(c, j)),
      provisionRows: full ? Infinity : HTML_PROVISION_ROWS,
      ...(breach ? { breach } : {}),
    };
    const report = opts.part ? { ...buildReport(ctx, opts.part.sources), title: opts.part.title } : buildReport(ctx);
    return { report, stored, checkpoint, ...(breach ? { breach } : {}) };
  }

  async render(opts: RenderOpts): Promise<RenderedReport> {
    const { report, stored, checkpoint, breach } = await this.compute(opts);
    const name = `${opts.part?.name ?? 'consentgate-report'}-${report.period.from}_${report.period.to}`;
    switch (opts.format) {
      case 'json': {
        const m = this.model();
        const body = {
          period: { from: new Date(opts.from).toISOString(), to: new Date(opts.to).toISOString(), days: { from: report.period.from, to: report.period.to }, time_zone: report.period.time_zone },
          generated_at: report.generated_at,
          registry_hash: report.registry_hash,
          checkpoint,
          decisions: stored.decisions,
          cross_border: crossBorder(m, stored.transfers),
          volumes: stored.volumes,
          provisions: stored.provisions,
          consents: stored.consents,
          denies: stored.denies,
          timeline: stored.timeline,
          rights: stored.rights,
          rights_as_of: stored.rights_as_of,
          ...(breach ? { breach } : {}),
        };
        return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(body, null, 2) + '\n', filename: `${name}.json` };
      }
      case 'csv':
        return { contentType: 'text/csv; charset=utf-8', body: renderCsv(report), filename: `${name}.csv` };
      case 'html':
        return { contentType: 'text/html; charset=utf-8', body: renderHtml(report), filename: `${name}.html` };
      case 'pdf':
        return { contentType: 'application/pdf', body: await this.pdf(renderHtml(report)), filename: `${name}.pdf` };
    }
  }

  /** Breach impact alone: JSON (the assessment), or a report of the breach and verification sections. */
  async breach(query: BreachQuery, opts: { lang: Lang; format: ReportFormat; title?: string; timeZone?: string }): Promise<RenderedReport> {
    const m = this.model();
    await this.validateBreach(m, query);
    const checkpoint = await this.checkpoint();
    const impact = await this.assess(m, query, checkpoint.size);
    // The discovery day as the report counts days (UTC unless a zone is given).
    const name = `consentgate-breach-${dayIn(query.discoveredAt, opts.timeZone ?? 'UTC')}`;
    if (opts.format === 'json') return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ ...impact, checkpoint }, null, 2) + '\n', filename: `${name}.json` };
    const built = buildReport(
      {
        registry: m,
        lang: opts.lang,
        from: query.from ?? 0,
        to: query.to ?? query.discoveredAt,
        generatedAt: this.now(),
        ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
        checkpoint,
        breach: impact,
        provisionRows: opts.format === 'csv' ? Infinity : HTML_PROVISION_ROWS,
      },
      [breachSource, verificationSource],
    );
    const report = opts.title ? { ...built, title: opts.title } : built;
    if (opts.format === 'csv') return { contentType: 'text/csv; charset=utf-8', body: renderCsv(report), filename: `${name}.csv` };
    const html = renderHtml(report);
    if (opts.format === 'pdf') return { contentType: 'application/pdf', body: await this.pdf(html), filename: `${name}.pdf` };
    return { contentType: 'text/html; charset=utf-8', body: html, filename: `${name}.html` };
  }

  private async validateBreach(m: RegistryModel, query: BreachQuery): Promise<void> {
    if (query.recipient === undefined && query.from === undefined && query.to === undefined) {
      throw new CgError('BREACH_SCOPE_REQUIRED', 'name the compromised recipient, a time window, or both', 422, [
        { code: 'BREACH_SCOPE_REQUIRED', message: 'recipient or from/to required', path: 'recipient' },
      ]);
    }
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      throw new CgError('INVALID_PERIOD', 'the window starts after it ends', 422, [{ code: 'INVALID_PERIOD', message: 'from is after to', path: 'from' }]);
    }
    // Only a well-formed id reaches SQL (a NUL byte, for one, is not storable text).
    const r = query.recipient;
    if (r !== undefined && !m.parties.has(r) && (!MEMBER_ID_RE.test(r) || (await q.memberClass(this.deps.db, r)) === undefined)) {
      throw new CgError('UNKNOWN_RECIPIENT', `no recipient, class or class member "${r.slice(0, 64)}"`, 422, [
        { code: 'UNKNOWN_RECIPIENT', message: 'not in the registry nor a registered class member', path: 'recipient' },
      ]);
    }
  }

  private async assess(m: RegistryModel, query: BreachQuery, belowLeaf: number): Promise<BreachImpact> {
    const facts = await q.breachFacts(this.deps.db, { recipient: query.recipient ?? null, from: query.from ?? null, to: query.to ?? null, belowLeaf });
    return assessBreach(m, query, facts);
  }
}

/**
 * The report service without the rest of the application (the CLI): the database, the active
 * registry and the ledger — nothing that listens, sweeps or delivers. Close it when done.
 */
export async function openReportService(config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'schema' | 'ledger'>): Promise<{ reports: ReportService; close(): Promise<void> }> {
  const db = await openDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.dataDir && !config.databaseUrl ? { dataDir: config.dataDir } : {}),
    ...(config.schema ? { schema: config.schema } : {}),
    // A report never creates a database: a mistyped --data-dir is an error, not a new empty one.
    mustExist: true,
  });
  const journal = new Journal(db, sqlLedgerAppender);
  const registry = new RegistryService(db, new AdminActions(journal));
  const ledger = new LedgerService(db, journal, config.ledger ?? {});
  const started: Array<{ stop(): Promise<void> }> = [];
  const close = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    await journal.close().catch(() => {});
    await db.close();
  };
  try {
    await registry.start();
    started.push(registry);
    await ledger.start();
    started.push(ledger);
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  return { reports: new ReportService({ db, registry, ledger }), close };
}
