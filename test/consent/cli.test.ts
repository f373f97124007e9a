import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../../src/cli/io.ts';
import { RECEIPT_SCHEMA, RECEIPT_VERSION, signReceipt, type UnsignedReceipt } from '../../src/core/consent/receipt.ts';
import { b64u, generateSigningKey, publicKeyInfo } from '../../src/core/crypto/ed25519.ts';

const key = generateSigningKey();
const other = generateSigningKey();
const dir = mkdtempSync(join(tmpdir(), 'cg-receipt-'));

const body: UnsignedReceipt = {
  schema: RECEIPT_SCHEMA,
  version: RECEIPT_VERSION,
  receiptId: 'cr_00000000-0000-4000-8000-000000000001',
  issuedAt: '2026-11-23T10:00:00.000Z',
  jurisdiction: 'EU',
  controller: { name: 'Harbor Bazaar Pte. Ltd.', country: 'SG', address: null, contact: { name: 'J', email: 'p@example.com', phone: '+65' }, privacyPolicy: null },
  subject: { pseudonym: 'sp_x' },
  collection: { channel: 'web', actor: 'subject', collectionPoint: 'marketing', noticeHash: 'b'.repeat(64) },
  consents: [],
  withdrawal: { how: { ko: '철회', en: 'withdraw' }, endpoint: 'POST /v1/subjects/{subjectId}/consents/withdraw', contact: 'p@example.com' },
  ledger: { leafIndex: 7 },
};
const signed = signReceipt(body, key);

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function run(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', 'receipt', 'verify', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('consentgate receipt verify', () => {
  const receiptFile = file('receipt.json', JSON.stringify(signed));

  it('exits 0 for a valid receipt, with the key inline, in a file, or as the served key set', async () => {
    expect(await run(receiptFile, '--key', b64u(key.publicKey))).toMatchObject({ code: 0, out: expect.stringContaining(key.kid) });
    expect((await run(receiptFile, '--key', Buffer.from(key.publicKey).toString('hex'))).code).toBe(0);
    expect((await run(receiptFile, '--key', file('key.txt', b64u(key.publicKey) + '\n'))).code).toBe(0);
    const set = file('keys.json', JSON.stringify({ keys: [publicKeyInfo(other, 'active'), publicKeyInfo(key, 'retired')] }));
    expect((await run(receiptFile, '--key', set)).code).toBe(0);
    // The API response shape ({ replayed, receipt }) is accepted as is.
    expect((await run(file('response.json', JSON.stringify({ replayed: false, receipt: signed })), '--key', set, '--json')).out).toContain('"valid":true');
  });

  it('exits 1 for a tampered receipt or the wrong key', async () => {
    const tampered = file('tampered.json', JSON.stringify({ ...signed, ledger: { leafIndex: 8 } }));
    const r = await run(tampered, '--key', b64u(key.publicKey));
    expect(r.code).toBe(1);
    expect(r.out).toContain('INVALID');
    expect((await run(receiptFile, '--key', b64u(other.publicKey))).code).toBe(1);
  });

  it('exits 2 when the receipt or the key cannot be read', async () => {
    expect((await run(join(dir, 'missing.json'), '--key', b64u(key.publicKey))).code).toBe(2);
    expect((await run(file('junk.json', 'not json'), '--key', b64u(key.publicKey))).code).toBe(2);
    expect((await run(receiptFile, '--key', file('badkey.json', '{"keys":[{"kid":1}]}'))).code).toBe(2);
  });

  it('exits 2 (bad input), not 1 (tampered), for JSON that is not a receipt', async () => {
    for (const [name, json] of [['object.json', '{}'], ['array.json', '[1,2]'], ['keys.json', '{"keys":[]}'], ['problem.json', '{"code":"UNKNOWN_RECEIPT","status":404}'], ['wrapped.json', '{"receipt":{"hello":1}}']]) {
      const r = await run(file(name!, json!), '--key', b64u(key.publicKey));
      expect(r.code, name).toBe(2);
      expect(r.err, name).toContain('is not a consent receipt');
    }
    // A receipt stripped of its signature is still a receipt: tampered, exit 1.
    const stripped = { ...(JSON.parse(readFileSync(receiptFile, 'utf8')) as Record<string, unknown>) };
    delete (stripped.receipt ? (stripped.receipt as Record<string, unknown>) : stripped).signature;
    expect((await run(file('stripped.json', JSON.stringify(stripped)), '--key', b64u(key.publicKey))).code).toBe(1);
    expect((await run(receiptFile, '--key', join(dir, 'nokey')))).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') });
  });
});
