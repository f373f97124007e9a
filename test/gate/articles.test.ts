import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DENY_ARTICLES, TRANSFER_CONSENT_ARTICLE } from '../../src/core/gate/articles.ts';
import { transferVerdict } from '../../src/core/law/transfer.ts';
import { DENY_CODES } from '../../src/core/gate/types.ts';
import { transferGround } from '../../src/core/registry/schema.ts';

const legal = parse(readFileSync(new URL('../../docs/legal/articles.yaml', import.meta.url), 'utf8')) as { pipa: Record<string, string>; gdpr: Record<string, string> };

/** "PIPA 28-8(1)1" → pipa["28-8"]; "GDPR 49(1)(a)" → gdpr["49"]. */
function exists(citation: string): boolean {
  const m = /^(PIPA|GDPR) ([0-9]+(?:-[0-9]+)?)/.exec(citation);
  if (!m) return false;
  return (m[1] === 'PIPA' ? legal.pipa : legal.gdpr)[m[2]!] !== undefined;
}

describe('gate citations', () => {
  it('every deny code has an article per jurisdiction, from the statutory reference', () => {
    for (const code of DENY_CODES) {
      const a = DENY_ARTICLES[code];
      if (code === 'POLICY_DENY') continue;
      expect(a.KR.startsWith('PIPA'), code).toBe(true);
      expect(a.EU.startsWith('GDPR'), code).toBe(true);
      expect(exists(a.KR) && exists(a.EU), code).toBe(true);
    }
    expect(exists(TRANSFER_CONSENT_ARTICLE.KR) && exists(TRANSFER_CONSENT_ARTICLE.EU)).toBe(true);
  });

  it('every transfer verdict cites an existing article of its own jurisdiction', () => {
    const full = { adequacy: true, scc: 'x', bcr: 'x', certification: 'x', dpa: 'x' };
    for (const g of [...transferGround.options, undefined]) {
      for (const sg of [{}, full]) {
        for (const [country, purposeRequired] of [['US', true], ['JP', false], ['CN', false]] as const) {
          const base = { ground: g, country, safeguards: sg, purposeRequired };
          const kr = transferVerdict({ ...base, jurisdiction: 'KR', disclosedIn: 'https://x.example/p' });
          const eu = transferVerdict({ ...base, jurisdiction: 'EU', disclosedIn: undefined });
          expect(kr.article.startsWith('PIPA') && exists(kr.article), `${g} ${kr.article}`).toBe(true);
          expect(eu.article.startsWith('GDPR') && exists(eu.article), `${g} ${eu.article}`).toBe(true);
        }
      }
    }
  });
});
