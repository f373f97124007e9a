import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_YAML, testApp, type TestApp } from '../http/app-support.ts';
import { join } from 'node:path';
import { chromiumAvailable, consoleSignIn, expectAccessible, launch, openPage, pageProblems, RESULTS, screenshot, listen } from './support.ts';

/**
 * The console's registry editor in Chromium against the real server: the officer breaks the
 * demo registry (a transfer mechanism as legal basis) and sees the finding, with its article, at
 * the line they edited; fixes it and changes a retention instead; diffs against the active
 * version; dry-runs the activation (the declaration's consent terms change); activates after
 * confirming; and finds the new version, activated under their key id, in the history.
 * A key with only `registry:read` gets no save or activate controls (and the server refuses them:
 * test/http/console-registry.test.ts). Every state is checked with axe-core.
 */
declare const document: unknown;

const run = chromiumAvailable();
let app: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!run) return;
  app = await testApp();
  base = await listen(app);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const problems = pageProblems();

async function signedIn(key: string): Promise<Page> {
  const page = await openPage(browser, { problems });
  await consoleSignIn(page, base, { key }, 'Registry editor');
  return page;
}

/** 1-based line of the first line containing `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe.skipIf(!run)('console registry editor in Chromium', () => {
  it('shows a finding at its line, diffs, dry-runs and activates with confirmation, and lists the new version', async () => {
    const page = await signedIn(app.adminKey);
    const panel = page.locator('#registry-editor');
    const editor = panel.getByLabel('Registry YAML');
    await expect.poll(() => editor.inputValue()).toBe(DEMO_YAML);
    await panel.locator('[data-lint-state="valid"]').waitFor();

    // Break it: the first declaration's legal basis becomes a transfer mechanism.
    const broken = DEMO_YAML.replace('    legal_basis: consent\n    transfer:', '    legal_basis: scc\n    transfer:');
    expect(broken).not.toBe(DEMO_YAML);
    const line = lineOf(broken, 'legal_basis: scc');
    await editor.fill(broken);
    const item = panel.locator(`li[data-code="BASIS_IS_TRANSFER_MECHANISM"][data-line="${line}"]`);
    await item.waitFor();
    expect(await item.innerText()).toContain('GDPR 44');
    await panel.locator(`.reg-gutter [data-line="${line}"][data-severity="error"]`).waitFor();
    // …and written after that line's text in the editor itself, on the same row as the text.
    const inline = panel.locator(`[data-inline-line="${line}"]`);
    expect(await inline.innerText()).toContain('BASIS_IS_TRANSFER_MECHANISM');
    const rowTop = async () => (await inline.boundingBox())!.y;
    const textTop = async () => (await editor.boundingBox())!.y + 6 + (line - 1) * 20 - (await editor.evaluate((t) => (t as unknown as { scrollTop: number }).scrollTop));
    await panel.locator('[data-lint-state="errors"]').waitFor();
    // The finding's button puts the caret on that line, and the line strip names the finding.
    await item.getByRole('button', { name: `Line ${line}` }).click();
    await expect.poll(() => panel.locator('#reg-caret').innerText()).toContain('BASIS_IS_TRANSFER_MECHANISM');
    // Scrolled to the line, the inline finding stays aligned with it.
    expect(Math.abs((await rowTop()) - (await textTop()))).toBeLessThan(2);
    await expectAccessible(page, 'registry editor with a finding');
    await screenshot(page, 'console-registry-finding');
    // The panel alone, for docs/screenshots/console-registry-editor.png.
    await panel.screenshot({ path: join(RESULTS, 'console-registry-editor.png') });

    // A YAML syntax error is shown at its line too.
    await editor.fill(DEMO_YAML.replace('jurisdictions: [KR, EU]', 'jurisdictions: [KR, EU'));
    await panel.locator('[data-lint-state="unparsed"]').waitFor();
    await panel.locator('li[data-code="YAML_SYNTAX"]').first().waitFor();

    // Fix it, and shorten the sellers' retention instead.
    const fixed = DEMO_YAML.replace('retention: { duration: P90D, from: contract_end }', 'retention: { duration: P60D, from: contract_end }');
    expect(fixed).not.toBe(DEMO_YAML);
    await editor.fill(fixed);
    await panel.locator('[data-lint-state="valid"]').waitFor();

    await panel.getByRole('button', { name: 'Diff against active' }).click();
    await panel.locator('tr[data-op="add"]', { hasText: 'P60D' }).waitFor();
    await panel.locator('tr[data-op="del"]', { hasText: 'P90D' }).waitFor();

    await panel.getByRole('button', { name: 'Dry run activation' }).click();
    const row = panel.locator('.reg-dryrun tr[data-declaration="sellers_fulfilment"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('retention');
    await panel.locator('.reg-dryrun [data-newly-stale]').waitFor();

    await panel.getByRole('button', { name: 'Activate…' }).click();
    const confirm = panel.getByRole('group', { name: /Activate this registry now/ });
    await confirm.waitFor();
    await expectAccessible(page, 'registry activation confirmation');
    await screenshot(page, 'console-registry-confirm');
    await confirm.getByRole('button', { name: 'Confirm activation' }).click();
    await panel.getByText(/Version 2 is active/).waitFor();
    expect(app.ctx.registry.active!.version).toBe(2);
    // The overview panel fetches again after the activation: it names the new version.
    await page.locator('#registry dd', { hasText: /^2 \(activated/ }).waitFor();
    expect(app.ctx.registry.model!.declarations.get('sellers_fulfilment')!.retention).toEqual({ duration: 'P60D', from: 'contract_end' });

    const keyId = (await app.ctx.db.query<{ actor: string }>("SELECT actor FROM admin_actions WHERE action = 'registry.activate' ORDER BY leaf_index DESC LIMIT 1"))[0]!.actor;
    expect(keyId).toMatch(/^[a-z0-9_]+$/i);
    expect(keyId).not.toBe('test');
    const v2 = panel.locator('#reg-history tr[data-version="2"][data-active="true"]');
    await v2.waitFor();
    expect(await v2.innerText()).toContain(keyId);

    // Compare the two versions from the history.
    await panel.getByRole('button', { name: 'Diff versions' }).click();
    await panel.locator('tr[data-op="add"]', { hasText: 'P60D' }).waitFor();
    await expectAccessible(page, 'registry history and diff');
    await screenshot(page, 'console-registry-history');
    await page.context().close();
  });

  it('a read-only key can lint and dry-run but gets no save or activate controls', async () => {
    const { key } = await app.ctx.keys.create({ kind: 'admin', principal: 'auditor', scopes: ['registry:read'], actor: 'test' });
    const page = await signedIn(key);
    const panel = page.locator('#registry-editor');
    await panel.locator('[data-lint-state="valid"]').waitFor();
    expect(await panel.getByRole('button', { name: 'Save as new version' }).count()).toBe(0);
    await panel.getByRole('button', { name: 'Dry run activation' }).click();
    await panel.locator('.reg-dryrun').waitFor();
    expect(await panel.getByRole('button', { name: 'Activate…' }).count()).toBe(0);
    // Editing the text withdraws the dry run of the previous text.
    await panel.getByLabel('Registry YAML').fill(DEMO_YAML.replace('kr_age: 14', 'kr_age: 15'));
    await expect.poll(() => panel.locator('.reg-dryrun').count()).toBe(0);
    await page.context().close();
  });
});
