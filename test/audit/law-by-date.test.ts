import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/audit/replay.ts';
import { ConsentHistory } from '../../src/core/audit/consent-history.ts';
import { createJudge } from '../../src/core/audit/judge.ts';
import { LawDayOf } from '../../src/core/audit/law-day.ts';
import type { ShareRecord } from '../../src/core/audit/types.ts';
import type { Registry } from '../../src/core/registry/schema.ts';
import { cleanRegistry, decl, modelWith } from '../lint/fixtures.ts';
import { tempDir, writeTemp } from './support.ts';

/**
 * Replay judges each record by the law in force on its date in Korea: up to 14 September 2023 the
 * former 17(3) and 39-12, from the 15th 28-8. The registry is chosen so the two give different
 * answers: entrusted storage in the US disclosed without the refusal item (28-8(2)6), which the
 * former 39-12(3) notice did not have. Lawful on the 14th, NO_TRANSFER_GROUND on the 15th.
 */
const noRefusal = (r: Registry) => {
  delete decl(r, 'cloud_hosting').transfer!.refusal;
};
const KST_DAY = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) - 9 * 3_600_000;
const DAY = 86_400_000;
const SEP_14 = KST_DAY(2023, 9, 14);
const SEP_15 = KST_DAY(2023, 9, 15);

const judge = createJudge({ registry: modelWith(noRefusal), members: new Map(), consents: new ConsentHistory().seal(), jurisdiction: 'KR', collectedAt: () => undefined });
const hosting = (at: number): ShareRecord => ({ line: 2, at, subject: 'u1', recipient: 'nimbus_cloud', purpose: 'hosting', items: ['name'] });

describe('replay: law by date (KR)', () => {
  it('a record dated 2023-09-14 in Korea is judged by the former rules, one dated 2023-09-15 by 28-8 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DAY - 1 }), (ms) => {
        const before = judge(hosting(SEP_14 + ms));
        const after = judge(hosting(SEP_15 + ms));
        expect(before).toMatchObject({ law: 'PIPA-2020', codes: [] });
        expect(after).toMatchObject({ law: 'PIPA-2023', codes: ['NO_TRANSFER_GROUND'] });
      }),
      { numRuns: 300 },
    );
  });

  it('the boundary is midnight in Seoul, not in UTC', () => {
    expect(judge(hosting(SEP_15 - 1))).toMatchObject({ law: 'PIPA-2020', codes: [] }); // 2023-09-14T23:59:59.999+09:00
    expect(judge(hosting(SEP_15))).toMatchObject({ law: 'PIPA-2023', codes: ['NO_TRANSFER_GROUND'] }); // still the 14th in UTC
  });

  it('the legal basis by date too: a provision on legitimate interest had none before 15 September 2023 (former 17(1)2)', () => {
    const li = createJudge({
      registry: modelWith((r) => {
        const d = decl(r, 'ad_partner');
        d.legal_basis = 'legitimate_interest';
        d.balancing_test = 'LIA-2023-01';
      }),
      members: new Map(),
      consents: new ConsentHistory().seal(),
      jurisdiction: 'KR',
      collectedAt: () => undefined,
    });
    const ad = (at: number): ShareRecord => ({ line: 2, at, subject: 'u1', recipient: 'adreach', purpose: 'ad_targeting', items: ['email'] });
    expect(li(ad(SEP_14 + 3_600_000)).codes).toContain('NO_LEGAL_BASIS');
    expect(li(ad(SEP_15 + 3_600_000)).codes).not.toContain('NO_LEGAL_BASIS');
  });

  it('LawDayOf gives the calendar date in the zone for any instant, in any order (property)', () => {
    const day = new LawDayOf('Asia/Seoul');
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (at) => {
        expect(day.of(at)).toBe(new Date(at + 9 * 3_600_000).toISOString().slice(0, 10));
      }),
      { numRuns: 500 },
    );
  });

  it('the summary counts each code per law version, citing that version’s transfer article', async () => {
    const dir = tempDir();
    const r = cleanRegistry();
    noRefusal(r);
    const registry = join(dir, 'registry.yaml');
    writeFileSync(registry, stringify(r));
    const shares = writeTemp(
      dir,
      's.csv',
      'timestamp,subject_id,recipient_id,purpose,items\n' +
        '2023-09-14T23:30:00+09:00,u1,nimbus_cloud,hosting,name\n' +
        '2023-09-15T00:30:00+09:00,u1,nimbus_cloud,hosting,name\n' +
        '2023-09-16T10:00:00+09:00,u2,nimbus_cloud,hosting,name\n',
    );
    const consents = writeTemp(dir, 'c.jsonl', '');
    const s = await runReplay({ registry, shares, consents, jurisdiction: 'KR' });
    expect(s.violating_records).toBe(2);
    expect(s.by_law['PIPA-2020']).toMatchObject({ records: 1, violating_records: 0, from: '2020-08-05', to: '2023-09-14' });
    expect(s.by_law['PIPA-2020']!.by_rule.NO_TRANSFER_GROUND).toEqual({ records: 0, subjects: 0, article: 'PIPA 17(3), 39-12(2) (former)' });
    expect(s.by_law['PIPA-2023']).toMatchObject({ records: 2, violating_records: 2, from: '2023-09-15', to: null });
    expect(s.by_law['PIPA-2023']!.by_rule.NO_TRANSFER_GROUND).toEqual({ records: 2, subjects: 2, article: 'PIPA 28-8(1)' });
    expect(s.code_occurrences).toBe(2);
  });
});
