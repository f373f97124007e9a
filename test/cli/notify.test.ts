import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kstDate } from '../../src/core/law/kr/usage-notice.ts';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { DATA, startHarness } from '../release/harness.ts';

/**
 * `consentgate notify usage` against the database of a stopped ConsentGate (embedded PGlite).
 * Scenario: c1 consents and seller-a receives c1's data; c2 never consents; c3 is erased (no
 * notice: nothing left to send it to).
 */
async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('consentgate notify usage', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cg-notify-db-'));
  const outRoot = mkdtempSync(join(tmpdir(), 'cg-notify-out-'));
  const year = kstDate(Date.now()).slice(0, 4);
  const base = ['notify', 'usage', '--data-dir', dataDir, '--year', year];

  beforeAll(async () => {
    const h = await startHarness({ dataDir });
    try {
      for (const id of ['c1', 'c2', 'c3']) await h.customer(id);
      await h.grant('c1', 'checkout', ['sellers_fulfilment']);
      expect((await h.release(h.keys.sellerA, { subject: 'c1', purpose: 'order_fulfilment', order_ref: 'c1/A' })).status).toBe(200);
      expect((await h.release(h.keys.sellerA, { subject: 'c2', purpose: 'order_fulfilment', order_ref: 'c2/A' })).status).toBe(403);
      expect((await h.call('DELETE', '/v1/subjects/c3/data', h.admin)).status).toBe(200);
    } finally {
      await h.close();
    }
  }, 120_000);

  it('writes one notice per subject (ko and en) and a summary saying whether the notice is due and why', async () => {
    const out = join(outRoot, 'run1');
    const r = await cli(...base, '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    // Counts only on stderr: no subject id, no value.
    expect(r.err).toMatch(/^wrote 2 notice\(s\) to .*; notice not required for \d{4} \(daily average [\d.]+ subjects < 1000000\)\n$/);
    expect(r.err).not.toMatch(/c1|c2|seller-a/);
    expect(readdirSync(out).sort()).toEqual(['notices.ndjson', 'summary.json']);
    const notices = readFileSync(join(out, 'notices.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(notices.map((n) => n.subject)).toEqual(['c1', 'c2']);
    expect(notices[0].entries).toEqual([expect.objectContaining({ recipient: 'seller-a', recipient_name: 'Seller A', country: 'CN', ground: 'consent', releases: 1 })]);
    expect(notices[0].messages.ko.subject).toContain(`${year}년 개인정보 이용·제공 내역 안내`);
    expect(notices[1].entries).toEqual([]);
    expect(readFileSync(join(out, 'notices.ndjson'), 'utf8')).not.toContain(DATA.phone);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      format: 'consentgate.usage-notice-summary/1',
      year: Number(year),
      article: 'PIPA 20-2',
      subjects: 2,
      subjects_with_releases: 1,
      subjects_without_releases: 1,
      releases: 1,
      recipients: 1,
      threshold: { required: false, reason: 'BELOW_THRESHOLD', threshold: 1_000_000, rule: 'KR.USAGE_NOTICE_THRESHOLD' },
    });
    expect(readdirSync(outRoot).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('without --out prints the summary only', async () => {
    const r = await cli(...base);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ subjects: 2, threshold: { required: false } });
    expect(r.out).not.toContain('c1');
  }, 60_000);

  it.each([
    [['--year', '2022'], 'INVALID_YEAR'],
    [['--year', 'next'], 'INVALID_YEAR'],
    [['--year', String(Number(year) + 1)], 'INVALID_YEAR'],
  ])('refuses %j: exit 2, nothing written', async (extra, code) => {
    const out = join(outRoot, `bad-${extra[1]}`);
    const r = await cli('notify', 'usage', '--data-dir', dataDir, ...extra, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(code);
    expect(existsSync(out)).toBe(false);
  });

  it('an existing --out is refused (OUT_EXISTS), a missing parent is UNWRITABLE_OUTPUT; a missing database is SOURCE_REQUIRED', async () => {
    const r = await cli(...base, '--out', outRoot);
    expect(r.code).toBe(2);
    expect(r.err).toContain('OUT_EXISTS');
    const p = await cli(...base, '--out', join(outRoot, 'no', 'such'));
    expect(p.code).toBe(2);
    expect(p.err).toContain('UNWRITABLE_OUTPUT');
    const env = { d: process.env.DATABASE_URL, c: process.env.CONSENTGATE_DATA_DIR };
    delete process.env.DATABASE_URL;
    delete process.env.CONSENTGATE_DATA_DIR;
    try {
      const s = await cli('notify', 'usage', '--year', year);
      expect(s.code).toBe(2);
      expect(s.err).toContain('SOURCE_REQUIRED');
    } finally {
      if (env.d !== undefined) process.env.DATABASE_URL = env.d;
      if (env.c !== undefined) process.env.CONSENTGATE_DATA_DIR = env.c;
    }
  });
});
