import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { ruleCatalog } from '../../src/core/lint/index.ts';
import { MAX_REGISTRY_BYTES } from '../../src/core/registry/parse.ts';
import { CLEAN_PATH, VIOLATIONS_PATH } from '../lint/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'consentgate-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanText = readFileSync(CLEAN_PATH, 'utf8');

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function run(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

async function runJson(...args: string[]) {
  const r = await run(...args, '--format', 'json');
  return { ...r, json: JSON.parse(r.out) as { status: string; findings: Array<Record<string, unknown>>; error?: { code: string } } };
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function position(text: string, needle: string): { line: number; column: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('consentgate check', () => {
  it('exits 0 with no findings on the clean demo registry', async () => {
    const r = await run('check', CLEAN_PATH);
    expect(r.code).toBe(0);
    expect(r.out).toContain('no findings');
    expect(r.err).toBe('');
    const { code, json } = await runJson('check', CLEAN_PATH);
    expect(code).toBe(0);
    expect(json.status).toBe('clean');
    expect(json.findings).toEqual([]);
  });

  it('exits 1 and lists the violations with their articles', async () => {
    const r = await run('check', VIOLATIONS_PATH);
    expect(r.code).toBe(1);
    for (const s of ['OVERSEAS_NO_GROUND', 'PIPA 28-8(1)', 'DOMESTIC_AGENT_MISSING', 'PIPA 31-2', 'AD_TARGETING_REQUIRED', 'THIRD_PARTY_NO_BASIS', 'PIPA 17(1)', '10 errors']) {
      expect(r.out).toContain(s);
    }
  });

  it('prints JSON with every finding located', async () => {
    const { code, json } = await runJson('check', VIOLATIONS_PATH);
    expect(code).toBe(1);
    expect(json.status).toBe('findings');
    expect(json.findings.map((f) => f.code).sort()).toEqual(
      [
        'AD_TARGETING_REQUIRED',
        'DOMESTIC_AGENT_MISSING',
        'ENTRUSTMENT_UNDISCLOSED',
        'OPTIONAL_AS_CONTRACT',
        'OVERSEAS_AGREEMENT_MISSING',
        'OVERSEAS_NO_GROUND',
        'PROCESSOR_NO_DPA',
        'RETENTION_INDEFINITE',
        'THIRD_PARTY_NO_BASIS',
        'THIRD_PARTY_NO_BASIS',
      ],
    );
    for (const f of json.findings) {
      expect(f.line).toEqual(expect.any(Number));
      expect(f.column).toEqual(expect.any(Number));
    }
  });

  it('prints SARIF that code scanning can ingest', async () => {
    const r = await run('check', VIOLATIONS_PATH, '--format', 'sarif');
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.out);
    expect(sarif.version).toBe('2.1.0');
    const run0 = sarif.runs[0];
    expect(run0.tool.driver.semanticVersion).toMatch(/^\d+\.\d+\.\d+/);
    const ids = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining(ruleCatalog.map((x) => x.code)));
    expect(run0.results).toHaveLength(10);
    for (const res of run0.results) {
      expect(ids[res.ruleIndex]).toBe(res.ruleId);
      expect(res.level).toBe('error');
      const loc = res.locations[0].physicalLocation;
      // Relative to the working directory (the repository root under vitest), forward slashes.
      expect(loc.artifactLocation.uri).toBe(relative(process.cwd(), VIOLATIONS_PATH).split('\\').join('/'));
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(loc.region.startColumn).toBeGreaterThanOrEqual(1);
    }
  });

  it('prints Korean messages with --lang ko', async () => {
    const r = await run('check', VIOLATIONS_PATH, '--lang', 'ko');
    expect(r.code).toBe(1);
    expect(r.out).toContain('국내대리인');
    expect(r.out).toContain('오류 10건');
  });

  it('gives a schema error its YAML path and line:column, exit 2', async () => {
    const bad = cleanText.replace('legal_basis: legal_obligation', 'legal_basis: legal_obligaton');
    const p = file('schema.yaml', bad);
    const { code, json } = await runJson('check', p);
    expect(code).toBe(2);
    expect(json.status).toBe('invalid');
    expect(json.error?.code).toBe('SCHEMA_INVALID');
    const pos = position(bad, 'legal_obligaton');
    expect(json.findings).toEqual([expect.objectContaining({ code: 'SCHEMA_INVALID', path: 'declarations[2].legal_basis', ...pos })]);
  });

  it('prints input errors in the table format on stderr', async () => {
    const p = file('type.yaml', cleanText.replace('required: true', 'required: yes please'));
    const r = await run('check', p);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const pos = position(readFileSync(p, 'utf8'), 'yes please');
    expect(r.err).toContain(`SCHEMA_INVALID  purposes[0].required (${pos.line}:${pos.column})`);
  });

  it('reports YAML syntax errors with their line, exit 2', async () => {
    const p = file('syntax.yaml', 'version: 1\noperator:\n  legal_name: [unclosed\n');
    const { code, json } = await runJson('check', p);
    expect(code).toBe(2);
    expect(json.error?.code).toBe('YAML_SYNTAX');
    expect(json.findings[0]).toEqual(expect.objectContaining({ code: 'YAML_SYNTAX', line: expect.any(Number), column: expect.any(Number) }));
  });

  it('reports structural errors (unknown reference, duplicate id) with paths, exit 2', async () => {
    const bad = cleanText.replace('recipient: hanbit_express', 'recipient: ghost_express').replace('- id: phone', '- id: name');
    const { code, json } = await runJson('check', file('structure.yaml', bad));
    expect(code).toBe(2);
    expect(json.findings.map((f) => [f.code, f.path])).toEqual(
      expect.arrayContaining([
        ['UNKNOWN_REFERENCE', 'declarations[1].recipient'],
        ['DUPLICATE_ID', 'data_categories[1].id'],
      ]),
    );
    const ref = json.findings.find((f) => f.path === 'declarations[1].recipient')!;
    expect({ line: ref.line, column: ref.column }).toEqual(position(bad, 'ghost_express'));
  });

  it('prints input errors as SARIF too, so an upload step always has a file', async () => {
    const r = await run('check', file('sarif-bad.yaml', 'version: 2\n'), '--format', 'sarif');
    expect(r.code).toBe(2);
    const run0 = JSON.parse(r.out).runs[0];
    expect(run0.results.length).toBeGreaterThan(0);
    for (const res of run0.results) {
      expect(res.ruleId).toBe('SCHEMA_INVALID');
      expect(run0.tool.driver.rules[res.ruleIndex].id).toBe('SCHEMA_INVALID');
    }
  });

  it('refuses a file over 1 MiB without parsing it, exit 2', async () => {
    const p = file('big.yaml', `${cleanText}\n#${'x'.repeat(MAX_REGISTRY_BYTES)}\n`);
    const { code, json } = await runJson('check', p);
    expect(code).toBe(2);
    expect(json.error?.code).toBe('REGISTRY_TOO_LARGE');
  });

  it('refuses non-UTF-8 input, exit 2', async () => {
    const latin1 = Buffer.from(cleanText.replace('Harbor Bazaar Pte. Ltd.', 'Caf\u00e9 Bazaar'), 'latin1');
    const { code, json } = await runJson('check', file('latin1.yaml', latin1));
    expect(code).toBe(2);
    expect(json.error?.code).toBe('INVALID_ENCODING');
  });

  it('reports a missing file, exit 2', async () => {
    const { code, json } = await runJson('check', join(dir, 'nope.yaml'));
    expect(code).toBe(2);
    expect(json.error?.code).toBe('FILE_NOT_FOUND');
  });

  it('reports a directory as unreadable, exit 2', async () => {
    const { code, json } = await runJson('check', dir);
    expect(code).toBe(2);
    expect(json.error?.code).toBe('FILE_UNREADABLE');
  });

  it('rejects an unknown format, exit 2', async () => {
    const r = await run('check', CLEAN_PATH, '--format', 'xml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('xml');
  });
});

describe('consentgate schema', () => {
  it('prints the JSON Schema that docs/registry.schema.json holds', async () => {
    const r = await run('schema');
    expect(r.code).toBe(0);
    const committed = readFileSync(new URL('../../docs/registry.schema.json', import.meta.url), 'utf8');
    expect(r.out).toBe(committed);
    const schema = JSON.parse(r.out);
    expect(schema.$schema).toContain('2020-12');
    expect(Object.keys(schema.properties)).toEqual([
      'version', 'operator', 'data_categories', 'collection_points', 'purposes', 'recipients', 'recipient_classes', 'declarations',
    ]);
    // Input side: defaulted fields are optional for authors.
    expect(schema.required).toEqual(['version', 'operator', 'data_categories', 'purposes']);
  });
});
