import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { chromiumPath } from '../../src/report/pdf.ts';
import { fixture } from '../audit/support.ts';
import { startHarness } from '../release/harness.ts';
import { chromium, needs } from '../support/system.ts';

/**
 * `consentgate report` against the database of a stopped ConsentGate (embedded PGlite directory).
 * Scenario, counted by hand: c1 consents to the sellers, seller-a gets c1's data once (allowed);
 * seller-a asks for c2, who never consented (denied, NO_CONSENT).
 */
async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('consentgate report --data-dir', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cg-report-db-'));
  const out = mkdtempSync(join(tmpdir(), 'cg-report-out-'));
  const period = ['--from', day(Date.now() - 86_400_000), '--to', day(Date.now() + 86_400_000)];
  const db = ['report', '--data-dir', dataDir, ...period];

  beforeAll(async () => {
    const h = await startHarness({ dataDir });
    try {
      await h.customer('c1');
      await h.customer('c2');
      await h.grant('c1', 'checkout', ['sellers_fulfilment']);
      expect((await h.release(h.keys.sellerA, { subject: 'c1', purpose: 'order_fulfilment', order_ref: 'c1/A' })).status).toBe(200);
      expect((await h.release(h.keys.sellerA, { subject: 'c2', purpose: 'order_fulfilment', order_ref: 'c2/A' })).status).toBe(403);
    } finally {
      await h.close();
    }
  }, 120_000);

  it('prints the stored numbers as JSON, anchored to a checkpoint that covers them', async () => {
    const r = await cli(...db, '--format', 'json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.decisions).toEqual({ allowed: 1, denied: 1 });
    expect(body.denies).toEqual([{ code: 'NO_CONSENT', article: 'PIPA 17(1)', denies: 1, subjects: 1 }]);
    // One consent request, two choices (provision and transfer abroad): two grant events.
    expect(body.consents).toEqual([{ purpose: 'order_fulfilment', grants: 2, withdrawals: 0, refusals: 0, objections: 0, refusal_rate: 0 }]);
    expect(body.cross_border).toEqual([
      { recipient: 'seller-a', class_id: 'cn_sellers', declaration_id: 'sellers_fulfilment', country: 'CN', jurisdiction: 'KR', releases: 1, subjects: 1, items: ['address', 'customs_code', 'name', 'phone'] },
    ]);
    expect(body.provisions.rows[0].leaf_index).toBeLessThan(body.checkpoint.size);
  }, 60_000);

  it.skipIf(!needs('PDF reports', [chromium(chromiumPath())]))('writes HTML with the charts and a PDF, atomically', async () => {
    const html = join(out, 'r.html');
    expect((await cli(...db, '--format', 'html', '--out', html)).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text.match(/<svg /g)).toHaveLength(3);
    expect(text).toContain('<pre class="note">consentgate.local/ledger\n');
    const pdf = join(out, 'r.pdf');
    const r = await cli(...db, '--format', 'pdf', '--out', pdf);
    expect(r.code).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('includes breach impact when asked', async () => {
    const r = await cli(...db, '--format', 'json', '--breach-recipient', 'cn_sellers', '--discovered-at', '2026-11-20T00:00:00+09:00');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).breach).toMatchObject({ recipient: 'cn_sellers', releases: 1, subjects: 1, kr_subjects: 1, deadlines: [{ article: 'PIPA 34(1)', due: '2026-11-22T15:00:00.000Z', applies: true }, {}, {}, { article: 'GDPR 34', due: null }] });
  }, 60_000);

  it('breach: --unauthorised-access yes makes the PIPC report due for one subject', async () => {
    const r = await cli(...db, '--format', 'json', '--breach-recipient', 'seller-a', '--discovered-at', '2026-11-20T00:00:00Z', '--unauthorised-access', 'yes', '--high-risk', 'no');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).breach).toMatchObject({ kr_subjects: 1, cause: { unauthorised_access: true }, pipc_report: { required: true, reasons: ['UNAUTHORISED_ACCESS'] } });
    const bare = await cli(...db, '--format', 'json', '--unauthorised-access', 'yes');
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('BREACH_SCOPE_REQUIRED');
  }, 60_000);

  it.each([
    [['--breach-recipient', 'nope', '--discovered-at', '2026-11-20T00:00:00Z'], 'UNKNOWN_RECIPIENT'],
    [['--breach-recipient', 'seller-a'], 'DISCOVERED_AT_REQUIRED'],
    [['--breach-recipient', 'a\u0000b', '--discovered-at', '2026-11-20T00:00:00Z'], 'UNKNOWN_RECIPIENT'],
    [['--registry', fixture('registry.yaml')], 'CONFLICTING_SOURCES'],
  ])('refuses %j: exit 2, nothing written', async (extra, code) => {
    const file = join(out, `bad-${code}.html`);
    const r = await cli(...db, ...extra, '--out', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(code);
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it('PDF without Chromium: PDF_UNAVAILABLE, exit 2, no file', async () => {
    const file = join(out, 'none.pdf');
    process.env.CONSENTGATE_CHROMIUM = '/nonexistent/chromium';
    try {
      const r = await cli(...db, '--format', 'pdf', '--out', file);
      expect(r.code).toBe(2);
      expect(r.err).toContain('PDF_UNAVAILABLE');
    } finally {
      delete process.env.CONSENTGATE_CHROMIUM;
    }
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('file mode: JSON and breach need the database', async () => {
    const json = await cli('report', '--registry', fixture('registry.yaml'), ...period, '--format', 'json');
    expect(json.code).toBe(2);
    expect(json.err).toContain('JSON_NEEDS_DATABASE');
    const pdf = await cli('report', '--registry', fixture('registry.yaml'), ...period, '--format', 'pdf');
    expect(pdf.code).toBe(2);
    expect(pdf.err).toContain('OUT_REQUIRED');
  });
});
