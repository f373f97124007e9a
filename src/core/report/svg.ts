/**
 * Server-side SVG charts: plain strings, no browser, no fonts embedded, so the HTML (and a later
 * PDF) render the same picture. Each chart carries <title>/<desc> and role="img"; the renderer
 * places the data table beside it for screen readers and printing.
 */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

const PALETTE = ['#1f4e79', '#c0392b', '#2e7d32', '#6a1b9a', '#ef6c00'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Noto Sans KR, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** 1, 2 or 5 × 10^k at or above `v`: axis maxima people can read. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Horizontal bars, one per row: long labels (codes, recipients) stay readable. */
export function barChart(id: string, title: string, desc: string, bars: readonly Bar[]): string {
  const width = 680;
  const labelW = 220;
  const rowH = 26;
  const top = 30;
  const height = top + Math.max(1, bars.length) * rowH + 10;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const plotW = width - labelW - 70;
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Math.max(b.value > 0 ? 1 : 0, Math.round((b.value / max) * plotW));
      return (
        `<g><title>${escapeXml(`${b.label}: ${fmt(b.value)}`)}</title>` +
        `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" font-size="12" fill="#222">${escapeXml(truncate(b.label, 32))}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${PALETTE[0]}"/>` +
        `<text x="${labelW + w + 6}" y="${y + 17}" font-size="12" fill="#222">${fmt(b.value)}</text></g>`
      );
    })
    .join('');
  return frame(id, title, desc, width, height, `<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${height - 10}" stroke="#888"/>${rows}`);
}

/** Lines over shared x labels (e.g. months); colour *and* dash pattern tell series apart. */
export function lineChart(id: string, title: string, desc: string, labels: readonly string[], series: readonly Series[]): string {
  const width = 680;
  const height = 300;
  const left = 64;
  const right = 40;
  const top = 40;
  const bottom = 48;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i: number) => left + (labels.length <= 1 ? plotW / 2 : (i * plotW) / (labels.length - 1));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<line x1="${left}" x2="${width - right}" y1="${y(f * max)}" y2="${y(f * max)}" stroke="#ddd"/><text x="${left - 6}" y="${y(f * max) + 4}" text-anchor="end" font-size="11" fill="#444">${fmt(f * max)}</text>`)
    .join('');
  const every = Math.max(1, Math.ceil(labels.length / 12));
  const xl = labels
    .map((l, i) => (i % every === 0 ? `<text x="${x(i)}" y="${height - bottom + 18}" text-anchor="middle" font-size="11" fill="#444">${escapeXml(l)}</text>` : ''))
    .join('');
  const lines = series
    .map((s, k) => {
      const color = PALETTE[k % PALETTE.length]!;
      const dash = DASHES[k % DASHES.length]!;
      const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dots = s.values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.name}, ${labels[i] ?? ''}: ${fmt(v)}`)}</title></circle>`).join('');
      return `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>${dots}`;
    })
    .join('');
  const legend = series
    .map((s, k) => {
      const lx = left + k * 200;
      const dash = DASHES[k % DASHES.length]!;
      return `<line x1="${lx}" x2="${lx + 24}" y1="18" y2="18" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${lx + 30}" y="22" font-size="12" fill="#222">${escapeXml(s.name)}</text>`;
    })
    .join('');
  const axes = `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#888"/><line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#888"/>`;
  return frame(id, title, desc, width, height, ticks + axes + xl + lines + legend);
}

function frame(id: string, title: string, desc: string, width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT}>` +
    `<title id="${id}-t">${escapeXml(title)}</title><desc id="${id}-d">${escapeXml(desc)}</desc>` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${body}</svg>`
  );
}

const truncate = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
