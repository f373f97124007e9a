import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJson, expandJson, partId, partIdsIn, shareReceiptPart } from '../../src/core/consent/receipt-parts.ts';

/** JSON values without "$part" keys (receipts never have one: their shape is fixed). */
const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes('"$part"'));
/** Objects long enough to be stored as parts (and some too short to be). */
const part = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 60 }), { minKeys: 1, maxKeys: 6 }).filter((o) => !('$part' in o));

describe('receipt parts', () => {
  it('expand(compact(v)) deep-equals v, for any placement of shared parts', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), fc.array(json, { maxLength: 4 }), fc.nat(), (parts, filler, seed) => {
        const shared = parts.map((p) => shareReceiptPart(structuredClone(p)));
        // A receipt-like value: the shared objects (some twice) among unshared data.
        const value = { filler, consents: shared.map((p, i) => ({ i, p, again: shared[(i + seed) % shared.length] })), top: shared[seed % shared.length] };
        // As JSON has it (-0 is 0 in JSON): the parts are stored as JSON text.
        const expected = JSON.parse(JSON.stringify(value)) as unknown;
        const { text, parts: used } = compactJson(value);
        expect(new Set(partIdsIn(text))).toEqual(new Set(used.keys()));
        expect(expandJson(text, (id) => used.get(id))).toEqual(expected);
        // Every referenced part is stored under its content address.
        for (const [id, t] of used) expect(partId(t)).toBe(id);
      }),
      { numRuns: 200 },
    );
  });

  it('replaces long parts only, and the compact text is shorter', () => {
    const long = shareReceiptPart({ text: 'x'.repeat(200) });
    const short = shareReceiptPart({ t: 'y' });
    const { text, parts } = compactJson({ long, short, copy: { text: 'x'.repeat(200) } });
    expect(parts.size).toBe(1);
    expect(text).toContain('"short":{"t":"y"}');
    // Only the shared object (by identity) is replaced; an equal unshared copy stays in place.
    expect(text.match(/\$part/g)).toHaveLength(1);
    expect(text.length).toBeLessThan(JSON.stringify({ long, short, copy: long }).length);
  });

  it('refuses a missing part or a part that does not match its address', () => {
    const p = shareReceiptPart({ text: 'z'.repeat(150) });
    const { text, parts } = compactJson({ p });
    const id = [...parts.keys()][0]!;
    expect(() => expandJson(text, () => undefined)).toThrow(/missing/);
    expect(() => expandJson(text, () => JSON.stringify({ text: 'z'.repeat(149) + 'Z' }))).toThrow(/does not match/);
    expect(expandJson(text, (x) => (x === id ? parts.get(x) : undefined))).toEqual({ p: { text: 'z'.repeat(150) } });
  });

  it('shared parts are frozen: a later change cannot make the stored text stale', () => {
    const p = shareReceiptPart({ text: 'w'.repeat(120), list: ['a'] });
    expect(Object.isFrozen(p) && Object.isFrozen(p.list)).toBe(true);
    expect(() => (p.list as string[]).push('b')).toThrow();
  });
});
