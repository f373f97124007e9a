import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ruleCatalog } from '../../src/core/lint/index.ts';
import { allRules, PACKS } from '../../src/core/law/packs.ts';
import { REFERENCE } from '../../src/core/law/reference/index.ts';

const doc = readFileSync(new URL('../../docs/legal/rules.md', import.meta.url), 'utf8');
const lawTests = readdirSync(new URL('../law/', import.meta.url))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => readFileSync(new URL(`../law/${f}`, import.meta.url), 'utf8'))
  .join('\n');

describe('docs/legal/rules.md', () => {
  it('lists every lint rule code', () => {
    const missing = ruleCatalog.map((r) => r.code).filter((c) => !doc.includes(`| \`${c}\` |`));
    expect(missing).toEqual([]);
  });

  it('lists every law-pack rule with its article and effective date, and each has a test named after it', () => {
    for (const pack of Object.values(PACKS)) {
      for (const rule of allRules(pack)) {
        const row = doc.split('\n').find((l) => l.startsWith(`| \`${rule.id}\` |`));
        expect(row, rule.id).toBeDefined();
        expect(row).toContain(`| ${rule.article} |`);
        expect(row).toContain(rule.effectiveFrom);
        expect(row).toContain(rule.source);
        expect(lawTests, `a test named "${rule.id}: …"`).toContain(`it('${rule.id}: `);
      }
    }
  });

  it('lists every reference-data entry with its source', () => {
    for (const list of Object.values(REFERENCE)) {
      for (const e of list) {
        const row = doc.split('\n').find((l) => l.startsWith(`| \`${e.id}\` |`));
        expect(row, e.id).toBeDefined();
        expect(row).toContain(e.source);
        expect(row).toContain(e.effectiveFrom);
      }
    }
  });
});
