import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataKeyAad, itemAad, newDataKey, open, openText, seal, sealText } from '../../src/vault/envelope.ts';
import { envKeyProvider, fileKeyProvider, LocalKeyProvider, loadKeyProvider, masterKeyId } from '../../src/vault/key-provider.ts';

const id = fc.stringMatching(/^[a-z0-9_]{1,20}$/);

describe('vault envelope (AES-256-GCM)', () => {
  it('round-trips any UTF-8 text under its own subject, category and key version', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), id, id, fc.integer({ min: 1, max: 1000 }), (text, subject, category, v) => {
        const key = newDataKey();
        const sealed = sealText(key, itemAad(subject, category, v), text);
        expect(openText(key, itemAad(subject, category, v), sealed)).toBe(text);
        expect(Buffer.from(sealed).includes(Buffer.from(text, 'utf8')) && text.length > 8).toBe(false);
      }),
    );
  });

  it('refuses to open under another subject, category or key version (AAD)', () => {
    fc.assert(
      fc.property(id, id, id, fc.integer({ min: 1, max: 5 }), (subject, other, category, v) => {
        fc.pre(subject !== other);
        const key = newDataKey();
        const sealed = sealText(key, itemAad(subject, category, v), '홍길동');
        expect(() => open(key, itemAad(other, category, v), sealed)).toThrow(/could not be authenticated/);
        expect(() => open(key, itemAad(subject, category + 'x', v), sealed)).toThrow(/could not be authenticated/);
        expect(() => open(key, itemAad(subject, category, v + 1), sealed)).toThrow(/could not be authenticated/);
      }),
      { numRuns: 50 },
    );
  });

  it('detects any single flipped bit and any truncation', () => {
    const key = newDataKey();
    const aad = itemAad('s1', 'phone', 1);
    const sealed = seal(key, aad, Buffer.from('010-1234-5678'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sealed.length * 8 - 1 }), (bit) => {
        const t = Uint8Array.from(sealed);
        t[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => open(key, aad, t)).toThrow(/could not be authenticated/);
      }),
    );
    for (let n = 0; n < sealed.length; n++) expect(() => open(key, aad, sealed.subarray(0, n))).toThrow();
  });

  it('does not open under another data key, and uses a fresh IV per seal', () => {
    const aad = itemAad('s1', 'name', 1);
    const a = seal(newDataKey(), aad, Buffer.from('x'));
    expect(() => open(newDataKey(), aad, a)).toThrow(/could not be authenticated/);
    const key = newDataKey();
    expect(Buffer.from(seal(key, aad, Buffer.from('same'))).equals(Buffer.from(seal(key, aad, Buffer.from('same'))))).toBe(false);
  });
});

describe('master key providers', () => {
  it('wraps and unwraps a data key; the wrapping is bound to the subject', async () => {
    const p = new LocalKeyProvider('test', [newDataKey()]);
    const dk = newDataKey();
    const w = await p.wrap(dk, dataKeyAad('alice', 1));
    expect(w.masterKeyId).toBe(p.currentKeyId);
    expect(await p.unwrap(w, dataKeyAad('alice', 1))).toEqual(dk);
    await expect(p.unwrap(w, dataKeyAad('bob', 1))).rejects.toThrow(/could not be authenticated/);
    await expect(new LocalKeyProvider('other', [newDataKey()]).unwrap(w, dataKeyAad('alice', 1))).rejects.toThrow(/not configured/);
  });

  it('keeps old master keys for unwrapping after rotation', async () => {
    const k1 = newDataKey();
    const k2 = newDataKey();
    const dk = newDataKey();
    const w1 = await new LocalKeyProvider('a', [k1]).wrap(dk, dataKeyAad('s', 1));
    const rotated = new LocalKeyProvider('b', [k1, k2]);
    expect(rotated.currentKeyId).toBe(masterKeyId(k2));
    expect(await rotated.unwrap(w1, dataKeyAad('s', 1))).toEqual(dk);
  });

  it('reads CONSENTGATE_MASTER_KEY and rejects keys of the wrong size', () => {
    const key = Buffer.alloc(32, 7);
    expect(envKeyProvider(key.toString('base64')).name).toBe('env');
    expect(loadKeyProvider({ env: { CONSENTGATE_MASTER_KEY: key.toString('base64') }, dataDir: '/nonexistent' }).name).toBe('env');
    expect(() => envKeyProvider(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => envKeyProvider('not base64 !!')).toThrow(/32 bytes/);
    expect(() => loadKeyProvider({ env: {} })).toThrow(/no master key/);
    expect(loadKeyProvider({ env: {}, ephemeral: true }).name).toBe('ephemeral');
  });

  it('generates a 0600 key file on first start and reuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-key-'));
    const p1 = loadKeyProvider({ env: {}, dataDir: dir });
    const file = join(dir, 'keys', 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const dk = newDataKey();
    const w = await p1.wrap(dk, dataKeyAad('s', 1));
    expect(await fileKeyProvider(file).unwrap(w, dataKeyAad('s', 1))).toEqual(dk);
    // Appending a key rotates: new wraps use it, old wraps still open.
    writeFileSync(file, readFileSync(file, 'utf8') + Buffer.alloc(32, 9).toString('base64') + '\n');
    const p2 = fileKeyProvider(file);
    expect((await p2.wrap(dk, dataKeyAad('s', 1))).masterKeyId).toBe(masterKeyId(Buffer.alloc(32, 9)));
    expect(await p2.unwrap(w, dataKeyAad('s', 1))).toEqual(dk);
  });
});
