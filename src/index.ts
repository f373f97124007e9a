// Public library entry point: the pure core, for embedding ConsentGate's rules in other tools.
export { parseRegistry, MAX_REGISTRY_BYTES } from './core/registry/parse.ts';
export { RegistryModel } from './core/registry/model.ts';
export { lintRegistry, ruleCatalog } from './core/lint/index.ts';
export type * from './core/registry/schema.ts';
export { CgError } from './core/errors.ts';
