import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ruleCatalog } from '../../src/core/lint/index.ts';

const doc = readFileSync(new URL('../../docs/registry.md', import.meta.url), 'utf8');

/** Rows of the rule table: `| \`CODE\` | severity | articles | what it checks |`. */
const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\w+) \| ([^|]+) \|/gm)].map((m) => ({
  code: m[1]!,
  severity: m[2]!,
  articles: m[3]!.trim() === '—' ? [] : m[3]!.trim().split(', '),
}));

describe('docs/registry.md rule table', () => {
  it('lists every rule, in catalog order, with its severity and articles', () => {
    expect(rows).toEqual(ruleCatalog.map((r) => ({ code: r.code, severity: r.severity, articles: [...r.articles] })));
  });
});
