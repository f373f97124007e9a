import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { decisionEntryText, ledgerEntry } from '../../src/app/decision-entry.ts';
import { canonicalJson } from '../../src/core/canonical.ts';
import { FrozenJson } from '../../src/core/frozen-json.ts';
import type { TraceStep } from '../../src/core/gate/types.ts';
import { releasedItem } from '../../src/store/decision-json.ts';
import { DECISION_KIND } from '../../src/store/decisions-repo.ts';
import { subjectOf } from '../../src/store/ledger-appender.ts';
import { allowedRow, decisionRows } from '../support/decision-rows.ts';
import { deserialize, serialize } from 'node:v8';

// Text of every kind a field can hold: plain, any code unit (lone surrogates included), and the
// characters JSON escapes.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\ud800', 'a\udc00b', '😀', '\u0000', '"\\', '\u2028', '홍길동'),
);
// Valid Date range (±8.64e15 ms); the journal rejects nothing else here.
const ms = fc.integer({ min: -8.64e15, max: 8.64e15 });

// Steps and items both as the gate shares them (frozen, reused) and as fresh objects.
const sharedSteps = [
  Object.freeze({ check: 'subject', ok: true, detail: 'subject known' }),
  Object.freeze({ check: 'transfer', ok: true, detail: 'consent to overseas transfer', article: 'PIPA 28-8(1)1' }),
];
const step: fc.Arbitrary<TraceStep> = fc.oneof(
  fc.constantFrom(...sharedSteps),
  fc.record({ check: text, ok: fc.boolean(), detail: text, article: fc.option(text, { nil: undefined }) }, { requiredKeys: ['check', 'ok', 'detail'] }),
);
const item = fc.oneof(
  fc.tuple(text, text).map(([c, f]) => releasedItem(c, f)),
  fc.record({ category: text, form: text }),
);

const row = decisionRows({ id: text, subject: text, text, ms, item, step });

describe('decision log entry text', () => {
  it('is byte for byte the canonical JSON of the entry with its kind, or fails like it (checked against the canonicalize library)', () => {
    fc.assert(
      fc.property(row, (r) => {
        const entry = { ...ledgerEntry(r), kind: DECISION_KIND };
        let expected: string;
        try {
          expected = canonicalize(entry)!;
        } catch {
          // No canonical form (a lone surrogate): neither way may produce a text.
          expect(() => canonicalJson(entry)).toThrow();
          expect(() => decisionEntryText(r)).toThrow();
          return;
        }
        const text = decisionEntryText(r);
        expect(text).toBe(expected);
        expect(text).toBe(canonicalJson(entry));
        // Twice: a memoised piece gives the same text as a fresh one.
        expect(decisionEntryText(r)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the same subject the journal would find in the entry', () => {
    fc.assert(
      fc.property(row, (r) => {
        expect(subjectOf({ subject: r.subjectPseudonym })).toBe(subjectOf(ledgerEntry(r)));
      }),
    );
  });
});

describe('FrozenJson', () => {
  const json = new FrozenJson<Record<string, unknown>>((v) => JSON.stringify(v));

  it('serialises an unfrozen object afresh, so a change shows', () => {
    const v: Record<string, unknown> = { a: 1 };
    expect(json.of(v)).toBe('{"a":1}');
    v.a = 2;
    expect(json.of(v)).toBe('{"a":2}');
  });

  it('does not remember a frozen object that holds a mutable one', () => {
    const inner = { b: 1 };
    const v = Object.freeze({ a: inner });
    expect(json.of(v)).toBe('{"a":{"b":1}}');
    inner.b = 2;
    expect(json.of(v)).toBe('{"a":{"b":2}}');
  });

  it('writes a frozen flat object once and reuses the text', () => {
    let writes = 0;
    const counted = new FrozenJson<{ a: number }>((v) => (writes++, JSON.stringify(v)));
    const v = Object.freeze({ a: 1 });
    expect(counted.array([v, v, v])).toBe('[{"a":1},{"a":1},{"a":1}]');
    expect(writes).toBe(1);
    expect(counted.array([])).toBe('[]');
  });

});

describe('decision log entry text, as bytes', () => {
  it('is a one-byte string when the basis is a thin string (a structured clone used as a property key, as from PGlite)', () => {
    // V8 writes a one-byte string as '"' after its two-byte header, a two-byte one as 'c' (or padding first).
    const oneByte = (s: string) => serialize(s)[2] === 0x22;
    const basis = (deserialize(serialize({ basis: 'consent' })) as { basis: 'consent' }).basis;
    const keyed: Record<string, number> = { consent: 1 };
    expect(keyed[basis]).toBe(1); // the look-up makes `basis` a ThinString of the literal
    expect(oneByte([basis as string, 'x'].join(''))).toBe(false); // what join alone does with it
    const text = decisionEntryText(allowedRow('dec_thin', [sharedSteps[0]!], { basis }));
    expect(text).toContain('"basis":"consent"');
    expect(oneByte(text)).toBe(true);
  });
});
