import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releaseBytes } from '../../src/http/routes/release-json.ts';

// Text of every kind a value can hold: plain, any code unit (lone surrogates included), the
// characters JSON escapes, two-byte text.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '\ud800', 'a\udc00b', '\udbff\udfff', '😀', '\u0000', '\u001f', '\u007f', '"\\', '\u2028', '홍길동', '서울특별시 강남구 테헤란로 0', '12', '0', '4294967295', '-1'),
);
const strings = fc.dictionary(text, text, { maxKeys: 6 });
const release = fc.record({
  decision_id: text,
  ledger_index: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer({ min: -5, max: 5 })),
  declaration_id: text,
  basis: text,
  items: strings,
  forms: strings,
  missing: fc.array(text, { maxLength: 4 }),
  retention_until: fc.option(text, { nil: null }),
});

describe('the release body', () => {
  it("is JSON.stringify's text as UTF-8, byte for byte", () => {
    fc.assert(
      fc.property(release, (r) => {
        const body = releaseBytes(r as never);
        expect(body.equals(Buffer.from(JSON.stringify(r), 'utf8'))).toBe(true);
        expect(body.toString('utf8')).toBe(JSON.stringify(r));
      }),
      { numRuns: 3000 },
    );
  });

  it('is JSON.stringify for shapes it does not write itself', () => {
    const base = { decision_id: 'dec_1', ledger_index: 3, declaration_id: 'd', basis: 'consent', items: { a: 'x' }, forms: { a: 'plain' }, missing: [], retention_until: null };
    const odd = [
      { ...base, items: { a: 1, b: { c: [true] } } },
      { ...base, items: { a: undefined, b: 'y' } },
      { ...base, ledger_index: -0 },
      { ...base, ledger_index: 1.5 },
      { ...base, ledger_index: Number.NaN },
      { ...base, extra: 'kept' },
      { ...base, missing: ['m', 2] },
      { ...base, retention_until: new Date(0) },
      { ...base, items: Object.assign(Object.create({ inherited: 'no' }), { a: 'x' }) },
      Object.assign({ retention_until: null }, base),
    ];
    for (const r of odd) expect(releaseBytes(r as never).toString('utf8')).toBe(JSON.stringify(r));
  });
});
