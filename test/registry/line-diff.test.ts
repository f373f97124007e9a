import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hunks, lineDiff, splitLines } from '../../src/core/registry/line-diff.ts';

/** The console's line diff: it must rebuild both texts, and be minimal on simple edits. */
const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', '  - x', ''), { maxLength: 40 });

describe('lineDiff', () => {
  it('rebuilds the old text from same+del lines and the new one from same+add lines, with line numbers in order', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const d = lineDiff(a.join('\n'), b.join('\n'));
        expect(d.filter((l) => l.op !== 'add').map((l) => l.text)).toEqual(splitLines(a.join('\n')));
        expect(d.filter((l) => l.op !== 'del').map((l) => l.text)).toEqual(splitLines(b.join('\n')));
        const olds = d.filter((l) => l.a !== undefined).map((l) => l.a);
        const news = d.filter((l) => l.b !== undefined).map((l) => l.b);
        expect(olds).toEqual(olds.map((_, i) => i + 1));
        expect(news).toEqual(news.map((_, i) => i + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('shows one changed line as one deletion and one addition', () => {
    const d = lineDiff('a\nb\nc\nd\n', 'a\nb\nX\nd\n');
    expect(d.filter((l) => l.op !== 'same')).toEqual([
      { op: 'del', text: 'c', a: 3 },
      { op: 'add', text: 'X', b: 3 },
    ]);
  });

  it('falls back to replacing everything past the edit budget', () => {
    const d = lineDiff('a\nb\nc', 'x\ny\nz', 1);
    expect(d.map((l) => l.op)).toEqual(['del', 'del', 'del', 'add', 'add', 'add']);
  });

  it('keeps context around changes and marks gaps', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const b = [...a];
    b[15] = 'changed';
    const h = hunks(lineDiff(a.join('\n'), b.join('\n')), 2);
    expect(h[0]).toMatchObject({ text: 'l13' });
    expect(h.filter((x) => x === null)).toHaveLength(0);
    expect(h).toHaveLength(6);
    const two = [...b];
    two[2] = 'early';
    const h2 = hunks(lineDiff(a.join('\n'), two.join('\n')), 2);
    expect(h2.filter((x) => x === null)).toHaveLength(1);
  });
});
