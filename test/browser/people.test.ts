import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../http/app-support.ts';
import { freePort, startProvider, type TestProvider } from '../support/oidc-provider.ts';
import { chromiumAvailable, consoleSignIn, expectAccessible, launch, openPage, pageProblems, screenshot } from './support.ts';

/**
 * People and roles in the console, in Chromium against the real server: an officer signs in with
 * a password and adds an auditor in the People panel; the auditor signs in, sees the read-only
 * views, and the server refuses what the role may not do (403 shown in the page); a support person
 * signs in through a real OpenID provider (its own login and consent pages). axe-core on each page.
 */
declare const document: { cookie: string };

const run = chromiumAvailable();
let app: TestApp;
let op: TestProvider;
let base: string;
let browser: Browser;
const problems = pageProblems();

beforeAll(async () => {
  if (!run) return;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const redirectUri = `${base}/console/auth/oidc/callback`;
  op = await startProvider(redirectUri, { 'sam-sub': { email: 'sam@shop.example', email_verified: true } });
  app = await testApp({ oidc: { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri, allowHttp: true } });
  await app.server.listen({ port, host: '127.0.0.1' });
  await app.ctx.accounts.create({ login: 'olivia@shop.example', displayName: 'Olivia Officer', role: 'officer', password: 'officer password 123' }, 'test');
  await app.ctx.accounts.create({ login: 'sam@shop.example', displayName: 'Sam Support', role: 'support' }, 'test');
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await op?.close();
});

const newPage = () => openPage(browser, { problems });
const passwordSignIn = (page: Page, login: string, password: string) => consoleSignIn(page, base, { login, password });

describe.skipIf(!run)('people and roles in Chromium', () => {
  it('an officer signs in with a password and adds an auditor in the People panel', async () => {
    const page = await newPage();
    await passwordSignIn(page, 'olivia@shop.example', 'officer password 123');
    await page.getByText('Olivia Officer (officer)').waitFor();
    const people = page.locator('#people');
    await people.getByRole('row', { name: /Olivia Officer/ }).waitFor();
    await people.getByLabel('Login or e-mail').fill('audrey@shop.example');
    await people.getByLabel('Name', { exact: true }).fill('Audrey Auditor');
    await people.getByLabel('Role', { exact: true }).selectOption('auditor');
    await people.getByLabel(/^Password/).fill('auditor password 1');
    await people.getByRole('button', { name: 'Add' }).click();
    await people.getByRole('status').getByText('Added audrey@shop.example as auditor.').waitFor();
    const row = people.getByRole('row', { name: /Audrey Auditor/ });
    expect(await row.innerText()).toMatch(/audrey@shop\.example[\s\S]*password[\s\S]*active/);
    const audrey = await app.ctx.accounts.findByLogin('audrey@shop.example');
    expect(audrey?.role).toBe('auditor');
    const [action] = await app.ctx.db.query<{ actor: string }>(`SELECT actor FROM admin_actions WHERE action = 'account.create' AND target = $1`, [audrey!.id]);
    const olivia = await app.ctx.accounts.findByLogin('olivia@shop.example');
    expect(action!.actor).toBe(`account:${olivia!.id}`);
    await expectAccessible(page, 'console people (officer)');
    await screenshot(page, 'console-people-officer');
    await page.context().close();
  });

  it('an auditor sees the read-only views; the server refuses the People actions, and the page says so', async () => {
    const page = await newPage();
    await passwordSignIn(page, 'audrey@shop.example', 'auditor password 1');
    await page.getByText('Audrey Auditor (auditor)').waitFor();
    // Read-only views load.
    await page.locator('#registry').getByText('Harbor Bazaar Pte. Ltd.').waitFor();
    await page.getByText(/OK\s+signature/).waitFor();
    await page.getByRole('heading', { name: 'Recipients by country' }).waitFor();
    // The People list is refused by the server: 403 with its code, shown in the page.
    const people = page.locator('#people');
    const refused = people.locator('[data-refused="403"]');
    await refused.waitFor();
    expect(await refused.innerText()).toBe('Refused by the server (403 FORBIDDEN_SCOPE): the auditor role lacks * (officer only)');
    // An action: adding a person is refused the same way, and nothing is created.
    await people.getByLabel('Login or e-mail').fill('mallory@shop.example');
    await people.getByLabel('Name', { exact: true }).fill('Mallory');
    await people.getByLabel('Role', { exact: true }).selectOption('officer');
    await people.getByRole('button', { name: 'Add' }).click();
    await people.getByRole('status').getByText('Refused by the server (403 FORBIDDEN_SCOPE): the auditor role lacks * (officer only)').waitFor();
    expect(await app.ctx.accounts.findByLogin('mallory@shop.example')).toBeUndefined();
    await expectAccessible(page, 'console (auditor)');
    await screenshot(page, 'console-auditor');
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.context().close();
  });

  it('a support person signs in through the OpenID provider and gets the support role', async () => {
    const page = await newPage();
    await page.goto(`${base}/console/`);
    await page.getByRole('link', { name: 'Log in with your company account' }).click();
    // The provider's own login and consent pages.
    await page.waitForURL(`${op.issuer}/**`);
    await page.locator('input[name="login"]').fill('sam-sub');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/console/`);
    await page.getByText('Sam Support (support)').waitFor();
    // Rights requests are this role's work; the ledger is not.
    await page.locator('#rights').getByText(/No rights requests|requests/).first().waitFor();
    await page.locator('#ledger [data-refused="403"], #ledger .error').first().waitFor();
    await expectAccessible(page, 'console (support, single sign-on)');
    await page.context().close();
  }, 60_000);

  it('shows why a single sign-on was refused', async () => {
    const page = await newPage();
    await page.goto(`${base}/console/?sign_in_error=unknown_account`);
    await page.getByRole('alert').getByText('Your identity provider account is not linked to a console account. Ask a privacy officer to add you.').waitFor();
    await expectAccessible(page, 'console sign-in');
    await screenshot(page, 'console-sign-in');
    await page.context().close();
  });
});
