import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CgError } from '../../src/core/errors.ts';
import { lintRegistry } from '../../src/core/lint/index.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { cleanRegistry } from './fixtures.ts';

/** Parses, and if the registry is valid, lints: the path every registry upload takes. */
function parseAndLint(input: Uint8Array | string): 'valid' | string {
  try {
    const parsed = parseRegistry(input);
    const model = new RegistryModel(parsed.registry);
    const a = lintRegistry(model, parsed.locate);
    expect(lintRegistry(model, parsed.locate)).toEqual(a);
    for (const f of a) {
      expect(f.line).toBeGreaterThanOrEqual(1);
      expect(f.column).toBeGreaterThanOrEqual(1);
    }
    return 'valid';
  } catch (e) {
    if (!(e instanceof CgError)) throw e;
    expect(e.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    return e.code;
  }
}

/** Every path to a value in a JSON-like tree. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove && Array.isArray(node)) node.splice(last as number, 1);
  else if (remove) delete node[last];
  else node[last] = value;
  return root;
}

const cleanPaths = paths(cleanRegistry());

describe('parseRegistry never crashes', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => void parseAndLint(bytes)), { numRuns: 500 });
  });

  it('on random text, including YAML punctuation', () => {
    const yamlish = fc.string({
      unit: fc.constantFrom('a', '1', ':', ' ', '\n', '-', '[', ']', '{', '}', '&', '*', '!', '|', '>', '#', '"', "'", '?', ',', '\t', '\u00e9', '\u0000'),
      maxLength: 400,
    });
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), yamlish), (s) => void parseAndLint(s)), { numRuns: 500 });
  });

  it('on random YAML documents', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => void parseAndLint(stringify(v))), { numRuns: 300 });
  });

  it('on the clean registry with one field replaced or removed: either a CgError or a registry that lints', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom(...cleanPaths),
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('indefinite', 'KR', 'US', 'consent', 'processor', 'P1D', true, false, 0, [])),
        fc.boolean(),
        (path, value, remove) => {
          const doc = setAt(cleanRegistry(), path, value, remove);
          seen.add(parseAndLint(stringify(doc)));
        },
      ),
      { numRuns: 400 },
    );
    // The generator reaches both outcomes, so the property is not vacuous.
    expect(seen.has('valid')).toBe(true);
    expect(seen.has('SCHEMA_INVALID')).toBe(true);
  });

  it('rejects alias bombs with a CgError instead of expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcd'[i]}`).join(', ')}]`)].join('\n');
    expect(parseAndLint(bomb)).toBe('YAML_TOO_COMPLEX');
  });
});
