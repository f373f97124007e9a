import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../http/app-support.ts';
import { chromiumAvailable, consoleSignIn, expectAccessible, launch, openPage, pageProblems, RESULTS, screenshot, listen } from './support.ts';

/**
 * The officer works rights requests and downloads reports from the console, in Chromium:
 * a support-role account (password sign-in) verifies, starts, extends and completes an EU customer's request and
 * rejects a Korean customer's request with a reason and a provision; each customer then reads
 * what they were told in the privacy centre (in their language). An auditor downloads the
 * transfer register as HTML, CSV and PDF. Every page passes axe-core.
 */
const run = chromiumAvailable();
let app: TestApp;
let base: string;
let browser: Browser;
const keys = {} as { eu: string; kr: string };
/** Console accounts (password sign-in): their sessions act as `account:<id>`. */
const people = {} as { support: string; auditor: string };
const rids = {} as { eu: string; kr: string; other: string };

beforeAll(async () => {
  if (!run) return;
  app = await testApp();
  base = await listen(app);
  keys.eu = (await app.ctx.subjects.create({ id: 'cust-browser-eu', jurisdiction: 'EU', issueToken: true }, 'test')).token!;
  keys.kr = (await app.ctx.subjects.create({ id: 'cust-browser-kr', jurisdiction: 'KR', issueToken: true }, 'test')).token!;
  people.support = (await app.ctx.accounts.create({ login: 'sam@shop.example', displayName: 'Sam Support', role: 'support', password: 'support password 123' }, 'test')).id;
  people.auditor = (await app.ctx.accounts.create({ login: 'audrey@shop.example', displayName: 'Audrey Auditor', role: 'auditor', password: 'auditor password 123' }, 'test')).id;
  rids.eu = (await app.ctx.rights.receive('cust-browser-eu', { type: 'access' }, 'test')).id;
  rids.kr = (await app.ctx.rights.receive('cust-browser-kr', { type: 'erasure' }, 'test')).id;
  rids.other = (await app.ctx.rights.receive('cust-browser-eu', { type: 'portability' }, 'test')).id;
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const problems = pageProblems();
const newPage = () => openPage(browser, { problems, timeoutMs: 15_000, context: { acceptDownloads: true } });

async function consoleAs(login: string, password: string): Promise<Page> {
  const page = await newPage();
  await consoleSignIn(page, base, { login, password }, 'Rights requests and deadlines');
  return page;
}

describe.skipIf(!run)('console: rights requests and reports in Chromium', () => {
  it('the support role verifies, starts, extends and completes one request, and rejects another with its ground', async () => {
    const page = await consoleAs('sam@shop.example', 'support password 123');
    const queue = page.locator('#rights-queue');
    await queue.waitFor();
    // Deadline order: the Korean request (10 days) before the EU one (a month).
    const order = await queue.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { request: string } }).dataset.request));
    expect(order.indexOf(rids.kr)).toBeLessThan(order.indexOf(rids.eu));

    await page.getByRole('button', { name: `Open access request ${rids.eu}` }).click();
    const detail = page.locator(`.rights-detail[data-request="${rids.eu}"]`);
    await detail.waitFor();
    await page.getByLabel('How identity was checked').selectOption('id_document');
    await page.getByLabel('Case reference').fill('T-2026/0042');
    await page.getByRole('button', { name: 'Verify identity' }).click();
    await page.locator(`.rights-detail[data-state="verified"]`).waitFor();
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.locator(`.rights-detail[data-state="in_progress"]`).waitFor();
    await page.getByLabel(/Reason for the extension/).fill('the request covers records held by forty sellers');
    await page.getByRole('button', { name: 'Extend the deadline' }).click();
    await page.locator('[data-extension="unavailable"]', { hasText: 'Already extended once' }).waitFor();
    await expect(detail.locator('[data-field="due"]').innerText()).resolves.toContain('extended');
    await expectAccessible(page, 'console rights detail (open)');
    await page.getByRole('button', { name: /^Complete/ }).click();
    await page.locator(`.rights-detail[data-state="completed"]`).waitFor();
    await expect(detail.locator('.notices tbody tr').count()).resolves.toBe(5);
    await expect(detail.locator('.history').innerText()).resolves.toMatch(/verify by \S+ \(identity: Identity document seen, ref\. T-2026\/0042\)/);

    await page.getByRole('button', { name: `Open erasure request ${rids.kr}` }).click();
    await page.locator(`.rights-detail[data-request="${rids.kr}"]`).waitFor();
    // PIPA has no extension period: the console does not offer one.
    await page.locator('[data-extension="unavailable"]', { hasText: 'PIPA' }).waitFor();
    const grounds = await page.getByLabel('Provision relied on').locator('option').allInnerTexts();
    expect(grounds.map((g) => g.split(' — ')[0])).toEqual(['PIPA 38(1)', 'PIPA 36(1)']);
    await page.getByLabel('Provision relied on').selectOption('PIPA 36(1)');
    await page.getByLabel('Reason (sent to the customer)').fill('전자상거래법에 따라 거래 기록은 5년간 보관해야 합니다');
    await page.getByRole('button', { name: 'Reject the request' }).click();
    await page.locator(`.rights-detail[data-state="rejected"]`).waitFor();
    await expectAccessible(page, 'console rights detail (closed)');
    // The panel alone (docs/screenshots/console-rights.png): the support role sees no other panel's data.
    mkdirSync(RESULTS, { recursive: true });
    await page.locator('#rights').screenshot({ path: join(RESULTS, 'console-rights.png') });

    const eu = await app.ctx.rights.get(rids.eu);
    expect(eu.history.map((h) => h.action)).toEqual(['receive', 'verify', 'start', 'extend', 'complete']);
    expect(eu.deadline.extended).toBe(true);
    // Who acted is the person's account, in the request's history and in the transparency log.
    expect(eu.history.slice(1).map((h) => h.actor)).toEqual(Array(4).fill(`account:${people.support}`));
    expect((await app.ctx.rights.get(rids.kr)).rejectionArticle).toBe('PIPA 36(1)');
    await page.context().close();
  });

  it('each customer reads what they were told in the privacy centre, in their language', async () => {
    const page = await newPage();
    await page.goto(`${base}/privacy/`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Customer token').fill(keys.eu);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const notices = page.locator('#notices');
    await notices.getByRole('heading', { name: 'Messages about your requests' }).waitFor();
    await notices.locator('[data-notice="complete"]', { hasText: 'Your request is done' }).waitFor();
    await expect(notices.locator('[data-notice="extend"]').innerText()).resolves.toContain('forty sellers');
    await expectAccessible(page, 'privacy centre notices (en)');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByRole('button', { name: '한국어' }).click();
    await page.getByLabel('고객 토큰').fill(keys.kr);
    await page.getByRole('button', { name: '로그인' }).click();
    await notices.getByRole('heading', { name: '요청 처리 안내' }).waitFor();
    const rejected = await notices.locator('[data-notice="reject"]').innerText();
    expect(rejected).toContain('개인정보 삭제 요구를 처리할 수 없습니다');
    // The provision in Korean words for a Korean reader (docs/legal/korean-text.md).
    expect(rejected).toContain('개인정보 보호법 제36조제1항');
    expect(rejected).toContain('5년간 보관');
    await expectAccessible(page, 'privacy centre notices (ko)');
    await screenshot(page, 'privacy-notices');
    await page.context().close();
  });

  it('an auditor downloads the transfer register as HTML, CSV and PDF for a chosen period', async () => {
    const page = await consoleAs('audrey@shop.example', 'auditor password 123');
    // Read-only: the auditor sees the request, but the server refuses to act (no rights:write).
    await page.getByRole('button', { name: `Open portability request ${rids.other}` }).click();
    await page.getByLabel('Case reference').fill('T-1');
    await page.getByRole('button', { name: 'Verify identity' }).click();
    await page.locator('.rights-detail').getByRole('alert').filter({ hasText: 'FORBIDDEN_SCOPE' }).waitFor();
    expect((await app.ctx.rights.get(rids.other)).state).toBe('received');

    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    const form = page.locator('#reports');
    const field = (label: string) => form.getByLabel(label, { exact: true });
    await field('Document').selectOption('transfers');
    await field('From').fill('2026-01-01');
    await field('To').fill('2026-12-31');
    await field('Language').selectOption('ko');
    await field('Time zone').fill('Asia/Seoul');
    await expectAccessible(page, 'console reports');
    await page.locator('#reports').screenshot({ path: join(RESULTS, 'console-reports.png') });
    const get = async (format: string) => {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(`a[data-format="${format}"]`).click()]);
      return { name: download.suggestedFilename(), body: readFileSync((await download.path())!) };
    };
    const htmlDoc = await get('html');
    expect(htmlDoc.name).toBe('consentgate-transfer-register-2026-01-01_2026-12-31.html');
    expect(htmlDoc.body.toString('utf8')).toContain('<title>개인정보 국외 이전 및 제공 대장');
    const csv = await get('csv');
    expect(csv.name).toBe('consentgate-transfer-register-2026-01-01_2026-12-31.csv');
    expect(csv.body.toString('utf8').replace(/^\uFEFF/, '').split('\r\n')[0]).toMatch(/^section,table,/);
    const pdf = await get('pdf');
    expect(pdf.name).toBe('consentgate-transfer-register-2026-01-01_2026-12-31.pdf');
    expect(pdf.body.subarray(0, 4).toString('latin1')).toBe('%PDF');

    const exported = await app.ctx.db.query<{ target: string; actor: string }>("SELECT target, actor FROM admin_actions WHERE action = 'report.export'");
    expect(exported).toEqual(Array(3).fill({ target: 'transfers', actor: `account:${people.auditor}` }));
    await page.context().close();
  });
});
