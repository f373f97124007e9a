import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument, stringify } from 'yaml';
import { CgError } from '../../src/core/errors.ts';
import { lintRegistry } from '../../src/core/lint/index.ts';
import { locatePath, parsePath } from '../../src/core/registry/locate.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { cleanRegistry } from '../lint/fixtures.ts';

/**
 * Finding paths → editor lines (src/core/registry/locate.ts), as the console's live lint shows
 * them: every finding and every parse error lands on a line of the document, and on the line of
 * the key it names when that key is written.
 */
describe('locatePath', () => {
  const text = 'version: 1\noperator:\n  legal_name: X\n  children:\n    kr_age: 14\nlist:\n  - id: a\n    transfer:\n      ground: consent\n  - id: b\n';
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });

  it('puts a scalar at its value, a nested map on the line of its key, an item on its dash line', () => {
    expect(locatePath(doc, lc, ['operator', 'children', 'kr_age'])).toEqual({ line: 5, column: 13 });
    expect(locatePath(doc, lc, ['list', 0, 'transfer'])).toEqual({ line: 8, column: 5 });
    expect(locatePath(doc, lc, ['list', 1])?.line).toBe(10);
  });

  it('puts a missing field on its nearest existing parent', () => {
    expect(locatePath(doc, lc, ['list', 1, 'transfer', 'ground'])?.line).toBe(10);
    expect(locatePath(doc, lc, ['nothing', 'here'])?.line).toBe(1);
  });

  it('parsePath inverts formatPath', () => {
    expect(parsePath('declarations[2].transfer.ground')).toEqual(['declarations', 2, 'transfer', 'ground']);
    expect(parsePath('')).toEqual([]);
  });
});

/** Edits that make lint findings or schema errors on the demo registry. */
type Reg = Record<string, any>;
const EDITS: ReadonlyArray<(r: Reg, n: number) => void> = [
  (r, n) => delete r.declarations[n % r.declarations.length].transfer,
  (r, n) => (r.declarations[n % r.declarations.length].legal_basis = ['scc', 'consent', 'legitimate_interest', 'contract_necessity', 'adequacy'][n % 5]),
  (r, n) => (r.recipients[n % r.recipients.length].role = ['third_party', 'processor', 'affiliate'][n % 3]),
  (r, n) => delete r.recipients[n % r.recipients.length].agreement,
  (r) => delete r.operator.domestic_agents,
  (r, n) => (r.declarations[n % r.declarations.length].retention = 'indefinite'),
  (r, n) => (r.purposes[n % r.purposes.length].required = n % 2 === 0),
  (r, n) => (r.declarations[n % r.declarations.length].items = []),
  (r, n) => (r.operator.children.kr_age = n % 3 === 0 ? 'fourteen' : 14),
];

describe('every finding maps to a line of the document', () => {
  it('for random combinations of edits, written in block or flow style', () => {
    let keyed = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(EDITS.length - 1), fc.nat(50)), { maxLength: 5 }), fc.constantFrom(0, 2, 4), fc.constantFrom(2, 4), (edits, flowLevel, indent) => {
        const r = cleanRegistry() as unknown as Reg;
        for (const [k, n] of edits) EDITS[k]!(r, n);
        const text = stringify(r, { indent, flowLevel: flowLevel || undefined } as never);
        const lines = text.split('\n');
        const inside = (line: number | undefined) => line !== undefined && line >= 1 && line <= lines.length;
        let found: Array<{ path?: string; line?: number }>;
        try {
          const p = parseRegistry(text);
          found = lintRegistry(new RegistryModel(p.registry), p.locate);
        } catch (e) {
          if (!(e instanceof CgError)) throw e;
          found = [...e.details];
        }
        const doc = parseDocument(text);
        for (const f of found) {
          expect(inside(f.line), `${f.path} → line ${f.line} of ${lines.length}`).toBe(true);
          // Where the path is written out, the line is that key's (block style: one key per line).
          const segs = parsePath(f.path ?? '');
          const last = segs.at(-1);
          if (flowLevel === 0 && typeof last === 'string' && doc.hasIn(segs)) {
            expect(lines[f.line! - 1]).toContain(`${last}:`);
            keyed++;
          }
        }
      }),
      { numRuns: 80 },
    );
    // The key-line check did run (the edits make findings on existing keys).
    expect(keyed).toBeGreaterThan(0);
  });
});
