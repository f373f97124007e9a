import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DENY_ARTICLES, TRANSFER_CONSENT_ARTICLE } from '../../src/core/gate/articles.ts';
import { allRules, PACKS } from '../../src/core/law/packs.ts';
import { transferVerdict, legalBasisVerdict } from '../../src/core/law/verdicts.ts';
import { DENY_CODES } from '../../src/core/gate/types.ts';
import { legalBasis, recipientRole, transferGround } from '../../src/core/registry/schema.ts';
import { modelWith } from '../lint/fixtures.ts';

const legal = parse(readFileSync(new URL('../../docs/legal/articles.yaml', import.meta.url), 'utf8')) as { pipa: Record<string, string>; pipa_former: Record<string, string>; gdpr: Record<string, string> };

/**
 * "PIPA 28-8(1)1" → pipa["28-8"]; "GDPR 49(1)(a)" → gdpr["49"]; a former text, "PIPA 17(3) (former)"
 * → pipa_former["17(3)"] or pipa_former["17"] (the superseded wording, not today's article).
 */
function exists(citation: string): boolean {
  const former = / \(former\)$/.test(citation);
  const m = /^(PIPA|GDPR) ([0-9]+(?:-[0-9]+)?)(\([0-9]+\))?/.exec(citation);
  if (!m) return false;
  if (former) return m[1] === 'PIPA' && (legal.pipa_former[m[2]! + (m[3] ?? '')] ?? legal.pipa_former[m[2]!]) !== undefined;
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

  it('every law-pack rule cites an existing article of its own jurisdiction', () => {
    for (const pack of Object.values(PACKS)) {
      for (const rule of allRules(pack)) {
        expect(rule.article.startsWith(pack.jurisdiction === 'KR' ? 'PIPA' : 'GDPR'), rule.id).toBe(true);
        expect(exists(rule.article), `${rule.id} ${rule.article}`).toBe(true);
      }
    }
  });

  it('every legal-basis and transfer verdict cites an existing article of its own jurisdiction', () => {
    const grounds = [...transferGround.options, undefined];
    for (const role of recipientRole.options) {
      for (const basis of legalBasis.options) {
        for (const g of grounds) {
          const m = modelWith((r) => {
            const a = r.recipients.find((x) => x.id === 'adreach')!;
            a.role = role;
            a.safeguards = { adequacy: true, certification: 'x', scc: 'x' };
            const d = r.declarations.find((x) => x.id === 'ad_partner')!;
            d.legal_basis = basis;
            if (g) d.transfer = { ground: g };
            else delete d.transfer;
          });
          const d = m.declarations.get('ad_partner')!;
          const party = m.parties.get('adreach')!;
          for (const j of ['KR', 'EU'] as const) {
            for (const country of ['US', 'JP', 'CN', 'DE']) {
              if (!m.isOverseas(country, j)) continue;
              // Now, and by the former KR rules (replay of a record dated before 15 September 2023), and before any carried text.
              for (const on of [undefined, '2023-09-14', '2019-01-01']) {
                const v = transferVerdict(m, d, party, country, j, on === undefined ? {} : { on });
                expect(v.article.startsWith(j === 'KR' ? 'PIPA' : 'GDPR') && exists(v.article), `${role} ${g} ${j} ${on} ${v.article}`).toBe(true);
              }
            }
            const b = legalBasisVerdict(m, d, party, j);
            expect(b.article.startsWith(j === 'KR' ? 'PIPA' : 'GDPR') && exists(b.article), `${role} ${basis} ${j} ${b.article}`).toBe(true);
          }
        }
      }
    }
  });
});
