import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../src/http/auth.ts';

/** What presentedKey did before bearerToken: one `exec` and its capture. */
const byExec = (h: string): string => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : '';
};

// Every kind of white space JavaScript's \s knows, beside printable ASCII and a few others.
const SPACES = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u3000', '\ufeff'];
const piece = fc.oneof(
  fc.constantFrom(...SPACES),
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'cg_recipient_0123456789abcdef_' + 'A'.repeat(43), '\u00ff', 'é'),
);

describe('bearerToken', () => {
  it('gives what the capturing pattern gave, for any value', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const h = parts.join('');
        expect(bearerToken(h)).toBe(byExec(h));
        expect(bearerToken('Bearer' + h)).toBe(byExec('Bearer' + h));
        expect(bearerToken('Bearer ' + h)).toBe(byExec('Bearer ' + h));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the token out of the usual and the unusual forms, and refuses the rest', () => {
    const k = 'cg_recipient_0123456789abcdef_' + 'A'.repeat(43);
    expect(bearerToken(`Bearer ${k}`)).toBe(k);
    expect(bearerToken(`bearer ${k}`)).toBe(k);
    expect(bearerToken(`Bearer \t ${k} \r`)).toBe(k);
    expect(bearerToken(`Bearer\u00a0${k}\u00a0`)).toBe(k);
    expect(bearerToken(`Bearer ${k}\u00a0`)).toBe(k);
    expect(bearerToken(`Bearer x`)).toBe('x');
    expect(bearerToken(`Bearer ${k} ${k}`)).toBe('');
    expect(bearerToken(`Bearer `)).toBe('');
    expect(bearerToken(`Bearer${k}`)).toBe('');
    expect(bearerToken(`Basic ${k}`)).toBe('');
    expect(bearerToken(` Bearer ${k}`)).toBe('');
  });
});
