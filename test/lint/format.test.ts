import { describe, expect, it } from 'vitest';
import { CgError } from '../../src/core/errors.ts';
import { formatJson } from '../../src/core/lint/format/json.ts';
import { toSarif } from '../../src/core/lint/format/sarif.ts';
import { formatTable } from '../../src/core/lint/format/table.ts';
import { lintRegistry, ruleCatalog } from '../../src/core/lint/index.ts';
import { invalidReport, lintReport } from '../../src/core/lint/report.ts';
import { decl, modelWith } from './fixtures.ts';

const model = modelWith((r) => {
  delete decl(r, 'sellers_fulfilment').transfer;
  r.operator.domestic_agents = [];
});
const findings = lintRegistry(model, (p) => ({ line: p.length + 10, column: 2 }));
const report = lintReport('reg.yaml', model.hash, findings);

describe('table', () => {
  it('lists each finding with its code, place, articles and message, then a summary', () => {
    const out = formatTable(report);
    for (const f of findings) {
      expect(out).toContain(f.code);
      expect(out).toContain(`${f.path} (${f.line}:${f.column})`);
      expect(out).toContain(f.message);
    }
    expect(out).toContain('PIPA 28-8(1)');
    expect(out.trimEnd().split('\n').at(-1)).toBe(`reg.yaml: ${findings.length} errors, 0 warnings, 0 notes`);
  });

  it('speaks Korean when asked', () => {
    const out = formatTable(report, 'ko');
    for (const f of findings) expect(out).toContain(f.message_ko);
    expect(out).toContain(`오류 ${findings.length}건`);
  });

  it('says so when there is nothing to report', () => {
    expect(formatTable(lintReport('clean.yaml', 'h', []))).toBe('clean.yaml: no findings\n');
  });

  it('shows input errors with their line when they have no path', () => {
    const out = formatTable(invalidReport('x.yaml', new CgError('YAML_SYNTAX', 'bad', 400, [{ code: 'YAML_SYNTAX', message: 'bad indent', line: 3, column: 1 }])));
    expect(out).toContain('YAML_SYNTAX  line 3:1');
    expect(out).toContain('registry is invalid (YAML_SYNTAX, 1 problem)');
  });
});

describe('json', () => {
  it('carries status, hash, summary and the findings verbatim', () => {
    const parsed = JSON.parse(formatJson(report));
    expect(parsed.status).toBe('findings');
    expect(parsed.registry_hash).toBe(model.hash);
    expect(parsed.summary).toEqual({ errors: findings.length, warnings: 0, notes: 0 });
    expect(parsed.findings).toEqual(findings);
    expect(parsed.error).toBeUndefined();
  });

  it('turns every detail of an input error into a finding', () => {
    const err = new CgError('SCHEMA_INVALID', 'x', 422, [
      { code: 'SCHEMA_INVALID', message: 'expected 1', path: 'version', line: 1, column: 10 },
      { code: 'SCHEMA_INVALID', message: 'required', path: 'operator' },
    ]);
    const parsed = JSON.parse(formatJson(invalidReport('r.yaml', err)));
    expect(parsed.status).toBe('invalid');
    expect(parsed.error).toEqual({ code: 'SCHEMA_INVALID', message: 'x' });
    expect(parsed.findings).toEqual([
      { code: 'SCHEMA_INVALID', severity: 'error', articles: [], message: 'expected 1', path: 'version', line: 1, column: 10 },
      { code: 'SCHEMA_INVALID', severity: 'error', articles: [], message: 'required', path: 'operator' },
    ]);
  });

  it('reports an error without details as one finding at the document', () => {
    const parsed = JSON.parse(formatJson(invalidReport('r.yaml', new CgError('INVALID_ENCODING', 'not UTF-8'))));
    expect(parsed.findings).toEqual([{ code: 'INVALID_ENCODING', severity: 'error', articles: [], message: 'not UTF-8', path: '' }]);
  });
});

describe('sarif', () => {
  type Sarif = {
    version: string;
    $schema: string;
    runs: Array<{
      tool: { driver: { name: string; rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string }; properties: { articles: string[] } }> } };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }>;
      }>;
    }>;
  };

  it('is SARIF 2.1.0 with every rule in tool.driver.rules and results pointing at them', () => {
    const sarif = toSarif(report, { uri: 'examples/reg.yaml', toolVersion: '0.1.0' }) as Sarif;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toContain('sarif-2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.name).toBe('ConsentGate');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(ruleCatalog.map((r) => r.code));
    const overseas = run.tool.driver.rules.find((r) => r.id === 'OVERSEAS_NO_GROUND')!;
    expect(overseas.properties.articles).toEqual(['PIPA 28-8(1)']);
    expect(overseas.shortDescription.text).toContain('PIPA 28-8(1)');
    expect(run.results).toHaveLength(findings.length);
    run.results.forEach((res, i) => {
      const f = findings[i]!;
      expect(res.ruleId).toBe(f.code);
      expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
      expect(res.level).toBe('error');
      expect(res.message.text).toContain(f.message);
      expect(res.locations[0]!.physicalLocation).toEqual({
        artifactLocation: { uri: 'examples/reg.yaml' },
        region: { startLine: f.line, startColumn: f.column },
      });
    });
  });

  it('adds input-error codes as rules and still gives every result a location', () => {
    const err = new CgError('INVALID_ENCODING', 'not UTF-8');
    const sarif = toSarif(invalidReport('r.yaml', err), { uri: 'r.yaml', lang: 'ko' }) as Sarif;
    const run = sarif.runs[0]!;
    const res = run.results[0]!;
    expect(res.ruleId).toBe('INVALID_ENCODING');
    expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe('INVALID_ENCODING');
    expect(res.locations[0]!.physicalLocation.region).toEqual({ startLine: 1, startColumn: 1 });
  });

  it('uses the Korean message with lang ko', () => {
    const sarif = toSarif(report, { uri: 'r.yaml', lang: 'ko' }) as Sarif;
    expect(sarif.runs[0]!.results.map((r) => r.message.text)).toEqual(findings.map((f) => `${f.message_ko} [${f.articles.join(', ')}]`));
  });
});
