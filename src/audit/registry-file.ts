import { readFileSync } from 'node:fs';
import { CgError, isCgError } from '../core/errors.ts';
import { MAX_REGISTRY_BYTES, parseRegistry } from '../core/registry/parse.ts';
import { RegistryModel } from '../core/registry/model.ts';
import { openInput } from './input.ts';

/**
 * Reads and validates a registry file (schema and structure, via parseRegistry). Errors keep
 * their details (path, line:column) and gain the file name. Statutory lint findings are not
 * checked here: an audit exists precisely to measure what a registry's gaps let through.
 */
export function loadRegistryFile(file: string): RegistryModel {
  openInput(file, 'registry', MAX_REGISTRY_BYTES).stream.destroy();
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CgError('UNREADABLE_FILE', `registry ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 400);
  }
  try {
    return new RegistryModel(parseRegistry(bytes).registry);
  } catch (e) {
    if (!isCgError(e)) throw e;
    const first = e.details[0];
    const where = first?.line ? `${file}:${first.line}:${first.column ?? 1}` : file;
    throw new CgError(e.code, `${where}: ${e.message}`, e.status >= 500 ? e.status : 400, e.details, e.extra);
  }
}
