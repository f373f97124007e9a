import { accessSync, constants } from 'node:fs';
import { CgError } from '../core/errors.ts';

/**
 * HTML → PDF with headless Chromium (playwright-core drives the system browser; no browser is
 * downloaded). The PDF is the report's own HTML printed with its print CSS, so the two look the
 * same. The page has JavaScript disabled and every network request is aborted: the HTML is
 * self-contained (inline CSS and SVG) and its CSP forbids fetches anyway.
 */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser to use: `CONSENTGATE_CHROMIUM`, else /usr/bin/chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONSENTGATE_CHROMIUM || DEFAULT_CHROMIUM;
}

function unavailable(reason: string): CgError {
  return new CgError('PDF_UNAVAILABLE', `PDF output needs headless Chromium: ${reason}. Install chromium or set CONSENTGATE_CHROMIUM, or use --format html`, 503, [
    { code: 'PDF_UNAVAILABLE', message: reason, path: 'format' },
  ]);
}

export async function htmlToPdf(html: string, opts: { executablePath?: string; timeoutMs?: number } = {}): Promise<Buffer> {
  const executablePath = opts.executablePath ?? chromiumPath();
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw unavailable(`${executablePath} is missing or not executable`);
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw unavailable('playwright-core is not installed');
  }
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: opts.timeoutMs ?? 30_000 });
  } catch (e) {
    throw unavailable(`could not start ${executablePath} (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load', timeout: opts.timeoutMs ?? 30_000 });
    const pdf = await page.pdf({ printBackground: true, preferCSSPageSize: true });
    return Buffer.from(pdf);
  } finally {
    await browser.close().catch(() => {});
  }
}

/** A screenshot of the HTML as a browser shows it (tests and the docs' "opened in a browser" check). */
export async function htmlScreenshot(html: string, path: string, opts: { executablePath?: string } = {}): Promise<void> {
  const executablePath = opts.executablePath ?? chromiumPath();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
    await page.setContent(html, { waitUntil: 'load' });
    await page.screenshot({ path, fullPage: true });
  } finally {
    await browser.close().catch(() => {});
  }
}
