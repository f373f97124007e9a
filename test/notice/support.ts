import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';

export const DEMO_YAML = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');

export function demoModel(edit?: (doc: any) => void): RegistryModel {
  if (!edit) return new RegistryModel(parseRegistry(DEMO_YAML).registry);
  const doc = parse(DEMO_YAML);
  edit(doc);
  return new RegistryModel(parseRegistry(stringify(doc)).registry);
}
