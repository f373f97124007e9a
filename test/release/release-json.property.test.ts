import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releaseBytes } from '../../src/http/routes/release-json.ts';

// Text of every kind a value can hold: plain, any code unit (lone surrogates included), the
// characters JSON escapes, two-byte text.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '\ud800', 'a\udc00b', '😀', '\u0000', '"\\', '\u2028', '홍길동', '서울특별시 강남구 테헤란로 0'),
);
const strings = fc.dictionary(text, text, { maxKeys: 6 });
const release = fc.record({
  decision_id: text,
  ledger_index: fc.nat(),
  declaration_id: text,
  basis: text,
  items: strings,
  forms: strings,
  missing: fc.array(text, { maxLength: 4 }),
  retention_until: fc.option(text, { nil: null }),
});

describe('the release body', () => {
  it("is JSON.stringify's text as UTF-8, and parses back to the answer", () => {
    fc.assert(
      fc.property(release, (r) => {
        const body = releaseBytes(r as never);
        expect(body.equals(Buffer.from(JSON.stringify(r), 'utf8'))).toBe(true);
        expect(body.toString('utf8')).toBe(JSON.stringify(r));
      }),
      { numRuns: 1000 },
    );
  });
});
