import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasErrors, lintRegistry, ruleCatalog } from '../../src/core/lint/index.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { CLEAN_PATH, VIOLATIONS_PATH, decl, modelWith } from './fixtures.ts';

const lintFile = (path: string) => {
  const text = readFileSync(path, 'utf8');
  const parsed = parseRegistry(text);
  return { text, findings: lintRegistry(new RegistryModel(parsed.registry), parsed.locate) };
};

describe('demo marketplace', () => {
  it('the clean registry has no findings at all', () => {
    expect(lintFile(CLEAN_PATH).findings).toEqual([]);
  });

  it('the violations registry reports exactly the classic failures, with their articles and places', () => {
    const { text, findings } = lintFile(VIOLATIONS_PATH);
    expect(findings.map((f) => [f.code, f.path, f.articles])).toEqual([
      ['DOMESTIC_AGENT_MISSING', 'operator.domestic_agents', ['PIPA 31-2']],
      ['AD_TARGETING_REQUIRED', 'purposes[2].required', ['PIPA 22', 'GDPR 7', 'GDPR 21']],
      ['PROCESSOR_NO_DPA', 'recipients[1].agreement', ['PIPA 26', 'GDPR 28']],
      ['ENTRUSTMENT_UNDISCLOSED', 'recipients[1].entrustment', ['PIPA 26(2)']],
      ['OVERSEAS_AGREEMENT_MISSING', 'recipient_classes[0].agreement', ['PIPA 28-8(4)']],
      ['THIRD_PARTY_NO_BASIS', 'declarations[0].legal_basis', ['PIPA 17(1)']],
      ['OVERSEAS_NO_GROUND', 'declarations[0].transfer', ['PIPA 28-8(1)']],
      ['OPTIONAL_AS_CONTRACT', 'declarations[2].legal_basis', ['PIPA 22', 'PIPA 16', 'GDPR 7']],
      ['THIRD_PARTY_NO_BASIS', 'declarations[2].legal_basis', ['PIPA 17(1)']],
      ['RETENTION_INDEFINITE', 'declarations[2].retention', ['PIPA 21', 'GDPR 5']],
    ]);
    expect(hasErrors(findings)).toBe(true);
    // Positions point at the offending text in the file.
    const lines = text.split('\n');
    const at = (code: string) => {
      const f = findings.find((x) => x.code === code)!;
      return lines[f.line! - 1]!.slice(f.column! - 1);
    };
    expect(at('RETENTION_INDEFINITE')).toBe('indefinite');
    expect(at('OPTIONAL_AS_CONTRACT')).toBe('contract_necessity');
    expect(at('AD_TARGETING_REQUIRED')).toBe('true');
    // A missing field is reported at its nearest existing parent: the sellers declaration.
    expect(at('OVERSEAS_NO_GROUND')).toBe('id: sellers_fulfilment');
  });

  it('the overseas sellers finding names the items and countries at stake', () => {
    const { findings } = lintFile(VIOLATIONS_PATH);
    const f = findings.find((x) => x.code === 'OVERSEAS_NO_GROUND')!;
    expect(f.message).toContain('CN');
    expect(f.message_ko).toContain('국외 이전');
  });
});

describe('lintRegistry', () => {
  const messy = () =>
    modelWith((r) => {
      r.operator.domestic_agents = [];
      for (const d of r.declarations) d.retention = 'indefinite';
      delete decl(r, 'sellers_fulfilment').transfer;
      r.operator.children.guardian_consent_method = undefined;
    });

  it('sorts by document order, with indexes compared as numbers', () => {
    const model = modelWith((r) => {
      // Twelve declarations so that [10] and [11] exist: a string sort would put them before [2].
      const base = decl(r, 'customs_filing');
      for (let i = 0; i < 6; i++) r.declarations.push({ ...structuredClone(base), id: `extra_${i}` });
      for (const d of r.declarations) d.retention = 'indefinite';
    });
    const paths = lintRegistry(model).map((f) => f.path);
    expect(paths).toEqual(Array.from({ length: 12 }, (_, i) => `declarations[${i}].retention`));
  });

  it('puts operator findings before declaration findings and is deterministic', () => {
    const a = lintRegistry(messy());
    const b = lintRegistry(messy());
    expect(a).toEqual(b);
    const firstDeclaration = a.findIndex((f) => f.path.startsWith('declarations'));
    const lastOperator = a.map((f) => f.path.startsWith('operator')).lastIndexOf(true);
    expect(lastOperator).toBeGreaterThanOrEqual(0);
    expect(lastOperator).toBeLessThan(firstDeclaration);
  });

  it('adds line and column only when given a locator, and never leaks internal fields', () => {
    const without = lintRegistry(messy());
    expect(without.every((f) => f.line === undefined && f.column === undefined)).toBe(true);
    const withLoc = lintRegistry(messy(), () => ({ line: 7, column: 3 }));
    expect(withLoc.every((f) => f.line === 7 && f.column === 3)).toBe(true);
    for (const f of withLoc) expect(Object.keys(f).sort()).toEqual(['articles', 'code', 'column', 'line', 'message', 'message_ko', 'path', 'severity']);
  });

  it('every finding comes from a catalogued rule with its severity and articles', () => {
    const byCode = new Map(ruleCatalog.map((r) => [r.code, r]));
    for (const f of lintRegistry(messy())) {
      const rule = byCode.get(f.code);
      expect(rule).toBeDefined();
      expect(f.severity).toBe(rule!.severity);
      expect(f.articles).toEqual(rule!.articles);
    }
  });
});
