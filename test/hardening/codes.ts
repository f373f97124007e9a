import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DENY_CODES } from '../../src/core/gate/types.ts';

/**
 * The documented error codes: the fenced `codes` block of docs/security.md ("Error codes").
 * Fuzz tests assert every rejection's `code` is one of them; `sourceCodes` finds every code the
 * code base can throw, so a new code without documentation fails the suite.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function documentedCodes(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');
  const m = /```codes\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error('docs/security.md has no ```codes block');
  return new Set(m[1]!.split(/\s+/).filter(Boolean));
}

// `new CgError('X'`, `problem(400, 'X'`, and the local error helpers (`bad('X'`, `fail('X'`, `rowError('X'`).
const LITERAL_CODE = /(?:CgError\(\s*|problem\(\s*[\w.]+,\s*|\b(?:rowError|bad|fail)\(\s*)'([A-Z][A-Z0-9_]{2,})'/g;
// Detail codes that are raised as the problem's code (registry structure, consent plans, HTTP layer).
const DETAIL_CODE = /\bcode: '([A-Z][A-Z0-9_]{2,})'/g;
const DETAIL_DIRS = ['src/core/registry', 'src/core/consent', 'src/http', 'src/app'];

export function sourceCodes(): Set<string> {
  const found = new Set<string>(DENY_CODES);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(LITERAL_CODE)) found.add(m[1]!);
        if (DETAIL_DIRS.some((d) => p.startsWith(join(ROOT, d)))) for (const m of text.matchAll(DETAIL_CODE)) found.add(m[1]!);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return found;
}
