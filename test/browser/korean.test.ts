import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../http/app-support.ts';
import { englishWords as latinWords } from '../support/english-words.ts';
import { chromiumAvailable, expectAccessible, launch, openPage, screenshot, listen, cnSeller } from './support.ts';

/**
 * Korean customers are told in Korean (PIPA 22, 17(2), 28-8(2); docs/legal/korean-text.md): the
 * consent widget and the privacy centre rendered with lang=ko in Chromium, against the real server
 * and the demo registry, show no Latin-letter word outside a short, explicit allow-list. The
 * privacy centre shows labels (never ids), the seller's deletion confirmation on the erasure
 * request, and withdrawals apart from erasures.
 */
declare const document: {
  querySelector(s: string): { shadowRoot: { querySelector(s: string): { innerText: string } } } | null;
  addEventListener(type: string, fn: (e: { detail: never }) => void, opts?: unknown): void;
  body: { innerText: string };
};

const run = chromiumAvailable();
const SUBJECT = 'cust-korean-1';
const SELLER = 'seller-korean-sz';
/** The seller's registered trade name: the member API stores one name, its own (a brand name). */
const SELLER_NAME = 'Shenzhen Bright Gadgets Co.';

/**
 * Words that may appear in Latin letters on a Korean page: the seller's trade name, country codes,
 * the language switch's own name for English. URLs, e-mail addresses and phone numbers are removed
 * before the check.
 */
const ALLOWED = new Set([...SELLER_NAME.replace(/\./g, '').split(' '), 'CN', 'HK', 'KR', 'US', 'English']);

const englishWords = (text: string) => latinWords(text, ALLOWED);

let app: TestApp;
let base: string;
let browser: Browser;
let subjectKey: string;
let sellerKey: string;

beforeAll(async () => {
  if (!run) return;
  app = await testApp();
  base = await listen(app);
  sellerKey = await cnSeller(app, SELLER, SELLER_NAME);
  subjectKey = (await app.ctx.subjects.create({ id: SUBJECT, jurisdiction: 'KR', issueToken: true }, 'test')).token!;
  await app.ctx.orders.register({ id: 'order-ko-1', subject: SUBJECT, recipient: SELLER, declarations: ['sellers_fulfilment'] }, 'test');
  await app.ctx.vault.put(SUBJECT, { name: '김테스트', phone: '+82-10-0000-0000', address: '서울특별시 테스트로 1', customs_code: 'P000000000000' }, Date.now());
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const newPage = () => openPage(browser, { context: { locale: 'ko-KR' } });

describe('englishWords', () => {
  it('finds English words and ignores URLs, e-mail addresses and the allow-list', () => {
    expect(englishWords('받는 자: Marketplace sellers (CN) · sellers@harbor-bazaar.example · https://x.example/p')).toEqual(['Marketplace', 'sellers']);
    expect(englishWords('이번 주문의 판매자: Shenzhen Bright Gadgets Co. (CN)')).toEqual([]);
  });
});

describe.skipIf(!run)('Korean pages show no English (Chromium, lang=ko)', () => {
  it('consent widget: every text of the notice in Korean, axe clean; consenting works', async () => {
    const page = await newPage();
    await page.goto(`${base}/demo/checkout.html#subject=${SUBJECT}&token=${encodeURIComponent(subjectKey)}&lang=ko&recipient=${SELLER}`);
    const widget = page.locator('consent-gate-widget');
    await widget.getByRole('heading', { name: '필수 동의 항목' }).waitFor();
    const text = await page.evaluate(() => document.querySelector('consent-gate-widget')!.shadowRoot.querySelector('.cg').innerText);
    for (const s of ['중국 본토 및 홍콩의 마켓플레이스 판매자', '각 주문 결제 시', '하버바자 주식회사', '박지원', '하버바자 판매자 지원 창구']) expect(text).toContain(s);
    // An entrustee (PIPA 26) is not a third party (PIPA 17): the card says so.
    expect(text).toContain('처리 위탁: 한빛익스프레스 주식회사');
    // … and no consent is asked because the work is entrusted, not because data is "provided".
    expect(text).toContain('개인정보 보호법 제26조에 따라 별도 동의를 받지 않습니다');
    expect(text).not.toContain('계약 이행에 근거하여 제공');
    expect(text).toContain('제3자 제공: 중국 본토 및 홍콩의 마켓플레이스 판매자');
    expect(englishWords(text)).toEqual([]);
    await expectAccessible(page, 'widget (ko)');
    await screenshot(page, 'widget-checkout-ko-only');

    const receipt = page.evaluate(
      () => new Promise<{ granted: string[] }>((resolve) => {
        document.addEventListener('consentgate:receipt', (e) => resolve(e.detail), { once: true });
      }),
    );
    await widget.getByRole('button', { name: '모두 동의' }).click();
    expect((await receipt).granted).toContain('sellers_fulfilment');
    await page.context().close();

    // The seller receives the data once, so that the customer's erasure reaches it.
    const res = await fetch(`${base}/v1/releases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sellerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: SUBJECT, purpose: 'order_fulfilment', order_ref: 'order-ko-1' }),
    });
    expect(res.status).toBe(200);
  });

  it('privacy centre: labels not ids, the seller’s deletion confirmation on the erasure, withdrawals apart; no English', async () => {
    const page = await newPage();
    await page.goto(`${base}/privacy/`);
    await page.getByLabel('고객 토큰').fill(subjectKey);
    await page.getByRole('button', { name: '로그인' }).click();
    await page.getByRole('heading', { name: '내 동의 현황' }).waitFor();

    // Who has my data: the seller by name, items and forms by their labels (the ids were shown before).
    const who = page.locator('#who');
    await who.getByText(SELLER_NAME, { exact: false }).first().waitFor();
    const whoText = await who.innerText();
    expect(whoText).toContain('중국 본토 및 홍콩의 마켓플레이스 판매자');
    expect(whoText).toContain('배송지 주소');
    expect(whoText).toContain('휴대전화번호: 안심번호');
    for (const id of ['customs_code', 'safe_number', 'phone:', 'order_fulfilment', SELLER]) expect(whoText).not.toContain(id);

    // Withdraw the seller consent (given with "agree to all"): listed under withdrawals.
    const withdraw = page.locator('button[data-withdraw="sellers_fulfilment"]').first();
    await withdraw.click();
    await page.locator('#withdrawals [data-withdrawn="sellers_fulfilment"]').first().waitFor();

    // Erasure: requested in the centre, carried out by the officer, confirmed by the seller.
    await page.getByRole('button', { name: '내 정보 삭제 요청' }).click();
    await page.getByRole('button', { name: '삭제 요청 확인' }).click();
    await page.getByText('요청이 접수되었습니다.').waitFor();
    const [erasure] = (await app.ctx.rights.requestsOf(SUBJECT)).filter((r) => r.type === 'erasure');
    await app.ctx.rights.act(erasure!.id, { kind: 'verify', evidence: { method: 'signed_in_account', reference: 'case-ko-1' } }, 'officer');
    for (const kind of ['start', 'complete'] as const) await app.ctx.rights.act(erasure!.id, { kind }, 'officer');
    const deletion = (await app.ctx.rights.deletions({ subject: SUBJECT })).find((d) => d.rightsRequest === erasure!.id && d.recipientId === SELLER);
    expect(deletion).toBeDefined();
    await app.ctx.rights.confirmDeletion(deletion!.id, SELLER, 'seller');
    // A withdrawal request (PIPA 37) too: it must not appear among the erasure requests.
    await app.ctx.rights.receive(SUBJECT, { type: 'withdrawal' }, 'test');

    await page.reload();
    await page.getByRole('heading', { name: '삭제 요청' }).waitFor();
    const erasures = page.locator('#erasure-requests');
    await erasures.locator('[data-deletion="confirmed"]').first().waitFor();
    const erasureText = await erasures.innerText();
    expect(erasureText).toContain(`${SELLER_NAME} — 중국 본토 및 홍콩의 마켓플레이스 판매자: 삭제 확인됨`);
    expect(await erasures.locator('tr[data-type="withdrawal"]').count()).toBe(0);
    await page.locator('#withdrawals tr[data-type="withdrawal"]').first().waitFor();

    const all = await page.evaluate(() => document.body.innerText);
    expect(englishWords(all)).toEqual([]);
    await expectAccessible(page, 'privacy centre (ko)');
    await screenshot(page, 'privacy-centre-ko');
    await page.context().close();
  });
});
