import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../src/http/auth.ts';

describe('bearerToken', () => {
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
