import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { FidesManifest } from '../../src/core/fides/export.ts';
import { readManifests, type FidesResources } from '../../src/core/fides/manifest.ts';
import { defaultTaxonomy } from '../../src/core/fides/taxonomy.ts';
import type { Registry } from '../../src/core/registry/schema.ts';

/** Vendored upstream material: see test/fixtures/fideslang/README.md. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/fideslang/', import.meta.url));

export const fixture = (path: string): unknown => parse(readFileSync(FIXTURES + path, 'utf8'));

/** The Fides sample project plus fideslang's demo organization, systems, dataset and taxonomy extension. */
export const SAMPLE_FILES = [
  'fides/sample_systems.yml',
  'fides/postgres_example_test_dataset.yml',
  'fideslang/demo_organization.yml',
  'fideslang/demo_system.yml',
  'fideslang/demo_dataset.yml',
  'fideslang/demo_extended_taxonomy.yml',
];

export function sampleResources(files: readonly string[] = SAMPLE_FILES): FidesResources {
  return readManifests(files.map((file) => ({ file, value: fixture(file) })));
}

/** What a manifest looks like after being written as YAML and read back, as the CLI does. */
export const throughYaml = <T>(v: T): unknown => parse(stringify(v));

/** fideslang's FIDES_KEY_PATTERN (src/fideslang/validation.py): not in the generated JSON Schema. */
export const FIDES_KEY_PATTERN = /^[a-zA-Z0-9_.<>-]+$/;

/** The JSON Schema generated from fideslang's pydantic models (test/fixtures/fideslang/README.md). */
const schema = JSON.parse(readFileSync(FIXTURES + 'fideslang/system.schema.json', 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
export const validateSystems = ajv.compile(schema);

export function expectFideslangValid(manifest: FidesManifest): void {
  const plain = throughYaml(manifest) as { system: unknown[] };
  const ok = validateSystems(plain);
  expect(validateSystems.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  const t = defaultTaxonomy();
  for (const s of manifest.system) {
    expect(s.fides_key).toMatch(FIDES_KEY_PATTERN);
    for (const d of s.privacy_declarations) {
      expect(t.uses.has(d.data_use), d.data_use).toBe(true);
      for (const c of d.data_categories) expect(t.categories.has(c), c).toBe(true);
    }
  }
}

/** Everything the import maps, in a form to compare. */
export function mappedFields(r: Registry) {
  return {
    operator: { legal_name: r.operator.legal_name, privacy_officer: r.operator.privacy_officer, domestic_agents: r.operator.domestic_agents },
    data_categories: r.data_categories,
    purposes: r.purposes,
    recipients: r.recipients.map(({ id, name, role, country }) => ({ id, name, role, country })),
    recipient_classes: r.recipient_classes.map(({ id, name, role, countries }) => ({ id, name, role, countries })),
    // The export writes recipients' systems before classes': declaration order may change, ids do not.
    declarations: r.declarations
      .map(({ id, recipient, purpose, items, legal_basis, retention, transfer }) => ({ id, recipient, purpose, items, legal_basis, retention, transfer }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

