import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lintRegistry } from '../../src/core/lint/index.ts';
import { koreanTexts, subjectTexts } from '../../src/core/lint/rules/korean-text.ts';
import { text, type LocalText } from '../../src/core/registry/local-text.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import type { Registry } from '../../src/core/registry/schema.ts';
import { cleanRegistry } from './fixtures.ts';

/**
 * Property: whatever form each localised text of the demo registry takes — `{ ko, en }`, `{ ko }`,
 * `{ en }`, a Hangul string, a Latin string — KO_TEXT_MISSING names exactly the paths without Korean
 * (for an operator serving KR), at their YAML line, and never fires for an EU-only operator; the
 * Korean rendering of a text with a `ko` is that text.
 */
type Form = 'both' | 'ko' | 'en' | 'hangul' | 'latin';
const FORMS: readonly Form[] = ['both', 'ko', 'en', 'hangul', 'latin'];

function make(form: Form, i: number): LocalText {
  switch (form) {
    case 'both':
      return { ko: `한국어 문구 ${i}`, en: `English text ${i}` };
    case 'ko':
      return { ko: `한국어 문구 ${i}` };
    case 'en':
      return { en: `English text ${i}` };
    case 'hangul':
      return `평문 ${i}`;
    default:
      return `Plain text ${i}`;
  }
}

const hasKo = (f: Form) => f === 'both' || f === 'ko' || f === 'hangul';

/** Sets the value at a path of the registry (the paths `subjectTexts` reports). */
function setAt(doc: Registry, path: ReadonlyArray<string | number>, value: LocalText): void {
  let o = doc as unknown as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) o = o[seg] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}

const paths = subjectTexts(new RegistryModel(cleanRegistry())).map((t) => t.path);

describe('KO_TEXT_MISSING (property)', () => {
  it('fires exactly for the texts without Korean, with path and line; never for an EU-only operator', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FORMS), { minLength: paths.length, maxLength: paths.length }), fc.boolean(), (forms, kr) => {
        const doc = cleanRegistry();
        paths.forEach((p, i) => setAt(doc, p, make(forms[i]!, i)));
        if (!kr) doc.operator.jurisdictions = ['EU'];
        const { registry, locate } = parseRegistry(stringify(doc));
        const model = new RegistryModel(registry);
        const expected = kr ? paths.filter((_, i) => !hasKo(forms[i]!)).map((p) => p.join('.').replace(/\.(\d+)/g, '[$1]')).sort() : [];
        expect(koreanTexts(model).map((f) => f.path).sort()).toEqual(expected);
        const located = lintRegistry(model, locate).filter((f) => f.code === 'KO_TEXT_MISSING');
        expect(located.every((f) => typeof f.line === 'number' && f.articles.includes('PIPA 22'))).toBe(true);
        paths.forEach((p, i) => {
          const t = subjectTexts(model).find((x) => x.path.join('.') === p.join('.'))!.text;
          if (forms[i] === 'both' || forms[i] === 'ko') expect(text(t, 'ko')).toBe(`한국어 문구 ${i}`);
          if (forms[i] === 'both' || forms[i] === 'en') expect(text(t, 'en')).toBe(`English text ${i}`);
        });
      }),
      { numRuns: 60 },
    );
  });
});
