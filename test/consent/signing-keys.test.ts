import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReceiptKeyring, loadConsentSecrets, rotateReceiptKeyFile } from '../../src/app/signing-keys.ts';
import { RECEIPT_SCHEMA, RECEIPT_VERSION, signReceipt, verifyReceipt, type UnsignedReceipt } from '../../src/core/consent/receipt.ts';
import { b64u } from '../../src/core/crypto/ed25519.ts';

const body = {
  schema: RECEIPT_SCHEMA, version: RECEIPT_VERSION, receiptId: 'cr_x', issuedAt: '2026-01-01T00:00:00.000Z', jurisdiction: 'KR',
  controller: { name: 'c', country: 'SG', address: null, contact: { name: 'n', email: 'e@x.example', phone: '1' }, privacyPolicy: null },
  subject: { pseudonym: 'sp_1' }, collection: { channel: 'web', actor: 'subject', collectionPoint: null, noticeHash: null }, consents: [],
  withdrawal: { how: { ko: 'k', en: 'e' }, endpoint: 'x', contact: 'e@x.example' }, ledger: { leafIndex: 0 },
} satisfies UnsignedReceipt;

describe('consent secrets', () => {
  it('creates key files once (mode 0600) and loads the same keys on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-keys-'));
    const a = loadConsentSecrets({ dataDir: dir });
    const b = loadConsentSecrets({ dataDir: dir });
    expect(b.receiptKeys.active.kid).toBe(a.receiptKeys.active.kid);
    expect(Buffer.from(b.pseudonymKey).equals(Buffer.from(a.pseudonymKey))).toBe(true);
    expect(statSync(join(dir, 'keys', 'receipt-keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys', 'pseudonym.key')).mode & 0o777).toBe(0o600);
  });

  it('rotates: a new active key, the old one retired and still verifying what it signed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-keys-'));
    const before = loadConsentSecrets({ dataDir: dir }).receiptKeys;
    const old = signReceipt(body, before.active);
    const after = rotateReceiptKeyFile(dir);
    expect(after.active.kid).not.toBe(before.active.kid);
    expect(after.publicKeys().map((k) => [k.kid, k.status])).toEqual([
      [before.active.kid, 'retired'],
      [after.active.kid, 'active'],
    ]);
    expect(loadConsentSecrets({ dataDir: dir }).receiptKeys.active.kid).toBe(after.active.kid);
    expect(verifyReceipt(old, after.publicKeys())).toEqual({ valid: true, kid: before.active.kid });
  });

  it('takes keys from the environment (servers sharing a database) and rejects bad ones', () => {
    const ring = ReceiptKeyring.ephemeral();
    const pk = b64u(new Uint8Array(32).fill(7));
    const s = loadConsentSecrets({ env: { CONSENTGATE_RECEIPT_KEYS: JSON.stringify(ring.toFile()), CONSENTGATE_PSEUDONYM_KEY: pk } });
    expect(s.receiptKeys.active.kid).toBe(ring.active.kid);
    expect(b64u(s.pseudonymKey)).toBe(pk);
    expect(() => loadConsentSecrets({ env: { CONSENTGATE_RECEIPT_KEYS: '{"keys":[]}' } })).toThrow(/CONSENTGATE_RECEIPT_KEYS/);
    expect(() => loadConsentSecrets({ env: { CONSENTGATE_PSEUDONYM_KEY: 'c2hvcnQ' } })).toThrow(/at least 32 bytes/);
  });
});
