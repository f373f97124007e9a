import { describe, expect, it } from 'vitest';
import { EEA } from '../../src/core/registry/model.ts';
import { allRules, ask, PACKS, rulesInForce } from '../../src/core/law/packs.ts';
import { REFERENCE, inForce } from '../../src/core/law/reference/index.ts';
import type { LawRule, Question } from '../../src/core/law/types.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OFFICIAL = /^https:\/\/(www\.law\.go\.kr|eur-lex\.europa\.eu)\//;

describe('law packs', () => {
  it('the pack registry has one pack per jurisdiction; rule ids are unique, dated, sourced and read', () => {
    expect(Object.keys(PACKS)).toEqual(['KR', 'EU']);
    const ids = Object.values(PACKS).flatMap((p) => allRules(p).map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const pack of Object.values(PACKS)) {
      for (const r of allRules(pack)) {
        expect(r.id.startsWith(`${pack.jurisdiction}.`), r.id).toBe(true);
        expect(r.effectiveFrom, r.id).toMatch(DATE);
        expect(r.source, r.id).toMatch(OFFICIAL);
        expect(r.reading.length, r.id).toBeGreaterThan(20);
      }
    }
  });

  it('law versions: oldest first, without gaps, the last open-ended; every rule’s dates fall on version boundaries', () => {
    const next = (d: string) => new Date(Date.parse(d + 'T00:00:00Z') + 86_400_000).toISOString().slice(0, 10);
    for (const pack of Object.values(PACKS)) {
      const v = pack.versions;
      expect(v.length, pack.jurisdiction).toBeGreaterThan(0);
      expect(v[v.length - 1]!.effectiveTo, pack.jurisdiction).toBeUndefined();
      for (let i = 0; i + 1 < v.length; i++) expect(next(v[i]!.effectiveTo!), v[i]!.id).toBe(v[i + 1]!.effectiveFrom);
      for (const x of v) expect(x.source, x.id).toMatch(OFFICIAL);
      expect(new Intl.DateTimeFormat('en', { timeZone: pack.timeZone }).resolvedOptions().timeZone).toBe(pack.timeZone);
      // A rule's first day starts a version or lies before the oldest one; its last day ends one.
      const starts = new Set(v.map((x) => x.effectiveFrom));
      const ends = new Set(v.flatMap((x) => (x.effectiveTo ? [x.effectiveTo] : [])));
      for (const r of allRules(pack)) {
        if (r.effectiveTo !== undefined) expect(ends.has(r.effectiveTo), r.id).toBe(true);
        else expect(starts.has(r.effectiveFrom) || r.effectiveFrom <= v[0]!.effectiveFrom || r.effectiveFrom > v[v.length - 1]!.effectiveFrom, r.id).toBe(true);
      }
    }
  });

  it('rulesInForce answers with the rules in force on a date, a superseded version included for its own period', () => {
    type C = { on: string | undefined; x: number };
    const rule = (id: string, from: string, to: string | undefined, ok: boolean): LawRule<C> => ({
      id,
      title: id,
      article: 'PIPA 17(1)',
      effectiveFrom: from,
      ...(to ? { effectiveTo: to } : {}),
      source: 'https://www.law.go.kr/x',
      reading: 'test',
      judge: () => ({ ok, detail: id, article: 'PIPA 17(1)' }),
    });
    const q: Question<C> = {
      mode: 'any',
      rules: [rule('OLD', '2011-09-30', '2023-09-14', false), rule('NEW', '2023-09-15', undefined, true)],
      fallback: () => ({ ok: false, detail: 'none', article: 'PIPA 17(1)' }),
    };
    expect(rulesInForce(q, '2020-01-01').map((r) => r.id)).toEqual(['OLD']);
    expect(rulesInForce(q, '2023-09-15').map((r) => r.id)).toEqual(['NEW']);
    expect(rulesInForce(q, undefined).map((r) => r.id)).toEqual(['NEW']);
    expect(ask(q, { on: '2020-01-01', x: 0 })).toMatchObject({ ok: false, rule: 'OLD' });
    expect(ask(q, { on: undefined, x: 0 })).toMatchObject({ ok: true, rule: 'NEW' });
    expect(ask(q, { on: '2001-01-01', x: 0 })).toMatchObject({ ok: false, rule: 'default' });
  });
});

describe('reference data', () => {
  it('every entry is dated and sourced, names its decision and countries', () => {
    for (const list of Object.values(REFERENCE)) {
      for (const e of list) {
        expect(e.effectiveFrom, e.id).toMatch(DATE);
        if (e.effectiveTo) expect(e.effectiveTo >= e.effectiveFrom).toBe(true);
        expect(e.source, e.id).toMatch(/^https:\/\//);
        expect(e.reference.length, e.id).toBeGreaterThan(5);
      }
    }
    for (const d of [...REFERENCE.euAdequacy, ...REFERENCE.pipcEquivalence]) {
      for (const c of d.countries) expect(c).toMatch(/^[A-Z]{2}$/);
    }
  });

  it('GDPR 45: the Commission’s adequacy decisions, none for an EEA country, the US only with the DPF List', () => {
    const countries = REFERENCE.euAdequacy.flatMap((d) => d.countries).sort();
    expect(countries).toEqual(['AD', 'AR', 'CA', 'CH', 'FO', 'GB', 'GG', 'IL', 'IM', 'JE', 'JP', 'KR', 'NZ', 'US', 'UY']);
    expect(countries.filter((c) => EEA.has(c))).toEqual([]);
    expect(REFERENCE.euAdequacy.find((d) => d.countries.includes('US'))).toMatchObject({ requiresListing: 'dpf', reference: 'Commission Implementing Decision (EU) 2023/1795' });
    for (const d of REFERENCE.euAdequacy) expect(d.source).toMatch(/^https:\/\/eur-lex\.europa\.eu\/eli\//);
  });

  it('PIPA 28-8(1)5: the PIPC’s recognition of the EU and EEA from 16 September 2025, with its exclusions; no certification designated', () => {
    expect(REFERENCE.pipcEquivalence).toHaveLength(1);
    const eu = REFERENCE.pipcEquivalence[0]!;
    expect([...eu.countries].sort()).toEqual([...EEA].sort());
    expect(eu.effectiveFrom).toBe('2025-09-16');
    expect(eu.excludedKinds).toEqual(['resident_registration_number', 'personal_credit_information']);
    expect(inForce(eu, '2025-09-15')).toBe(false);
    expect(inForce(eu, '2025-09-16')).toBe(true);
    expect(REFERENCE.pipcCertifications).toEqual([]);
  });
});
