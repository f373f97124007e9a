import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mask, REDACTED } from '../../src/core/transform/mask.ts';
import type { ValueFormat } from '../../src/core/gate/types.ts';

const FORMATS: ValueFormat[] = ['name', 'phone', 'email', 'address', 'identifier', 'date', 'text', 'json'];

describe('mask: examples', () => {
  it.each([
    ['name', '홍길동', '홍*동'],
    ['name', '김철', '김*'],
    ['name', '남궁민수', '남**수'],
    ['name', 'John Doe', 'J*** D**'],
    ['name', '王小明', '王*明'],
    ['phone', '010-1234-5678', '010-****-5678'],
    ['phone', '+82 10-1234-5678', '+82 10-****-5678'],
    ['phone', '+82-10-1234-5678', '+82-10-****-5678'],
    ['phone', '01012345678', '010****5678'],
    ['phone', '02-123-4567', '02-***-4567'],
    ['phone', '+1 206-555-0100', '+1 206-***-0100'],
    ['phone', '+44 20 7946 0958', '+44 20 **** 0958'],
    ['phone', '1234', '****'],
    ['email', 'jdoe@example.com', 'j***@example.com'],
    ['email', 'j@example.com', 'j***@example.com'],
    ['email', 'not-an-email', REDACTED],
    ['address', '서울특별시 강남구 테헤란로 100, 101동 202호', '서울특별시 강남구 ***'],
    ['address', '경기도 성남시 분당구 판교역로 235', '경기도 성남시 분당구 ***'],
    ['address', '100 Main St, Apt 4, Seattle, WA 98101, USA', 'Seattle, WA, USA ***'],
    ['address', 'Herengracht 1, 1015 BN Amsterdam, Netherlands', 'Amsterdam, Netherlands ***'],
    ['address', '1 Harbourfront Walk Singapore 098585', REDACTED],
    ['identifier', 'P123456789012', '*********9012'],
    ['identifier', '1234', '**34'],
    ['date', '1990-05-17', '1990-**-**'],
    ['date', '17/05/1990', '1990-**-**'],
    ['date', 'yesterday', REDACTED],
    ['text', 'hello world', REDACTED],
    ['json', '{"orders":[1,2]}', REDACTED],
  ] as const)('%s %s → %s', (format, input, expected) => {
    expect(mask(format, input)).toBe(expected);
  });

  it('redacts structures and oversized values whatever the format', () => {
    expect(mask('name', { first: 'John' })).toBe(REDACTED);
    expect(mask('json', [1, 2])).toBe(REDACTED);
    expect(mask('name', 'a'.repeat(5000))).toBe(REDACTED);
    expect(mask('identifier', 123456789)).toBe('*****6789');
  });
});

const digits = (s: string) => s.replace(/[^0-9]/g, '');

describe('mask: properties', () => {
  // '*' is the mask character itself: an input already made of masks is not "non-trivial".
  const nonTrivial = fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }).filter((s) => /[\p{L}\p{N}]/u.test(s) && !s.includes('*'));

  it('never returns a non-trivial input unchanged, and is deterministic', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), nonTrivial, (format, s) => {
        const out = mask(format, s);
        expect(out).not.toBe(s);
        expect(mask(format, s)).toBe(out);
      }),
      { numRuns: 2000 },
    );
  });

  const word = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ가나다라마바사아자차카타파하홍길동') });
  it('name: keeps one letter per word (CJK: first and last) and stars every other position', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        const out = mask('name', words.join(' ')).split(' ');
        expect(out).toHaveLength(words.length);
        words.forEach((w, i) => {
          const o = Array.from(out[i]!);
          const cs = Array.from(w);
          expect(o).toHaveLength(cs.length);
          const kept = o.filter((c) => c !== '*').length;
          expect(kept).toBeLessThanOrEqual(Math.max(0, Math.min(2, cs.length - 1)));
          o.forEach((c, k) => expect(c === '*' || c === cs[k]).toBe(true));
        });
      }),
    );
  });

  const phone = fc
    .tuple(fc.option(fc.constantFrom('+82 ', '+1 ', '+44-', '+86 '), { nil: '' }), fc.array(fc.stringMatching(/^[0-9]{1,5}$/), { minLength: 1, maxLength: 4 }), fc.constantFrom('-', ' ', '.', ''))
    .map(([cc, groups, sep]) => cc + groups.join(sep));
  it('phone: separators stay, the last four digits stay, at least three middle digits (or all of a short number) are hidden', () => {
    fc.assert(
      fc.property(phone, (p) => {
        const out = mask('phone', p);
        expect(out.length).toBe(p.length);
        expect(out.replace(/[0-9*]/g, '#')).toBe(p.replace(/[0-9]/g, '#'));
        const n = digits(p).length;
        const hidden = (out.match(/\*/g) ?? []).length;
        if (n <= 4) expect(hidden).toBe(n);
        else {
          expect(hidden).toBeGreaterThanOrEqual(Math.min(3, n - 4));
          expect(digits(out).slice(-4)).toBe(digits(p).slice(-4));
        }
        // Every digit that survives is the input's digit at the same position.
        [...out].forEach((c, i) => expect(c === '*' || c === p[i]).toBe(true));
      }),
      { numRuns: 1000 },
    );
  });

  it('email: at most one character of the local part survives; the domain stays', () => {
    const local = fc.stringMatching(/^[A-Z0-9_]{1,20}$/);
    const domain = fc.stringMatching(/^[a-z]{1,10}\.[a-z]{2,3}$/);
    fc.assert(
      fc.property(local, domain, (l, d) => {
        const out = mask('email', `${l}@${d}`);
        expect(out.endsWith(`@${d}`)).toBe(true);
        expect(out.replace(/[^A-Z0-9_]/g, '')).toBe(l[0]);
      }),
    );
  });

  const hangul = fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom(...'가나다라마바사아자차카타파하') });
  const krAddress = fc
    .tuple(
      fc.constantFrom('서울특별시', '부산광역시', '경기도', '세종특별자치시'),
      fc.constantFrom('강남구', '성남시 분당구', '해운대구', ''),
      hangul.map((s) => s + '로'),
      fc.integer({ min: 1, max: 999 }),
      fc.option(fc.tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 2999 })), { nil: undefined }),
    )
    .map(([region, city, street, no, unit]) => ({
      region,
      street,
      text: [region, city, street, String(no)].filter(Boolean).join(' ') + (unit ? `, ${unit[0]}동 ${unit[1]}호` : ''),
    }));
  it('address (Korean): keeps the region, drops the street, numbers and unit', () => {
    fc.assert(
      fc.property(krAddress, (a) => {
        const out = mask('address', a.text);
        expect(out.startsWith(a.region)).toBe(true);
        expect(out).not.toContain(a.street);
        expect(out).not.toMatch(/[0-9]/);
        expect(out.endsWith(REDACTED)).toBe(true);
      }),
    );
  });

  const latin = fc.stringMatching(/^[A-Z][a-z]{2,9}$/);
  const westernAddress = fc
    .tuple(fc.integer({ min: 1, max: 9999 }), latin, fc.boolean(), fc.integer({ min: 1, max: 99 }), latin, fc.stringMatching(/^[0-9]{5}$/), fc.constantFrom('USA', 'Germany', 'France'))
    .filter(([, street, , , city]) => street !== city && !city.includes(street) && !['Apt', 'Street'].includes(street))
    .map(([no, street, hasUnit, unit, city, zip, country]) => ({
      street,
      city,
      text: `${no} ${street} Street${hasUnit ? `, Apt ${unit}` : ''}, ${city}, ${zip}, ${country}`,
    }));
  it('address (Western): keeps city and country, drops the street, numbers and unit', () => {
    fc.assert(
      fc.property(westernAddress, (a) => {
        const out = mask('address', a.text);
        expect(out).toContain(a.city);
        expect(out).not.toContain(a.street);
        expect(out).not.toMatch(/[0-9]|Apt/);
      }),
    );
  });

  it('address: no digit ever survives, whatever the input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
      expect(mask('address', s)).not.toMatch(/[0-9]/);
    }), { numRuns: 2000 });
  });

  it('identifier: keeps at most the last four and at most half; the rest is starred in place', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9-]{1,30}$/).filter((s) => /[A-Z0-9]/.test(s)), (id) => {
        const out = mask('identifier', id);
        expect(out.length).toBe(id.length);
        const n = id.replace(/-/g, '').length;
        const kept = out.replace(/[-*]/g, '').length;
        expect(kept).toBeLessThanOrEqual(Math.min(4, Math.floor(n / 2)));
        expect(id.replace(/-/g, '').endsWith(out.replace(/[-*]/g, ''))).toBe(true);
      }),
    );
  });

  it('date: only the year survives', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        expect(mask('date', iso)).toBe(`${iso.slice(0, 4)}-**-**`);
      }),
    );
  });

  it('text and json: fully redacted', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom<ValueFormat>('text', 'json'), (v, f) => {
      expect(mask(f, typeof v === 'string' ? v : JSON.stringify(v))).toBe(REDACTED);
    }));
  });
});
