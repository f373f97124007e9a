import { describe, expect, it } from 'vitest';
import { barChart, lineChart, niceMax } from '../../src/core/report/svg.ts';

describe('SVG charts', () => {
  it.each([[0, 1], [1, 1], [7, 10], [11, 20], [1449, 2000], [10728, 20000], [50, 50]])('niceMax(%d) = %d', (v, m) => expect(niceMax(v)).toBe(m));

  it('bar chart: one bar per value, proportional widths, escaped labels, accessible title', () => {
    const svg = barChart('c1', 'Codes & "counts"', 'desc', [{ label: '<A>', value: 50 }, { label: 'B', value: 25 }, { label: 'C', value: 0 }]);
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c1-t c1-d"/);
    expect(svg).toContain('<title id="c1-t">Codes &amp; &quot;counts&quot;</title>');
    expect(svg).toContain('&lt;A&gt;');
    const widths = [...svg.matchAll(/<rect x="220" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    // max 50 → plot width 390: 50 → 390, 25 → 195, 0 → 0
    expect(widths).toEqual([390, 195, 0]);
  });

  it('line chart: a polyline per series with a point per label, distinguished by dash as well as colour', () => {
    const svg = lineChart('c2', 'Trend', 'desc', ['2024-01', '2024-02', '2024-03'], [
      { name: 'records', values: [10, 20, 5] },
      { name: 'violations', values: [1, 2, 0] },
    ]);
    const polylines = [...svg.matchAll(/<polyline points="([^"]+)"[^>]*>/g)];
    expect(polylines).toHaveLength(2);
    expect(polylines[0]![1]!.split(' ')).toHaveLength(3);
    expect(polylines[1]![0]).toContain('stroke-dasharray');
    expect(svg.match(/<circle /g)).toHaveLength(6);
    // y axis tops at niceMax(20) = 20: the 20-point sits on the plot's top edge (y = 40).
    expect(polylines[0]![1]!.split(' ')[1]).toMatch(/,40\.0$/);
  });
});
