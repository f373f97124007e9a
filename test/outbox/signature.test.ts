import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/outbox/backoff.ts';
import { decodeSecret, encodeSecret, signatureHeader, verifySignature } from '../../src/outbox/signature.ts';
import { validateWebhookUrl } from '../../src/outbox/webhook.ts';
import { WebhookAddressPolicy } from '../../src/outbox/address-policy.ts';

const secret = new Uint8Array(32).fill(7);

describe('webhook signatures', () => {
  it('is HMAC-SHA256 over "<t>.<body>" as an independent implementation computes it', () => {
    const body = '{"id":"msg_1","type":"deletion.requested"}';
    const expected = createHmac('sha256', Buffer.from(secret)).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(secret, 1_700_000_000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies what it signs, for any body and secret (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.string({ maxLength: 500 }), fc.integer({ min: 1, max: 4_000_000_000 }), (key, body, t) => {
        const header = signatureHeader(key, t, body);
        expect(verifySignature({ secret: key, header, body, now: t + 10 })).toEqual({ timestamp: t });
        expect(verifySignature({ secret: encodeSecret(key), header, body: new TextEncoder().encode(body), now: t })).toEqual({ timestamp: t });
      }),
    );
  });

  it('rejects any change to the body, the timestamp or the key (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ minLength: 1, maxLength: 200 }), (body, other) => {
        fc.pre(body !== other);
        const t = 1_700_000_000;
        const header = signatureHeader(secret, t, body);
        const code = (f: () => unknown) => {
          try {
            f();
            return 'ok';
          } catch (e) {
            return (e as { code: string }).code;
          }
        };
        expect(code(() => verifySignature({ secret, header, body: other, now: t }))).toBe('WEBHOOK_SIGNATURE_MISMATCH');
        const moved = header.replace(`t=${t}`, `t=${t + 1}`);
        expect(code(() => verifySignature({ secret, header: moved, body, now: t }))).toBe('WEBHOOK_SIGNATURE_MISMATCH');
        expect(code(() => verifySignature({ secret: new Uint8Array(32).fill(8), header, body, now: t }))).toBe('WEBHOOK_SIGNATURE_MISMATCH');
      }),
    );
  });

  it('blocks replays outside the tolerance window, in either direction', () => {
    const t = 1_700_000_000;
    const header = signatureHeader(secret, t, 'b');
    expect(() => verifySignature({ secret, header, body: 'b', now: t + 300 })).not.toThrow();
    expect(() => verifySignature({ secret, header, body: 'b', now: t + 301 })).toThrow(expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_EXPIRED', status: 401 }));
    expect(() => verifySignature({ secret, header, body: 'b', now: t - 301 })).toThrow(expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_EXPIRED' }));
    expect(() => verifySignature({ secret, header, body: 'b', now: t + 50, toleranceSeconds: 30 })).toThrow(
      expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_EXPIRED' }),
    );
  });

  it('accepts any of several v1 values while a secret rotates', () => {
    const t = 1_700_000_000;
    const old = signatureHeader(new Uint8Array(32).fill(1), t, 'b').split(',')[1]!;
    const header = `${signatureHeader(secret, t, 'b')},${old}`;
    expect(verifySignature({ secret, header, body: 'b', now: t }).timestamp).toBe(t);
    expect(verifySignature({ secret: new Uint8Array(32).fill(1), header, body: 'b', now: t }).timestamp).toBe(t);
  });

  it('names missing and malformed headers', () => {
    const base = { secret, body: 'b', now: 1 };
    expect(() => verifySignature({ ...base, header: undefined })).toThrow(expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_MISSING' }));
    for (const header of ['garbage', 't=1', 'v1=' + 'a'.repeat(64), 't=abc,v1=' + 'a'.repeat(64), 't=1,v1=xyz', 't=1,' + 'v1=' + 'a'.repeat(5000)]) {
      expect(() => verifySignature({ ...base, header })).toThrow(expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_MALFORMED' }));
    }
  });

  it('round-trips the whsec_ text form and refuses short or foreign secrets', () => {
    expect(decodeSecret(encodeSecret(secret))).toEqual(secret);
    expect(() => decodeSecret('sk_abc')).toThrow(expect.objectContaining({ code: 'WEBHOOK_SECRET_MALFORMED' }));
    expect(() => decodeSecret('whsec_AAAA')).toThrow(expect.objectContaining({ code: 'WEBHOOK_SECRET_MALFORMED' }));
  });
});

describe('backoff with full jitter', () => {
  const policy = { baseMs: 1_000, capMs: 60_000 };

  it('draws uniformly below the exponential bound, capped (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const bound = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
        const d = backoffDelay(attempt, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(bound);
        expect(d).toBe(Math.floor(r * bound));
      }),
    );
  });

  it('doubles the bound per attempt until the cap', () => {
    const top = (a: number) => backoffDelay(a, policy, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
  });
});

describe('webhook URLs', () => {
  it('requires https, allowing http only to loopback when asked (and loopback only when allow-listed)', () => {
    const local = new WebhookAddressPolicy({ allow: ['127.0.0.1'] });
    expect(validateWebhookUrl('https://seller.example/hooks')).toBe('https://seller.example/hooks');
    expect(validateWebhookUrl('http://127.0.0.1:8080/h', true, local)).toBe('http://127.0.0.1:8080/h');
    // Since issue 17 (SSRF), loopback needs CONSENTGATE_WEBHOOK_ALLOW even with http allowed.
    expect(() => validateWebhookUrl('http://127.0.0.1:8080/h', true)).toThrow(expect.objectContaining({ code: 'WEBHOOK_URL_FORBIDDEN', path: 'url' }));
    for (const [url, allow] of [
      ['http://127.0.0.1:8080/h', false],
      ['http://seller.example/h', true],
      ['https://user:pw@seller.example/h', false],
      ['ftp://seller.example/h', true],
      ['not a url', false],
      ['https://seller.example/' + 'a'.repeat(2000), false],
    ] as const) {
      expect(() => validateWebhookUrl(url, allow)).toThrow(expect.objectContaining({ code: 'WEBHOOK_URL_INVALID', path: 'url' }));
    }
  });
});
