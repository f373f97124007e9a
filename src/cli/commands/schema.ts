import { z } from 'zod';
import { registrySchema } from '../../core/registry/schema.ts';
import type { RegisterCommand } from './index.ts';

/**
 * The registry's JSON Schema, generated from the zod schema (the single source of truth) for what
 * an author writes: `io: 'input'` keeps defaulted fields optional. `docs/registry.schema.json` is
 * this output; a test keeps the two equal.
 */
export function registryJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(registrySchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'ConsentGate registry',
    description: 'Privacy-as-code registry: who may receive which personal data, why, on what legal basis, for how long and where. See docs/registry.md.',
    ...rest,
  };
}

export const renderRegistryJsonSchema = (): string => `${JSON.stringify(registryJsonSchema(), null, 2)}\n`;

export const registerSchema: RegisterCommand = (program, io, setExit) => {
  program
    .command('schema')
    .description('print the JSON Schema of the registry format')
    .action(() => {
      io.out(renderRegistryJsonSchema());
      setExit(0);
    });
};
