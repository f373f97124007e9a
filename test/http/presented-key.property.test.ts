import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presentedKey } from '../../src/http/auth.ts';

// The form before it took the key by test and slice: a match and its capture.
const byExec = (h: string): string => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : '';
};
const space = fc.constantFrom(' ', '\t', '  ', '\u00a0', '\u3000', '\ufeff', '\v', '');
const word = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('cgk_rcp_abc.def', 'a b', '😀', '\ud800'));
const header = fc.oneof(
  fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Bearerx', 'Basic', 'Bear'), space, word, space).map((p) => p.join('')),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('the presented API key', () => {
  it('is what the Bearer pattern captures, for any Authorization header', () => {
    fc.assert(
      fc.property(header, (h) => {
        expect(presentedKey({ headers: { authorization: h } } as never)).toBe(h.length > 0 ? byExec(h) : undefined);
      }),
      { numRuns: 5000 },
    );
  });
});
