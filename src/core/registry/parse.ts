import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { CgError, formatPath, type ErrorDetail, type FieldPath } from '../errors.ts';
import { textIssue } from '../text.ts';
import { locatePath } from './locate.ts';
import { registrySchema, type Registry } from './schema.ts';
import { structuralIssues } from './structure.ts';

/** Registries are configuration, not data: anything larger is a mistake or an attack. */
export const MAX_REGISTRY_BYTES = 1024 * 1024;

export interface ParsedRegistry {
  readonly registry: Registry;
  /** Maps a field path to its 1-based line and column in the source, for findings. */
  readonly locate: (path: FieldPath) => { line: number; column: number } | undefined;
}

/**
 * Parses and validates a registry from raw bytes or text. Throws one `CgError` carrying every
 * problem found (not just the first), each with its path and line:column.
 * Structural problems (duplicate ids, dangling references, empty declarations) are part of
 * validity: a registry with them cannot be stored or activated.
 */
export function parseRegistry(input: Uint8Array | string): ParsedRegistry {
  const text = decode(input);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e): ErrorDetail => {
      // `linePos` is only filled in with prettyErrors; the offset always is.
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      return { code: 'YAML_SYNTAX', message: e.message.split('\n')[0] ?? e.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
    });
    throw new CgError('YAML_SYNTAX', `registry is not valid YAML: ${details[0]?.message}`, 400, details);
  }
  const locate = locator(doc, lineCounter);
  const plain = toPlain(doc);
  // YAML escapes can spell text no database stores ("\ud800", "\0"): refuse it with its place.
  const bad = textIssue(plain);
  if (bad) {
    const message = bad.kind === 'nul' ? 'text must not contain U+0000' : 'text must be well-formed Unicode: a lone surrogate has no UTF-8 form';
    throw new CgError('INVALID_ENCODING', `registry: ${formatPath(bad.path)}: ${message}`, 400, [{ code: 'INVALID_ENCODING', message, path: formatPath(bad.path), ...locate(bad.path) }]);
  }
  const result = registrySchema.safeParse(plain);
  if (!result.success) throw schemaError(result.error, locate);
  const structural = structuralIssues(result.data);
  if (structural.length > 0) {
    const details = structural.map((d) => ({ ...d, ...locate(d.pathSegments) }));
    throw new CgError(details[0]!.code, `registry is inconsistent: ${details[0]!.message}`, 422, details.map(stripSegments));
  }
  return { registry: result.data, locate };
}

/** `toJS` throws a bare ReferenceError on alias bombs ("billion laughs"); report it as bad input. */
function toPlain(doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new CgError('YAML_TOO_COMPLEX', `registry YAML cannot be expanded: ${(e as Error).message}`, 400);
  }
}

function decode(input: Uint8Array | string): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > MAX_REGISTRY_BYTES) {
    throw new CgError('REGISTRY_TOO_LARGE', `registry is ${size} bytes; the limit is ${MAX_REGISTRY_BYTES}`, 413);
  }
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
  } catch {
    throw new CgError('INVALID_ENCODING', 'registry is not valid UTF-8', 400);
  }
}

function locator(doc: Document, lc: LineCounter): ParsedRegistry['locate'] {
  return (path) => locatePath(doc, lc, path);
}

function schemaError(error: ZodError, locate: ParsedRegistry['locate']): CgError {
  const details = error.issues.slice(0, 100).map((issue): ErrorDetail => {
    const segments = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    return { code: 'SCHEMA_INVALID', message: issue.message, path: formatPath(segments), ...locate(segments) };
  });
  const first = details[0]!;
  return new CgError('SCHEMA_INVALID', `${first.path || '(root)'}: ${first.message}`, 422, details);
}

function stripSegments<T extends { pathSegments: FieldPath }>(d: T): Omit<T, 'pathSegments'> {
  const { pathSegments: _omit, ...rest } = d;
  return rest;
}
