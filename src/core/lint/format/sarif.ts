import { ruleCatalog, type RuleMeta } from '../index.ts';
import type { Finding, Severity } from '../finding.ts';
import { messageIn, type CheckReport, type Lang } from '../report.ts';

/**
 * SARIF 2.1.0, as GitHub code scanning accepts it: one run, `tool.driver.rules` listing every lint
 * rule (plus the input-error codes the report uses), and results with `ruleId`/`ruleIndex`, `level`,
 * `message.text` and a physical location (relative URI, 1-based line and column; line 1 when the
 * problem has no position, because code scanning rejects results without a location).
 */
export interface SarifOptions {
  /** Artifact URI of the registry, relative to the repository root, with forward slashes. */
  readonly uri: string;
  readonly lang?: Lang;
  readonly toolVersion?: string;
}

const INFORMATION_URI = 'https://github.com/consentgate/consentgate/blob/main/docs/registry.md';

/** Codes a report may carry when the registry could not be read at all. */
const INPUT_ERRORS: Record<string, string> = {
  YAML_SYNTAX: 'The registry is not valid YAML.',
  YAML_TOO_COMPLEX: 'The registry YAML expands too many aliases.',
  SCHEMA_INVALID: 'A field is missing, of the wrong type or out of range (see docs/registry.schema.json).',
  REGISTRY_TOO_LARGE: 'The registry exceeds the 1 MiB limit.',
  INVALID_ENCODING: 'The registry is not valid UTF-8.',
  FILE_NOT_FOUND: 'The registry file does not exist.',
  FILE_UNREADABLE: 'The registry file cannot be read.',
};

export function toSarif(report: CheckReport, opts: SarifOptions): object {
  const lang = opts.lang ?? 'en';
  const catalog: RuleMeta[] = [...ruleCatalog];
  const index = new Map(catalog.map((r, i) => [r.code, i]));
  for (const f of report.findings) {
    if (index.has(f.code)) continue;
    index.set(f.code, catalog.length);
    const text = INPUT_ERRORS[f.code] ?? `Input error ${f.code}.`;
    catalog.push({ code: f.code, severity: 'error', articles: [], title: text, description: text });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ConsentGate',
            ...(opts.toolVersion ? { semanticVersion: opts.toolVersion } : {}),
            informationUri: INFORMATION_URI,
            rules: catalog.map(sarifRule),
          },
        },
        results: report.findings.map((f) => sarifResult(f, index.get(f.code)!, opts.uri, lang)),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

export function formatSarif(report: CheckReport, opts: SarifOptions): string {
  return `${JSON.stringify(toSarif(report, opts), null, 2)}\n`;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

function sarifRule(r: RuleMeta) {
  const cited = r.articles.length > 0 ? ` (${r.articles.join(', ')})` : '';
  return {
    id: r.code,
    name: pascal(r.code),
    shortDescription: { text: `${r.title}${cited}` },
    fullDescription: { text: r.description },
    help: { text: `${r.description}${cited}` },
    helpUri: `${INFORMATION_URI}#rules`,
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['privacy', 'compliance', ...r.articles], articles: r.articles },
  };
}

function sarifResult(f: Finding, ruleIndex: number, uri: string, lang: Lang) {
  const cited = f.articles.length > 0 ? ` [${f.articles.join(', ')}]` : '';
  return {
    ruleId: f.code,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: `${messageIn(f, lang)}${cited}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri },
          region: { startLine: f.line ?? 1, startColumn: f.column ?? 1 },
        },
        ...(f.path ? { logicalLocations: [{ fullyQualifiedName: f.path, kind: 'member' }] } : {}),
      },
    ],
  };
}

const pascal = (code: string) =>
  code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
