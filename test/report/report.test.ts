import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/audit/replay.ts';
import { loadRegistryFile } from '../../src/audit/registry-file.ts';
import { buildReport } from '../../src/core/report/build.ts';
import { renderCsv } from '../../src/core/report/csv.ts';
import { renderHtml } from '../../src/core/report/html.ts';
import type { Report, ReportContext, Table } from '../../src/core/report/model.ts';
import { replayVolumes } from '../../src/core/report/transfers.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { casesCsv, fixture, tempDir, writeTemp } from '../audit/support.ts';

const registry = loadRegistryFile(fixture('registry.yaml'));
const base: ReportContext = { registry, lang: 'en', from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-12-31T23:59:59.999Z'), generatedAt: Date.parse('2024-06-01T00:00:00Z') };

const tableOf = (r: Report, section: string, caption: string): Table => {
  const s = r.sections.find((x) => x.id === section)!;
  const b = s.blocks.find((x) => (x.kind === 'table' && x.caption === caption) || (x.kind === 'chart' && x.data.caption === caption))!;
  return b.kind === 'chart' ? b.data : (b as Table);
};

async function replayed() {
  const dir = tempDir();
  const shares = writeTemp(dir, 's.csv', casesCsv());
  return runReplay({ registry: fixture('registry.yaml'), shares, consents: fixture('consents.jsonl'), members: fixture('members.csv') });
}

describe('report model from the registry', () => {
  it('transfer register: every overseas declaration per country, its ground and validity, no volumes without a source', () => {
    const r = buildReport(base);
    const t = tableOf(r, 'transfers', 'Cross-border transfer register');
    // Hand-derived from fixtures/registry.yaml (operator serves KR): cloud→US, sellers→CN and HK, partners→SG.
    expect(t.rows).toEqual([
      ['US', 'Cloud', 'Name, E-mail', 'entrusted processing or storage for the contract (disclosed)', 'KR: yes', '—', '—'],
      ['CN', 'Overseas sellers', 'Name, Phone, Address, Customs code', 'none', 'KR: no', '—', '—'],
      ['HK', 'Overseas sellers', 'Name, Phone, Address, Customs code', 'none', 'KR: no', '—', '—'],
      ['SG', 'Partners in Singapore', 'E-mail', 'separate consent', 'KR: yes', '—', '—'],
    ]);
  });

  it('transfer register takes releases and subjects from a replay, and lists undeclared recipients abroad', async () => {
    const s = await replayed();
    const volumes = replayVolumes(s, (c) => registry.isOverseas(c, 'KR'), (id) => registry.parties.has(id));
    const t = tableOf(buildReport({ ...base, replay: s, volumes }), 'transfers', 'Cross-border transfer register');
    // From the hand-computed cases: s1 (CN) lines 14; s2 (HK) line 15; p1 (SG) lines 24–27 (u5, u11); cloud line 17; ghost first logged CN, 3 records.
    expect(t.rows.map((r) => [r[0], r[1], r[5], r[6]])).toEqual([
      ['US', 'Cloud', 1, 1],
      ['CN', 'Overseas sellers', 1, 1],
      ['HK', 'Overseas sellers', 1, 1],
      ['SG', 'Partners in Singapore', 4, 2],
      ['CN', 'ghost (undeclared recipient)', 3, 1],
    ]);
  });

  it('privacy-policy items (PIPA 30): third parties, processors and overseas transfers with timing and ground', () => {
    const r = buildReport({ ...base, lang: 'ko' });
    const s = r.sections.find((x) => x.id === 'privacy_policy')!;
    expect(s.title).toBe('개인정보 처리방침 기재사항 (개인정보 보호법 제30조)');
    // PIPA 26(2): each entrustee with its entrusted work (the registry's, else the purpose).
    const processors = tableOf(r, 'privacy_policy', '처리 위탁');
    expect(processors.rows).toEqual([['택배사', '배송', '이름, 전화번호, 주소'], ['클라우드', '보관', '이름, 이메일']]);
    const third = tableOf(r, 'privacy_policy', '제3자 제공');
    expect(third.rows.map((x) => x[0])).toEqual(['관세사', '광고사', '해외 판매자', '싱가포르의 제휴사']);
    expect(third.rows.find((x) => x[0] === '관세사')![3]).toBe('수집일로부터 10일');
    // PIPA 28-8(2): every item of an entrusted transfer, how to refuse it and what refusing means included.
    const overseas = tableOf(r, 'privacy_policy', '국외 이전');
    expect(overseas.columns).toHaveLength(8);
    expect(overseas.rows.map((x) => [x[1], x[6]])).toEqual([['US', '계약 이행을 위한 처리위탁·보관(처리방침 공개)'], ['CN, HK', '없음'], ['SG', '별도 동의']]);
    expect(overseas.rows[0]).toEqual(['이름, 이메일', 'US', '수시로 / 암호화된 통신망', '클라우드 (c@cloud.example)', '보관', '기한 없음(목적 달성 시 파기)', '계약 이행을 위한 처리위탁·보관(처리방침 공개)', '문의 탈퇴']);
    expect(overseas.rows[2]![7]).toContain('국외 이전 동의를 거부');
  });

  it('record of processing activities (GDPR 30): one row per purpose, security measures flagged as not in the registry', () => {
    const r = buildReport(base);
    const t = tableOf(r, 'ropa', 'Record of processing activities (GDPR Art. 30)');
    expect(t.rows.map((x) => x[0])).toEqual(['Delivery', 'Customs', 'Marketing', 'Hosting']);
    const marketing = t.rows[2]!;
    expect(marketing[1]).toBe('consent');
    expect(marketing[3]).toBe('AdCo (consent); Partners in Singapore (consent)');
    // GDPR view: KR is a third country with an adequacy decision; SG has none, and consent (49(1)(a)) is a
    // derogation for occasional transfers only, never a routine channel: not valid.
    expect(marketing[4]).toBe('KR: AdCo — adequacy / equivalence; SG: Partners in Singapore — separate consent (Ground valid: no)');
    expect(t.rows[0]![4]).toContain('CN: Overseas sellers — none (Ground valid: no)');
    const security = r.sections.find((x) => x.id === 'ropa')!.blocks.at(-1)!;
    expect(security).toMatchObject({ kind: 'facts', items: [['Security measures', expect.stringContaining('does not record')]] });
  });

  it('replay section: violations per law version, and the note that one record can carry several codes', async () => {
    const s = await replayed();
    const r = buildReport({ ...base, replay: s });
    const t = tableOf(r, 'replay', 'Violations by the law version in force on each record’s date');
    // The fixture log is dated 2024: every violation judged by the PIPA in force since 2023-09-15.
    expect(new Set(t.rows.map((row) => row[0]))).toEqual(new Set(['PIPA-2023']));
    expect(t.rows.find((row) => row[2] === 'NO_TRANSFER_GROUND')).toEqual(['PIPA-2023', '2023-09-15 .. ', 'NO_TRANSFER_GROUND', 'PIPA 28-8(1)', 5, 4]);
    const replay = r.sections.find((x) => x.id === 'replay')!;
    expect(replay.blocks).toContainEqual({ kind: 'paragraph', text: expect.stringContaining(`the per-code counts add up to ${s.code_occurrences}`) });
    expect(s.code_occurrences).toBeGreaterThan(s.violating_records);
  });

  it('flags a replay that does not match the report period', async () => {
    const s = await replayed();
    expect(buildReport({ ...base, replay: s }).notes).toEqual([]);
    expect(buildReport({ ...base, from: Date.parse('2024-02-01T00:00:00Z'), replay: s }).notes[0]).toContain('2024-01-02 .. 2024-03-02');
  });
});

describe('renderers', () => {
  it('HTML is self-contained, escapes registry text, and shows every chart beside its data', async () => {
    const text = readFileSync(fixture('registry.yaml'), 'utf8').replace('legal_name: { ko: 테스트마켓, en: Test Market Ltd. }', 'legal_name: "Evil <script>alert(1)</script> & Co"');
    const m = new RegistryModel(parseRegistry(text).registry);
    const s = { ...(await replayed()), registry_hash: m.hash };
    const html = renderHtml(buildReport({ ...base, registry: m, replay: s }));
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).not.toContain('<script');
    expect(html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//); // nothing fetched
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<figure>/g)).toHaveLength(3);
    expect(html).toContain('@media print');
    expect(html).toMatch(/<th scope="col">Code<\/th>/);
  });

  it('CSV carries every table, guards formulas, and starts with a BOM for spreadsheets', () => {
    const text = readFileSync(fixture('registry.yaml'), 'utf8').replace('name: { ko: 택배사, en: Courier },', 'name: "=HYPERLINK(1)",');
    const m = new RegistryModel(parseRegistry(text).registry);
    const csv = renderCsv(buildReport({ ...base, registry: m }));
    expect(csv.startsWith('\uFEFFsection,table,')).toBe(true);
    expect(csv).toContain(`'=HYPERLINK(1)`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    const headers = csv.split('\r\n').filter((l) => l.replace('\uFEFF', '').startsWith('section,table,'));
    expect(headers.length).toBe(7); // transfer register; PIPA 30 purposes, retention, third parties, processors, overseas; ROPA
  });
});
