import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/audit/replay.ts';
import { AUDIT_CODES } from '../../src/core/audit/types.ts';
import { BAD_ROWS, CASES } from './cases.ts';
import { casesCsv, casesJsonl, fixture, tempDir, writeTemp } from './support.ts';

async function replay(sharesText: string, name: string) {
  const dir = tempDir();
  const shares = writeTemp(dir, name, sharesText);
  const out = join(dir, 'out');
  const summary = await runReplay({ registry: fixture('registry.yaml'), shares, consents: fixture('consents.jsonl'), members: fixture('members.csv'), outDir: out });
  const findings = readFileSync(join(out, 'findings.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; codes: string[] });
  return { summary, findings, out };
}

describe('replay: every code and the evaluation order (hand-computed)', () => {
  it.each([
    ['CSV', () => casesCsv(), 'shares.csv'],
    ['CSV with BOM and CRLF', () => casesCsv({ bom: true, crlf: true }), 'shares.csv'],
    ['JSONL', () => casesJsonl(), 'shares.jsonl'],
  ] as const)('%s: each record gets exactly its codes, in order', async (_label, make, name) => {
    const { findings } = await replay(make(), name);
    const got = new Map(findings.map((f) => [f.line, f.codes]));
    for (const c of CASES) expect([c.line, got.get(c.line) ?? []], c.why).toEqual([c.line, c.codes]);
    expect(findings.length).toBe(CASES.filter((c) => c.codes.length > 0).length);
  });

  it('summarises the hand-counted totals', async () => {
    const { summary } = await replay(casesCsv(), 'shares.csv');
    expect(summary.records).toBe(28);
    expect(summary.violating_records).toBe(19);
    expect(summary.subjects).toBe(12);
    expect(summary.affected_subjects).toBe(10);
    expect(summary.by_rule).toEqual({
      UNDECLARED_RECIPIENT: { records: 3, subjects: 1, article: 'PIPA 17(1)' },
      UNDECLARED_PURPOSE: { records: 2, subjects: 1, article: 'PIPA 18(1)' },
      UNDECLARED_ITEMS: { records: 3, subjects: 3, article: 'PIPA 3' },
      NO_CONSENT: { records: 5, subjects: 4, article: 'PIPA 17(1)' },
      CONSENT_WITHDRAWN: { records: 4, subjects: 3, article: 'PIPA 37' },
      NO_TRANSFER_GROUND: { records: 5, subjects: 4, article: 'PIPA 28-8(1)' },
      RETENTION_EXPIRED: { records: 2, subjects: 2, article: 'PIPA 21' },
      NO_LEGAL_BASIS: { records: 2, subjects: 2, article: 'PIPA 17(1)' },
    });
    expect(Object.fromEntries(Object.entries(summary.by_country).map(([k, v]) => [k, v.records]))).toEqual({ CN: 4, HK: 1, JP: 1, KR: 16, SG: 4, US: 1, unknown: 1 });
    expect(summary.by_country.KR!.violating_records).toBe(9);
    expect(summary.by_recipient.s1).toEqual({ class: 'sellers', country: 'CN', records: 2, violating_records: 2, subjects: 1, affected_subjects: 1 });
    expect(summary.by_recipient.ghost).toMatchObject({ records: 3, violating_records: 3, subjects: 1 });
    expect(summary.by_declaration.courier_delivery).toMatchObject({ records: 4, violating_records: 2, countries: { CN: { records: 1, violating_records: 1 }, KR: { records: 3, violating_records: 1 } } });
    expect(summary.by_declaration.partner_offers).toMatchObject({ records: 5, violating_records: 4, subjects: 2, countries: { JP: { records: 1 }, SG: { records: 4 } } });
    expect(summary.by_declaration.ghost).toBeUndefined();
    expect(summary.by_month).toEqual({ '2024-01': { records: 22, violating_records: 14 }, '2024-02': { records: 2, violating_records: 1 }, '2024-03': { records: 4, violating_records: 4 } });
    expect(summary.retention_unchecked).toBe(6);
    expect(summary.out_of_order).toBe(1);
    expect(summary.period).toEqual({ from: '2024-01-02T00:00:00.000Z', to: '2024-03-02T00:00:00.000Z' });
  });

  it('counts bad rows with their line numbers and goes on', async () => {
    for (const [text, name] of [[casesCsv(), 'shares.csv'], [casesJsonl(), 'shares.jsonl']] as const) {
      const { summary } = await replay(text, name);
      expect(summary.bad_rows.count).toBe(BAD_ROWS.length);
      expect(summary.bad_rows.lines.map((b) => b.line)).toEqual(BAD_ROWS.map((b) => b.line));
      for (const b of BAD_ROWS) if (b.field) expect(summary.bad_rows.lines.find((x) => x.line === b.line)?.field).toBe(b.field);
      expect(summary.records).toBe(CASES.length);
    }
  });

  it('writes findings as CSV too, with the same rows as the JSONL', async () => {
    const { out, findings } = await replay(casesCsv(), 'shares.csv');
    const csv = readFileSync(join(out, 'findings.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('line,timestamp,subject_id,recipient_id,class,country,purpose,items,declaration,codes,articles,law');
    expect(csv.length - 1).toBe(findings.length);
    const row26 = csv.find((l) => l.startsWith('26,'));
    expect(row26).toBe('26,2024-03-02T00:00:00.000Z,u5,p1,partners,SG,marketing,email;phone,partner_offers,UNDECLARED_ITEMS;CONSENT_WITHDRAWN;RETENTION_EXPIRED,PIPA 3;PIPA 37;PIPA 21,PIPA-2023');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).records).toBe(28);
    expect(readdirSync(out).sort()).toEqual(['findings.csv', 'findings.jsonl', 'summary.json']);
  });

  it('lists every code in the summary, even at zero', async () => {
    const dir = tempDir();
    const shares = writeTemp(dir, 's.csv', 'timestamp,subject_id,recipient_id,purpose,items\n2024-01-10T00:00:00Z,u1,courier,order_fulfilment,name\n');
    const s = await runReplay({ registry: fixture('registry.yaml'), shares, consents: fixture('consents.jsonl') });
    expect(Object.keys(s.by_rule)).toEqual([...AUDIT_CODES]);
    expect(s.violating_records).toBe(0);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
