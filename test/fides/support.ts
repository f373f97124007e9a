import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { readManifests, type FidesResources } from '../../src/core/fides/manifest.ts';

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
