import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRegistryFile } from '../../src/audit/registry-file.ts';
import { buildReport } from '../../src/core/report/build.ts';
import { renderHtml } from '../../src/core/report/html.ts';
import { chromiumPath, htmlToPdf } from '../../src/report/pdf.ts';
import { fixture } from '../audit/support.ts';
import { chromium, needs } from '../support/system.ts';

/**
 * A Korean report printed to PDF carries its Korean text in a CJK font: the PDF embeds a font
 * whose name (the /FontName of its font descriptors) is a CJK one — Noto Sans/Serif CJK, which the
 * container image installs (fonts-noto-cjk, deploy/Dockerfile). Without it Chromium falls back to
 * a font without Hangul and the regulator gets empty boxes.
 */
const withChromium = needs('PDF reports', [chromium(chromiumPath())]);

/** Every /FontName of a PDF (font descriptors are plain dictionaries in Chromium's PDFs). */
export function pdfFontNames(pdf: Buffer): string[] {
  const names = pdf.toString('latin1').match(/\/FontName\s*\/([^\s/<>[\]()]+)/g) ?? [];
  // A subset font is named `ABCDEF+Family-Style`: the family after the tag.
  return [...new Set(names.map((n) => n.replace(/^\/FontName\s*\//, '').replace(/^[A-Z]{6}\+/, '')))];
}

describe('pdfFontNames', () => {
  it('reads font names, subset tag removed', () => {
    expect(pdfFontNames(Buffer.from('<< /Type /FontDescriptor /FontName /AAAAAA+NotoSansCJKkr-Regular /Flags 4 >>', 'latin1'))).toEqual(['NotoSansCJKkr-Regular']);
  });
});

describe.skipIf(!withChromium)('Korean PDF report', () => {
  it('embeds a CJK font for the Korean text', async () => {
    const registry = loadRegistryFile(fixture('registry.yaml'));
    const report = buildReport({ registry, lang: 'ko', from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-12-31T23:59:59.999Z'), generatedAt: Date.parse('2024-06-01T00:00:00Z') });
    const html = renderHtml(report);
    expect(html).toContain('개인정보 처리방침');
    const pdf = await htmlToPdf(html);
    const fonts = pdfFontNames(pdf);
    expect(fonts.some((f) => /CJK/i.test(f)), `fonts embedded: ${fonts.join(', ')}`).toBe(true);
  }, 60_000);
});

describe('deploy/Dockerfile', () => {
  it('installs the CJK fonts (and the Chromium) that Korean PDF reports need', () => {
    const dockerfile = readFileSync(new URL('../../deploy/Dockerfile', import.meta.url), 'utf8');
    const install = dockerfile.split('\n').find((l) => /apt-get install/.test(l)) ?? '';
    expect(install).toMatch(/\bfonts-noto-cjk\b/);
    expect(install).toMatch(/\bchromium\b/);
    expect(dockerfile).toMatch(/^ENV .*CONSENTGATE_CHROMIUM=\/usr\/bin\/chromium/m);
  });
});
