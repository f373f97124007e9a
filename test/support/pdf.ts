import { writeFileSync } from 'node:fs';

/**
 * Reads a PDF back with PDF.js (pdfjs-dist, an npm package: no poppler or other program of the
 * machine), for tests that check what a generated PDF says and how its pages look.
 */
export interface ReadPdf {
  readonly pages: number;
  /** The text of a page (1-based), its runs joined by single spaces. */
  text(page: number): Promise<string>;
  /** Renders a page (1-based) at `dpi` to a PNG file; returns the PNG's bytes. */
  renderPng(page: number, file: string, dpi?: number): Promise<Buffer>;
  close(): Promise<void>;
}

interface CanvasLike {
  toBuffer(mime: 'image/png'): Buffer;
}

export async function readPdf(bytes: Uint8Array): Promise<ReadPdf> {
  // The legacy build is the one PDF.js supports on Node; it renders through @napi-rs/canvas.
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false }).promise;
  return {
    pages: doc.numPages,
    async text(n) {
      const content = await (await doc.getPage(n)).getTextContent();
      return content.items.map((i) => ('str' in i ? i.str : '')).join(' ');
    },
    async renderPng(n, file, dpi = 60) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale: dpi / 72 });
      const factory = (doc as unknown as { canvasFactory: { create(w: number, h: number): { canvas: CanvasLike; context: unknown } } }).canvasFactory;
      const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
      await page.render({ canvasContext: context as never, viewport }).promise;
      const png = canvas.toBuffer('image/png');
      writeFileSync(file, png);
      return png;
    },
    close: () => doc.destroy(),
  };
}
