import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { startHarness } from '../release/harness.ts';
import { FIXTURES, SAMPLE_FILES, validateSystems } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'consentgate-fides-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    writeFileSync(join(d, f), text);
  }
  return d;
}

function sampleDir(): string {
  const d = join(root, 'sample');
  mkdirSync(join(d, 'nested'), { recursive: true });
  // One file one level down: the directory is read recursively, as Fides projects nest manifests.
  SAMPLE_FILES.forEach((f, i) => copyFileSync(FIXTURES + f, join(d, i === 1 ? 'nested' : '', basename(f))));
  return d;
}

describe('consentgate import fides', () => {
  it('writes a registry draft to stdout and the mapping report and check summary to stderr', async () => {
    const r = await run('import', 'fides', sampleDir(), '--operator-country', 'KR');
    expect(r.code).toBe(0);
    const { registry } = parseRegistry(r.out);
    expect(registry.recipients.map((x) => x.id)).toContain('cookie_house_postgresql_database');
    expect(registry.operator.country).toBe('KR');
    expect(r.err).toMatch(/^mapping report: \d+ note\(s\)/);
    expect(r.err).toContain('demo_system.yml: system[0].privacy_declarations[0].data_use: data use improve.system');
    expect(r.err).toContain('nested/postgres_example_test_dataset.yml');
    expect(r.err).toContain('every finding is for something fideslang cannot express');
  });

  it('--out writes the file that `consentgate check` lints (exit 1: the gaps fideslang leaves are errors)', async () => {
    const out = join(root, 'draft.yaml');
    const r = await run('import', 'fides', sampleDir(), '--operator-country', 'KR', '--jurisdictions', 'KR', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const check = await run('check', out, '--format', 'json');
    expect(check.code).toBe(1);
    const codes = new Set((JSON.parse(check.out) as { findings: Array<{ code: string }> }).findings.map((f) => f.code));
    expect([...codes].sort()).toEqual(['ENTRUSTMENT_UNDISCLOSED', 'KO_TEXT_MISSING', 'PROCESSOR_NO_DPA', 'RETENTION_INDEFINITE']);
  });

  it('bad input: exit 2 with the file and the path of the bad field, nothing written', async () => {
    const d = dir('bad', {
      'ok.yml': readFileSync(FIXTURES + 'fides/sample_systems.yml', 'utf8'),
      'sub/bad.yml': 'system:\n  - fides_key: x\n    system_type: Service\n    privacy_declarations:\n      - data_categories: [user.name]\n        data_use: [not, a, key]\n',
    });
    const out = join(root, 'never.yaml');
    const r = await run('import', 'fides', d, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error FIDES_INVALID: sub/bad.yml: system[0].privacy_declarations[0].data_use');
    expect(existsSync(out)).toBe(false);
  });

  it('a YAML syntax error names its file; a missing directory, one without systems or one where nothing maps is exit 2', async () => {
    const syntax = await run('import', 'fides', dir('syntax', { 'a.yaml': 'system: [\n' }));
    expect(syntax.code).toBe(2);
    expect(syntax.err).toContain('error FIDES_INVALID: a.yaml:');
    const missing = await run('import', 'fides', join(root, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('FILE_NOT_FOUND');
    const empty = await run('import', 'fides', dir('empty', { 'ds.yml': readFileSync(FIXTURES + 'fideslang/demo_dataset.yml', 'utf8') }));
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('error FIDES_EMPTY');
    // fideslang's own demo system uses pre-2.0 data uses only: nothing maps, and the report says why.
    const old = await run('import', 'fides', dir('old', { 'sys.yml': readFileSync(FIXTURES + 'fideslang/demo_system.yml', 'utf8') }));
    expect(old.code).toBe(2);
    expect(old.err).toContain('data use improve.system — not in the fideslang taxonomy');
    expect(old.err).toContain('error FIDES_EMPTY');
    const badCountry = await run('import', 'fides', sampleDir(), '--operator-country', 'korea');
    expect(badCountry.code).toBe(2);
    expect(badCountry.err).toContain('--operator-country');
  });
});

describe('consentgate export fides', () => {
  it('writes fideslang the schema accepts, and the export report', async () => {
    const r = await run('export', 'fides', fileURLToPathSafe('../../examples/marketplace/registry.yaml'));
    expect(r.code).toBe(0);
    const manifest = parse(r.out) as { system: unknown[]; organization: unknown[] };
    expect(validateSystems(manifest)).toBe(true);
    expect(manifest.system).toHaveLength(6);
    expect(r.err).toMatch(/^export report: \d+ note\(s\)/);
    expect(r.err).toContain('declarations[0].items: release forms');
  });

  it('an invalid registry is exit 2 with its path', async () => {
    const bad = join(root, 'bad-registry.yaml');
    writeFileSync(bad, 'version: 2\n');
    const r = await run('export', 'fides', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain('SCHEMA_INVALID');
    expect(r.out).toBe('');
  });
});

function fileURLToPathSafe(rel: string): string {
  return new URL(rel, import.meta.url).pathname;
}

describe('consentgate export fides from the active registry', () => {
  it('reads the active registry of a stopped server (PGlite directory) and writes valid fideslang', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cg-fides-db-'));
    try {
      const h = await startHarness({ dataDir });
      await h.close();
      const r = await run('export', 'fides', '--data-dir', dataDir);
      expect(r.err).toMatch(/^export report/);
      expect(r.code).toBe(0);
      const manifest = parse(r.out) as { system: Array<{ fides_key: string }> };
      expect(validateSystems(manifest)).toBe(true);
      expect(manifest.system.map((s) => s.fides_key)).toContain('cn_sellers');
      expect(r.out).toContain('from the active registry');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a file and a database together, or neither, is exit 2', async () => {
    const both = await run('export', 'fides', 'x.yaml', '--data-dir', root);
    expect(both.code).toBe(2);
    expect(both.err).toContain('CONFLICTING_SOURCES');
    const saved = { url: process.env.DATABASE_URL, dir: process.env.CONSENTGATE_DATA_DIR };
    delete process.env.DATABASE_URL;
    delete process.env.CONSENTGATE_DATA_DIR;
    try {
      const none = await run('export', 'fides');
      expect(none.code).toBe(2);
      expect(none.err).toContain('SOURCE_REQUIRED');
    } finally {
      if (saved.url !== undefined) process.env.DATABASE_URL = saved.url;
      if (saved.dir !== undefined) process.env.CONSENTGATE_DATA_DIR = saved.dir;
    }
  });
});
