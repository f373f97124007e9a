import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../http/app-support.ts';
import { chromiumAvailable, expectAccessible, launch, screenshot, listen } from './support.ts';

/** The landing page (GET /) in Chromium: accessible, no CSP refusals, links that work by keyboard. */
declare const document: { activeElement: { getAttribute(name: string): string | null } | null };

const run = chromiumAvailable();
let app: TestApp;
let base = '';
let browser: Browser;

beforeAll(async () => {
  if (!run) return;
  app = await testApp({ demo: true });
  base = await listen(app);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe.skipIf(!run)('landing page in Chromium', () => {
  it('passes axe (WCAG 2.2 AA), loads its stylesheet under its CSP, and its first link is reachable by keyboard', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    const res = await page.goto(base + '/');
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('ConsentGate');
    await expectAccessible(page, 'landing');
    // The shared stylesheet applied (the header's brand colour), i.e. the CSP let it in.
    expect(await page.locator('header.top').evaluate((e) => getComputedStyle(e as never).backgroundColor)).toBe('rgb(31, 58, 147)');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/console/');
    await page.getByRole('link', { name: 'Demo checkout with the consent widget' }).click();
    await page.waitForURL(base + '/demo/checkout.html');
    await page.goBack();
    await screenshot(page, 'landing');
    expect(problems).toEqual([]);
  });
});

declare function getComputedStyle(e: never): { backgroundColor: string };
