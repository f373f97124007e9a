import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportService } from '../../src/app/report-service.ts';
import { verifyCheckpoint } from '../../src/ledger/checkpoint.ts';
import { parseVerifierKey } from '../../src/ledger/note.ts';
import { chromiumPath, htmlScreenshot, htmlToPdf } from '../../src/report/pdf.ts';
import { randomBytes } from 'node:crypto';
import { startHarness, type Harness } from '../release/harness.ts';
import { engines, POSTGRES_URL, dropTestSchema } from '../support/engines.ts';
import { readPdf } from '../support/pdf.ts';
import { chromium, needs } from '../support/system.ts';
import { stepBody } from '../support/rights-actions.ts';

/**
 * Reports from stored records, against a seeded in-memory ConsentGate. Every expectation below is
 * counted by hand from the scenario in beforeAll:
 *
 *   subjects  c1, c2, c3, c4 (KR), e1 (EU)
 *   consents  grant sellers_fulfilment: c1, c2, e1   (3 grants)
 *             c3 answers "no" on the checkout notice  (1 refusal: no earlier grant)
 *             c2 withdraws afterwards                 (1 withdrawal)
 *   releases  seller-a (CN): c1, c1, c2, e1 allowed; c2 after withdrawal → CONSENT_WITHDRAWN;
 *             c4 twice → NO_CONSENT
 *             seller-b (HK): c1 allowed
 *             courier (KR, contract necessity): c1 allowed — domestic, not a transfer abroad
 *   rights    c1 access request completed; c2 access request left open
 */
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const RESULTS = 'test-results';
/** PDF output and the report screenshot are printed by Chromium. */
const withChromium = needs('PDF reports and report screenshots', [chromium(chromiumPath())]);

describe.each(engines())('reports from stored records (%s)', (engine) => {
  let h: Harness;
  const schema = `cg_t_rep_${randomBytes(4).toString('hex')}`;
  const today = Date.now();
  const from = day(today - 86_400_000);
  const to = day(today + 86_400_000);

  beforeAll(async () => {
    h = await startHarness(
      // PostgreSQL holds the data; key files (vault master key, signing keys) go to a scratch directory.
      engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema, dataDir: mkdtempSync(join(tmpdir(), 'cg-report-keys-')) } : {},
    );
    for (const id of ['c1', 'c2', 'c3', 'c4']) await h.customer(id);
    await h.customer('e1', { jurisdiction: 'EU' });
    for (const id of ['c1', 'c2', 'e1']) await h.grant(id, 'checkout', ['sellers_fulfilment']);
    // c1 ordered from both sellers and consented to each (a consent names its seller).
    await h.grant('c1', 'checkout', ['sellers_fulfilment'], { recipientId: 'seller-b' });
    await h.grant('c3', 'checkout', ['sellers_fulfilment'], { grant: false });
    // A seller names the customer's order with it (the harness registers `<subject>/A` and `/B`).
    const order = (key: string, subject: string) => (key === h.keys.sellerA ? { order_ref: `${subject}/A` } : key === h.keys.sellerB ? { order_ref: `${subject}/B` } : {});
    const ok = async (key: string, subject: string) => expect((await h.release(key, { subject, purpose: 'order_fulfilment', ...order(key, subject) })).status).toBe(200);
    const no = async (key: string, subject: string, code: string) => {
      const r = await h.release(key, { subject, purpose: 'order_fulfilment', ...order(key, subject) });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe(code);
    };
    await ok(h.keys.sellerA, 'c1');
    await ok(h.keys.sellerA, 'c1');
    await ok(h.keys.sellerA, 'c2');
    await ok(h.keys.sellerA, 'e1');
    await ok(h.keys.sellerB, 'c1');
    await ok(h.keys.courier, 'c1');
    await h.withdraw('c2', ['sellers_fulfilment']);
    await no(h.keys.sellerA, 'c2', 'CONSENT_WITHDRAWN');
    await no(h.keys.sellerA, 'c4', 'NO_CONSENT');
    await no(h.keys.sellerA, 'c4', 'NO_CONSENT');
    const done = await h.call('POST', '/v1/subjects/c1/rights', h.admin, { type: 'access' });
    expect(done.status).toBe(201);
    for (const action of ['verify', 'start', 'complete']) expect((await h.call('POST', `/v1/rights/${done.body.id}/actions`, h.admin, stepBody(action))).status).toBe(200);
    expect((await h.call('POST', '/v1/subjects/c2/rights', h.admin, { type: 'access' })).status).toBe(201);
    mkdirSync(RESULTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await dropTestSchema(engine, schema);
  });

  const json = async (query = `from=${from}&to=${to}`) => {
    const r = await h.app.server.inject({ method: 'GET', url: `/v1/reports?${query}&format=json`, headers: { authorization: `Bearer ${h.admin}` } });
    return { status: r.statusCode, body: JSON.parse(r.body) };
  };

  it('counts transfers abroad per recipient, class member, country and subject jurisdiction', async () => {
    const { status, body } = await json();
    expect(status).toBe(200);
    expect(body.decisions).toEqual({ allowed: 6, denied: 3 });
    const items = ['address', 'customs_code', 'name', 'phone'];
    // The courier's release stays in Korea for a Korean subject: not in the cross-border list.
    expect(body.cross_border).toEqual([
      { recipient: 'seller-a', class_id: 'cn_sellers', declaration_id: 'sellers_fulfilment', country: 'CN', jurisdiction: 'EU', releases: 1, subjects: 1, items },
      { recipient: 'seller-a', class_id: 'cn_sellers', declaration_id: 'sellers_fulfilment', country: 'CN', jurisdiction: 'KR', releases: 3, subjects: 2, items },
      { recipient: 'seller-b', class_id: 'cn_sellers', declaration_id: 'sellers_fulfilment', country: 'HK', jurisdiction: 'KR', releases: 1, subjects: 1, items },
    ]);
    expect(body.volumes).toContainEqual({ declaration_id: 'courier_delivery', country: 'KR', jurisdiction: 'KR', releases: 1, subjects: 1 });
  });

  it('lists every PIPA 17 provision, each below the embedded checkpoint, and the checkpoint verifies', async () => {
    const { body } = await json();
    expect(body.provisions.total).toBe(6);
    expect(body.provisions.rows).toHaveLength(6);
    expect(body.provisions.rows.map((r: { recipient: string }) => r.recipient).sort()).toEqual(['hanbit_express', 'seller-a', 'seller-a', 'seller-a', 'seller-a', 'seller-b']);
    const size = body.checkpoint.size;
    for (const r of body.provisions.rows) expect(r.leaf_index).toBeLessThan(size);
    const verified = verifyCheckpoint(body.checkpoint.note, parseVerifierKey(body.checkpoint.verifier_key));
    expect(verified.size).toBe(size);
  });

  it('counts only decisions with a leaf index below the checkpoint size', async () => {
    const { body } = await json();
    const last = Math.max(...body.provisions.rows.map((r: { leaf_index: number }) => r.leaf_index));
    const svc = h.app.ctx.reports;
    const m = h.app.ctx.registry.model!;
    const before = await svc.facts(m, Date.parse(from), Date.parse(to) + 86_400_000, last, 1000);
    expect(before.provisions.total).toBe(5);
    expect(before.provisions.rows.every((r) => r.leaf_index < last)).toBe(true);
  });

  it('gives consent statistics per purpose with the refusal rate', async () => {
    const { body } = await json();
    // Each choice is a consent event: four grants of both choices (c1 to two sellers, c2, e1), c3 refusing both.
    expect(body.consents).toEqual([{ purpose: 'order_fulfilment', grants: 8, withdrawals: 1, refusals: 2, objections: 0, refusal_rate: 0.2 }]);
    // A three-day period is charted per day: yesterday, today, tomorrow.
    const bucket = day(today);
    expect(body.timeline.granularity).toBe('day');
    expect(body.timeline.rows.map((r: { bucket: string }) => r.bucket)).toEqual([from, bucket, to]);
    expect(body.timeline.rows.find((r: { bucket: string }) => r.bucket === bucket)).toEqual({ bucket, grants: 8, withdrawals: 1, refusals: 2, allowed: 6, denied: 3 });
  });

  it('gives deny statistics by code and article', async () => {
    const { body } = await json();
    expect(body.denies).toEqual([
      { code: 'NO_CONSENT', article: 'PIPA 17(1)', denies: 2, subjects: 1 },
      { code: 'CONSENT_WITHDRAWN', article: 'PIPA 37', denies: 1, subjects: 1 },
    ]);
  });

  it('reports rights requests against their deadlines, open ones overdue once the deadline passes', async () => {
    const { body } = await json();
    expect(body.rights).toEqual([{ type: 'access', received: 2, closed_in_time: 1, closed_late: 0, open_in_time: 1, open_overdue: 0 }]);
    // 40 days later the open KR request (10 days) is overdue.
    const later = new ReportService({ db: h.app.ctx.db, registry: h.app.ctx.registry, ledger: h.app.ctx.ledger, now: () => today + 40 * 86_400_000 });
    const facts = await later.facts(h.app.ctx.registry.model!, Date.parse(from), today + 50 * 86_400_000, Number.MAX_SAFE_INTEGER, 10);
    expect(facts.rights).toEqual([{ type: 'access', received: 2, closed_in_time: 1, closed_late: 0, open_in_time: 0, open_overdue: 1 }]);
  });

  it('an empty period has zero counts, not an error', async () => {
    const { status, body } = await json('from=2001-01-01&to=2001-01-31');
    expect(status).toBe(200);
    expect(body.decisions).toEqual({ allowed: 0, denied: 0 });
    expect(body.provisions.total).toBe(0);
    expect(body.timeline.rows).toHaveLength(31);
    expect(body.timeline.rows.every((r: Record<string, unknown>) => r.grants === 0 && r.allowed === 0 && r.denied === 0)).toBe(true);
    const year = await json('from=2001-01-01&to=2001-12-31');
    expect(year.body.timeline.granularity).toBe('month');
    expect(year.body.timeline.rows.map((r: { bucket: string }) => r.bucket)).toEqual(Array.from({ length: 12 }, (_, i) => `2001-${String(i + 1).padStart(2, '0')}`));
  });

  describe('breach impact', () => {
    const breach = (body: unknown) => h.call('POST', '/v1/reports/breach', h.admin, body);
    const discovered = '2026-11-20T09:00:00Z';

    it('a compromised class member: subjects by jurisdiction, items, deadlines 72 h after discovery', async () => {
      const r = await breach({ recipient: 'seller-a', discovered_at: discovered });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        recipient: 'seller-a',
        releases: 4,
        subjects: 3,
        kr_subjects: 2,
        eu_subjects: 1,
        recipients: ['seller-a'],
        items: ['address', 'customs_code', 'name', 'phone'].map((category) => ({ category, sensitivity: 'normal' })),
        pipc_report: { required: false, reasons: [] },
      });
      expect(r.body.deadlines.map(({ article, duty, due, within, applies }: Record<string, unknown>) => ({ article, duty, due, within, applies }))).toEqual([
        { article: 'PIPA 34(1)', duty: 'notify affected subjects', due: '2026-11-23T09:00:00.000Z', within: '72 hours', applies: true },
        { article: 'PIPA 34(3)', duty: 'report to the PIPC / KISA', due: '2026-11-23T09:00:00.000Z', within: '72 hours', applies: false },
        { article: 'GDPR 33', duty: 'notify the supervisory authority', due: '2026-11-23T09:00:00.000Z', within: '72 hours', applies: true },
        { article: 'GDPR 34', duty: 'communicate the breach to affected subjects', due: null, within: 'without undue delay', applies: true },
      ]);
      expect(r.body.cause).toEqual({ unauthorised_access: null });
      expect(r.body.pseudonyms).toHaveLength(3);
      expect(r.body.pseudonyms).toContain(h.app.ctx.subjects.pseudonymOf('c1'));
      expect(r.body.pseudonyms).not.toContain('c1');
    });

    it('unauthorised access: the PIPC report is due below 1,000 subjects; a recorded "not high risk" lifts GDPR 34', async () => {
      const r = await breach({ recipient: 'seller-a', discovered_at: discovered, unauthorised_access: true, high_risk: false });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ kr_subjects: 2, cause: { unauthorised_access: true }, pipc_report: { required: true, reasons: ['UNAUTHORISED_ACCESS'] } });
      expect(r.body.subject_communication).toMatchObject({ required: false, high_risk: false, article: 'GDPR 34' });
      expect(r.body.deadlines[1]).toMatchObject({ article: 'PIPA 34(3)', applies: true, rule: 'KR.BREACH_REPORT_UNAUTHORISED_ACCESS' });
      const bad = await breach({ recipient: 'seller-a', discovered_at: discovered, unauthorised_access: 'yes' });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', path: 'unauthorised_access' });
    });

    it('a compromised class covers every member; a window alone covers every recipient', async () => {
      const cls = await breach({ recipient: 'cn_sellers', discovered_at: discovered });
      expect(cls.body).toMatchObject({ releases: 5, subjects: 3, recipients: ['seller-a', 'seller-b'] });
      const win = await breach({ from: from, to: to, discovered_at: discovered });
      expect(win.body).toMatchObject({ releases: 6, subjects: 3, recipients: ['hanbit_express', 'seller-a', 'seller-b'] });
      const past = await breach({ recipient: 'seller-a', from: '2001-01-01', to: '2001-12-31', discovered_at: discovered });
      expect(past.body).toMatchObject({ releases: 0, subjects: 0, items: [], pipc_report: { required: false } });
    });

    it('CSV lists the affected pseudonyms', async () => {
      const r = await h.app.server.inject({ method: 'POST', url: '/v1/reports/breach', headers: { authorization: `Bearer ${h.admin}`, 'content-type': 'application/json' }, payload: { recipient: 'seller-b', discovered_at: discovered, format: 'csv' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('text/csv');
      expect(r.body).toContain(`breach,Affected subjects (pseudonyms),${h.app.ctx.subjects.pseudonymOf('c1')}`);
      expect(r.body).toContain('verification,Checkpoint note (C2SP tlog-checkpoint),');
    });

    it.each([
      [{ recipient: 'nope', discovered_at: discovered }, 422, 'UNKNOWN_RECIPIENT', 'recipient'],
      [{ discovered_at: discovered }, 422, 'BREACH_SCOPE_REQUIRED', 'recipient'],
      [{ recipient: 'a\u0000b', discovered_at: discovered }, 422, 'VALIDATION_FAILED', 'recipient'],
      [{ recipient: 'seller-a', discovered_at: '2026-11-20' + 'T25:00:00Z' }, 400, 'INVALID_DATE', 'discovered_at'],
      [{ from: '2026-02-01', to: '2026-01-01', discovered_at: discovered }, 422, 'INVALID_PERIOD', 'from'],
    ])('refuses %j', async (body, status, code, path) => {
      const r = await breach(body);
      expect(r.status).toBe(status);
      expect(r.body.code).toBe(code);
      expect(r.body.path).toBe(path);
    });
  });

  describe('formats and access', () => {
    const get = (query: string, key = h.admin) => h.app.server.inject({ method: 'GET', url: `/v1/reports?${query}`, headers: { authorization: `Bearer ${key}` } });

    it('HTML has the charts as inline SVG and the signed checkpoint note with its verifier key', async () => {
      const r = await get(`from=${from}&to=${to}&format=html`);
      expect(r.statusCode).toBe(200);
      const html = r.body;
      for (const id of ['chart-consents', 'chart-denies', 'chart-decisions']) expect(html).toContain(`aria-labelledby="${id}-t ${id}-d"`);
      const { body } = await json();
      // The note is HTML-escaped inside <pre>; its first line is the origin, then size and root.
      expect(html).toContain(`<pre class="note">${body.checkpoint.note.split('\n').slice(0, 3).join('\n')}`);
      expect(html).toContain(body.checkpoint.verifier_key);
      expect(html).toContain(`size ${body.checkpoint.size}`);
      writeFileSync(join(RESULTS, 'report.html'), html);
    });

    it('CSV carries every table with section and caption columns', async () => {
      const r = await get(`from=${from}&to=${to}&format=csv`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-disposition']).toMatch(/attachment; filename="consentgate-report-.*\.csv"/);
      const lines = r.body.replace('\uFEFF', '').split('\r\n');
      writeFileSync(join(RESULTS, 'report.csv'), r.body);
      expect(lines).toContain('section,table,When,Recipient,Subject (pseudonym),Purpose,Declaration,Legal basis,Personal data,Log index');
      expect(lines).toContain('section,table,Code,Article,Count,Subjects');
      expect(lines).toContain('denies,Denied releases by code and article,NO_CONSENT,PIPA 17(1),2,1');
      expect(lines.filter((l: string) => l.startsWith('provisions,'))).toHaveLength(6);
      expect(lines).toContain('section,table,Country,Recipient,Class,Declaration,Personal data,Ground,Releases,Subjects');
    });

    it('refuses bad periods with the field, and keys without reports:read', async () => {
      const bad = await get('from=2026-02-30&to=2026-03-01');
      expect(bad.statusCode).toBe(400);
      expect(JSON.parse(bad.body)).toMatchObject({ code: 'INVALID_DATE', path: 'from' });
      const order = await get('from=2026-03-01&to=2026-02-01');
      expect(JSON.parse(order.body)).toMatchObject({ code: 'INVALID_PERIOD', path: 'from' });
      expect((await get(`from=${from}&to=${to}`, h.keys.sellerA)).statusCode).toBe(403);
    });

    it.skipIf(!withChromium)('PDF: Chromium prints the same HTML; page 1 reads back and renders to PNG', async () => {
      const r = await get(`from=${from}&to=${to}&format=pdf`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/pdf');
      const pdf = r.rawPayload;
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const file = join(RESULTS, 'report.pdf');
      writeFileSync(file, pdf);
      // Read back with PDF.js: the printed report says what the HTML says, and page 1 renders.
      const doc = await readPdf(pdf);
      try {
        expect(doc.pages).toBeGreaterThanOrEqual(2);
        const first = await doc.text(1);
        expect(first).toContain('Personal data processing report');
        expect(first).toContain('Cross-border transfer register');
        const png = await doc.renderPng(1, join(RESULTS, 'report-page-1.png'));
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect(png.length).toBeGreaterThan(20_000);
      } finally {
        await doc.close();
      }
    }, 60_000);

    it('PDF without Chromium: 503 PDF_UNAVAILABLE, not a broken file', async () => {
      process.env.CONSENTGATE_CHROMIUM = '/nonexistent/chromium';
      try {
        const r = await get(`from=${from}&to=${to}&format=pdf`);
        expect(r.statusCode).toBe(503);
        expect(JSON.parse(r.body)).toMatchObject({ code: 'PDF_UNAVAILABLE', path: 'format' });
      } finally {
        delete process.env.CONSENTGATE_CHROMIUM;
      }
      await expect(htmlToPdf('<p>x</p>', { executablePath: '/nonexistent/chromium' })).rejects.toMatchObject({ code: 'PDF_UNAVAILABLE', status: 503 });
    });

    it.skipIf(!withChromium)('the HTML report opened in Chromium shows the charts (screenshot in test-results/)', async () => {
      const html = readFileSync(join(RESULTS, 'report.html'), 'utf8');
      const png = join(RESULTS, 'report-browser.png');
      await htmlScreenshot(html, png);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(bytes.length).toBeGreaterThan(20_000);
    }, 60_000);
  });
});
