import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { registrySchema, type Declaration, type Registry } from '../../src/core/registry/schema.ts';
import { structuralIssues } from '../../src/core/registry/structure.ts';

export const CLEAN_PATH = fileURLToPath(new URL('../../examples/marketplace/registry.yaml', import.meta.url));
export const VIOLATIONS_PATH = fileURLToPath(new URL('../../examples/marketplace/registry-violations.yaml', import.meta.url));

const clean = parseRegistry(readFileSync(CLEAN_PATH)).registry;

/** A fresh, mutable copy of the clean demo registry, as `parseRegistry` returns it (defaults applied). */
export const cleanRegistry = (): Registry => structuredClone(clean);

/**
 * The clean registry after `mutate`, re-validated: a fixture that the schema or the structural
 * checks would reject fails loudly here, so no rule test relies on a registry `parseRegistry`
 * could never produce.
 */
export function modelWith(mutate: (r: Registry) => void = () => {}): RegistryModel {
  const r = cleanRegistry();
  mutate(r);
  const parsed = registrySchema.parse(r);
  const issues = structuralIssues(parsed);
  if (issues.length > 0) throw new Error(`fixture is structurally invalid: ${issues.map((i) => i.message).join('; ')}`);
  return new RegistryModel(parsed);
}

/** The clean registry after `mutate`, NOT validated: for the structural rules only. */
export function rawModelWith(mutate: (r: Registry) => void): RegistryModel {
  const r = cleanRegistry();
  mutate(r);
  return new RegistryModel(r);
}

/** The declaration with `id` (mutable), failing the test when the example no longer has it. */
export function decl(r: Registry, id: string): Declaration {
  const d = r.declarations.find((x) => x.id === id);
  if (!d) throw new Error(`no declaration ${id} in the clean example`);
  return d;
}

export const declIndex = (r: Registry, id: string): number => r.declarations.findIndex((x) => x.id === id);

export function byId<T extends { id: string }>(list: T[], id: string): T {
  const found = list.find((x) => x.id === id);
  if (!found) throw new Error(`no ${id} in the clean example`);
  return found;
}
