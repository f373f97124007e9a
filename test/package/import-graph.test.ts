import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The verifier and the client are published on their own (packages/ledger → @consentgate/ledger,
 * packages/client → @consentgate/client) and as `consentgate/ledger` / `consentgate/client`. Both
 * must load nothing of the server: this walks every module reachable from each entry point and
 * lists the packages it needs — at run time (the module as tsc emits it, type-only imports erased)
 * and for its declarations (every import, type-only included, since the published .d.ts keeps them).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

interface Graph {
  /** Modules reached, relative to the repository root. */
  readonly modules: string[];
  /** npm packages imported (bare specifiers, reduced to the package name). */
  readonly packages: string[];
  /** node: built-ins imported. */
  readonly builtins: string[];
  /** Imports whose target cannot be known statically (a non-literal `import()`). */
  readonly opaque: string[];
}

const BUILTINS = new Set(builtinModules);

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** The specifiers a module imports; `runtime` = only those left after tsc erases type-only imports. */
function importsOf(file: string, runtime: boolean): { specs: string[]; opaque: string[] } {
  let code = readFileSync(file, 'utf8');
  if (runtime) {
    code = ts.transpileModule(code, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, removeComments: true },
    }).outputText;
  }
  const info = ts.preProcessFile(code, true, true);
  const specs = info.importedFiles.map((f) => f.fileName);
  // preProcessFile sees only literal specifiers: an `import(x)` with anything else is opaque.
  const opaque = [...code.matchAll(/\bimport\s*\(\s*([^'"`\s)][^)]*)\)/g)].map((m) => `${relative(ROOT, file)}: import(${m[1]})`);
  return { specs, opaque };
}

function walk(entry: string, runtime: boolean): Graph {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const builtins = new Set<string>();
  const opaque: string[] = [];
  const queue = [resolve(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const found = importsOf(file, runtime);
    opaque.push(...found.opaque);
    for (const spec of found.specs) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${relative(ROOT, file)} imports ${spec}, which does not exist`);
        queue.push(target);
      } else if (spec.startsWith('node:') || BUILTINS.has(packageName(spec))) {
        builtins.add(spec.replace(/^node:/, ''));
      } else {
        packages.add(packageName(spec));
      }
    }
  }
  return { modules: [...seen].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort(), builtins: [...builtins].sort(), opaque };
}

const workspaceDeps = (name: string) =>
  Object.keys((JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}).sort();

const SERVER_DEPS = Object.keys(rootPkg.dependencies);

describe.each([
  { name: 'ledger', entry: 'src/ledger/index.ts', allowed: ['@noble/curves', '@noble/hashes'] },
  { name: 'client', entry: 'src/client/index.ts', allowed: [] as string[] },
])('import graph of $entry', ({ name, entry, allowed }) => {
  const forbidden = SERVER_DEPS.filter((d) => !allowed.includes(d));

  it('at run time: no server dependency, no Node built-in, nothing opaque', () => {
    const g = walk(entry, true);
    expect(g.modules).toContain(entry);
    expect(g.packages.filter((p) => forbidden.includes(p)), `server dependencies reached from ${entry}`).toEqual([]);
    expect(g.packages).toEqual(allowed);
    expect(g.builtins).toEqual([]);
    expect(g.opaque).toEqual([]);
    // Every module stays inside the library's own folder or the shared error type.
    for (const m of g.modules) expect(m === 'src/core/errors.ts' || m.startsWith(`src/${name}/`), m).toBe(true);
  });

  it('in its declarations: the same packages, so the published .d.ts needs no server types', () => {
    const g = walk(entry, false);
    expect(g.packages).toEqual(allowed);
    for (const m of g.modules) expect(m === 'src/core/errors.ts' || m.startsWith(`src/${name}/`), m).toBe(true);
  });

  it(`packages/${name}/package.json depends on exactly what the graph imports`, () => {
    expect(workspaceDeps(name)).toEqual(allowed);
    for (const d of allowed) expect(rootPkg.dependencies[d], `${d} in the root package too`).toBeDefined();
  });
});

describe('the walker', () => {
  it('finds a server dependency where there is one', () => {
    // The gate's store adapter reaches PGlite and pg: the same walk must say so.
    const g = walk('src/store/open.ts', true);
    expect(g.packages).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'pg']));
    expect(g.builtins.length).toBeGreaterThan(0);
  });

  it('drops type-only imports at run time and keeps them for declarations', () => {
    // src/core/gate/types.ts imports the registry schema (Zod) for types only.
    expect(walk('src/core/gate/types.ts', true).packages).toEqual([]);
    expect(walk('src/core/gate/types.ts', false).packages).toContain('zod');
  });
});
