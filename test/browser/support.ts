import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import { chromium, needs } from '../support/system.ts';
import type { TestApp } from '../http/app-support.ts';

/**
 * Browser-test plumbing: Debian's Chromium through playwright-core (never a downloaded browser),
 * axe-core for accessibility, screenshots under test-results/.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = join(process.cwd(), 'test-results');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests can run here. Under CI=true a missing Chromium is a failure with
 * an explanation (CI installs it: see .ci/run); locally the suite is skipped with the same note.
 */
export function chromiumAvailable(): boolean {
  return needs('the browser tests', [chromium(CHROMIUM)]);
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * The script errors and Content-Security-Policy refusals of the pages a test file opens with
 * `openPage(browser, { problems })`, checked empty after each of its tests. Call once, at the
 * file's top level (it registers the afterEach).
 */
export function pageProblems(): string[] {
  const problems: string[] = [];
  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });
  return problems;
}

/** A page in a fresh context (1200×900 unless `context` says otherwise); its problems go to `problems`. */
export async function openPage(browser: Browser, opts: { problems?: string[]; timeoutMs?: number; context?: BrowserContextOptions } = {}): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...opts.context });
  const page = await ctx.newPage();
  page.setDefaultTimeout(opts.timeoutMs ?? 10_000);
  const problems = opts.problems;
  if (problems) {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
  }
  return page;
}

/**
 * Signs in to the console at `base` with an admin key, or a login and password, and waits until
 * it shows the heading `ready` (by default: until its Sign out button is there).
 */
export async function consoleSignIn(page: Page, base: string, credentials: { key: string } | { login: string; password: string }, ready?: string): Promise<void> {
  await page.goto(`${base}/console/`);
  if ('key' in credentials) {
    await page.getByLabel('Admin key').fill(credentials.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  } else {
    await page.getByLabel('Login or e-mail').fill(credentials.login);
    await page.getByLabel('Password', { exact: true }).fill(credentials.password);
    await page.getByRole('button', { name: 'Log in with password' }).click();
  }
  await (ready === undefined ? page.getByRole('button', { name: 'Sign out' }) : page.getByRole('heading', { name: ready })).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

declare const document: unknown;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * Runs axe-core (WCAG 2.0–2.2 A/AA rules) on the page and fails on any serious or critical
 * violation. Injected through the DevTools protocol, so the page's CSP stays as served.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${label}: axe found ${JSON.stringify(serious, null, 1)}`).toEqual([]);
}

/** Starts `app` on a free loopback port; answers its base URL. */
export async function listen(app: TestApp): Promise<string> {
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.addresses()[0]!;
  return `http://127.0.0.1:${typeof addr === 'string' ? addr : addr.port}`;
}

/** Registers a seller of the demo's `cn_sellers` class under the class's current agreement; answers its API key. */
export async function cnSeller(app: TestApp, id: string, name: string): Promise<string> {
  const agreementVersion = app.ctx.registry.model!.parties.get('cn_sellers')!.agreement!.version;
  await app.ctx.members.register({ id, classId: 'cn_sellers', name, country: 'CN', agreementVersion }, 'test');
  return (await app.ctx.members.issueKey(id, 'test')).key;
}
