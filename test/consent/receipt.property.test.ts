import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyInfo, sign, signAsync, signingKeyFromSeed } from '../../src/core/crypto/ed25519.ts';
import { RECEIPT_SCHEMA, RECEIPT_VERSION, signReceipt, signReceiptAsync, verifyReceipt, type UnsignedReceipt } from '../../src/core/consent/receipt.ts';

const key = generateSigningKey();
const other = generateSigningKey();

function sampleReceipt(): UnsignedReceipt {
  return {
    schema: RECEIPT_SCHEMA,
    version: RECEIPT_VERSION,
    receiptId: 'cr_0b6c7c1e-5c43-4c8e-9d1e-2f1a3b4c5d6e',
    issuedAt: '2026-11-23T10:00:00.000Z',
    jurisdiction: 'KR',
    controller: {
      name: 'Harbor Bazaar Pte. Ltd.',
      country: 'SG',
      address: null,
      contact: { name: 'Jiwon Park', email: 'privacy@harbor-bazaar.example', phone: '+65-6000-0000' },
      privacyPolicy: 'https://harbor-bazaar.example/privacy',
    },
    subject: { pseudonym: 'sp_abc' },
    collection: { channel: 'web', actor: 'subject', collectionPoint: 'checkout', noticeHash: 'a'.repeat(64) },
    consents: [
      {
        eventId: 'ce_1',
        action: 'grant',
        declarationId: 'sellers_fulfilment',
        purpose: { id: 'order_fulfilment', label: { ko: '배송', en: 'Shipping' }, required: true },
        legalBasis: 'consent',
        recipient: { id: 'cn_sellers', name: 'Sellers', role: 'third_party', countries: ['CN', 'HK'], scope: 'seller-1' },
        items: ['name', 'phone'],
        retention: { duration: 'P90D', from: 'contract_end', text: { ko: '90일', en: '90 days' } },
        transfer: { countries: ['CN', 'HK'], ground: 'consent', timing: 'At payment', method: 'HTTPS', safeguards: [] },
        noticeHash: 'a'.repeat(64),
        expiresAt: null,
      },
    ],
    withdrawal: { how: { ko: '철회', en: 'withdraw' }, endpoint: 'POST /v1/subjects/{subjectId}/consents/withdraw', contact: 'privacy@harbor-bazaar.example' },
    ledger: { leafIndex: 42 },
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in the tree (objects, arrays and leaves). */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = at.length ? [at] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function mutateAt(root: Json, path: (string | number)[], how: number, noise: string): Json {
  const copy = structuredClone(root) as any;
  let parent = copy;
  for (const seg of path.slice(0, -1)) parent = parent[seg];
  const last = path.at(-1)!;
  const cur = parent[last];
  switch (how % 4) {
    case 0: // change the value, keeping its type where possible
      if (typeof cur === 'string') parent[last] = cur + (noise || 'x');
      else if (typeof cur === 'number') parent[last] = cur + 1;
      else if (typeof cur === 'boolean') parent[last] = !cur;
      else if (cur === null) parent[last] = noise || 'x';
      else if (Array.isArray(cur)) cur.push(noise || 'x');
      else cur[`x${noise}`] = 1;
      break;
    case 1: // remove it
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 2: // replace with another type
      parent[last] = typeof cur === 'number' ? String(cur) : 0;
      break;
    default: // add a sibling field
      if (Array.isArray(parent)) parent.push(structuredClone(cur));
      else parent[`${String(last)}_${noise || 'x'}`] = cur;
  }
  return copy;
}

describe('receipt signatures', () => {
  const signed = signReceipt(sampleReceipt(), key) as unknown as Json;

  it('verifies an untouched receipt with the key or with a key set; not with another key', () => {
    expect(verifyReceipt(signed, key.publicKey)).toEqual({ valid: true, kid: key.kid });
    expect(verifyReceipt(signed, [publicKeyInfo(other, 'active'), publicKeyInfo(key, 'retired')])).toEqual({ valid: true, kid: key.kid });
    expect(verifyReceipt(signed, other.publicKey).valid).toBe(false);
    expect(verifyReceipt(signed, [publicKeyInfo(other, 'active')])).toMatchObject({ valid: false, reason: expect.stringContaining('no key') });
  });

  it('survives a JSON round trip with keys in another order (JCS)', () => {
    const reordered = JSON.parse(JSON.stringify(signed, Object.keys(signed as object).reverse()));
    expect(verifyReceipt(JSON.parse(JSON.stringify(signed)), key.publicKey).valid).toBe(true);
    expect(verifyReceipt({ ...reordered, ...(signed as object) }, key.publicKey).valid).toBe(true);
  });

  it('fails verification after any change to any field, signature included', () => {
    const all = paths(signed);
    fc.assert(
      fc.property(fc.nat(all.length - 1), fc.nat(3), fc.string({ maxLength: 3 }), (i, how, noise) => {
        const tampered = mutateAt(signed, all[i]!, how, noise);
        expect(verifyReceipt(tampered, key.publicKey).valid).toBe(false);
        expect(verifyReceipt(tampered, [publicKeyInfo(key, 'active')]).valid).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects non-canonical signature encodings that decode to the same bytes', () => {
    const s = signed as { signature: { value: string } };
    const last = s.signature.value.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const v = { ...s, signature: { ...s.signature, value: s.signature.value.slice(0, -1) + sibling } };
    expect(verifyReceipt(v, key.publicKey).valid).toBe(false);
  });

  it('signs exactly like @noble/curves (deterministic Ed25519)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const k = signingKeyFromSeed(seed);
        expect(Buffer.from(sign(k, msg)).equals(Buffer.from(ed25519.sign(msg, seed)))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('signs the same on the thread pool as inline', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), async (seed, msg) => {
        const k = signingKeyFromSeed(seed);
        expect(Buffer.from(await signAsync(k, msg)).equals(Buffer.from(sign(k, msg)))).toBe(true);
      }),
      { numRuns: 30 },
    );
    expect(await signReceiptAsync(sampleReceipt(), key)).toEqual(signed);
  });
});
