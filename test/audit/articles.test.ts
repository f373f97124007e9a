import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AUDIT_CODES } from '../../src/core/audit/types.ts';
import { articleFor } from '../../src/core/gate/articles.ts';
import { DENY_CODES } from '../../src/core/gate/types.ts';

const legal = parse(readFileSync(new URL('../../docs/legal/articles.yaml', import.meta.url), 'utf8')) as Record<'pipa' | 'gdpr', Record<string, string>>;

/** "PIPA 28-8(1)" → the entry "28-8" of the pipa table; sub-paragraphs refine an existing article. */
function exists(citation: string): boolean {
  const [law, art] = citation.split(' ');
  const table = law === 'PIPA' ? legal.pipa : law === 'GDPR' ? legal.gdpr : undefined;
  return Boolean(table && art && (table[art] ?? table[art.replace(/\(.*$/, '')]));
}

describe('audit citations (the gate’s articles)', () => {
  it('every audit code cites an article of the statutory reference, per jurisdiction', () => {
    for (const code of AUDIT_CODES) {
      expect([code, articleFor(code, 'KR')]).toEqual([code, expect.stringMatching(/^PIPA /)]);
      expect([code, articleFor(code, 'EU')]).toEqual([code, expect.stringMatching(/^GDPR /)]);
      expect(exists(articleFor(code, 'KR')), articleFor(code, 'KR')).toBe(true);
      expect(exists(articleFor(code, 'EU')), articleFor(code, 'EU')).toBe(true);
    }
  });

  it('audit codes are gate deny codes, in the gate order', () => {
    const order = AUDIT_CODES.map((c) => DENY_CODES.indexOf(c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
