import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  cosignCheckpoint,
  generateSigner,
  openNote,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  signerFromSeed,
  verifyCheckpoint,
  keyHash,
  ALG_ED25519,
} from '../../src/ledger/index.ts';
import { GO_NOTE, ROOTS, unhex } from './vectors.ts';
import { signWithSeed } from '../../src/core/crypto/ed25519.ts';

describe('signed notes — byte compatibility with golang.org/x/mod/sumdb/note', () => {
  it('parses the reference keys and reproduces the reference signature byte for byte', () => {
    const v = parseVerifierKey(GO_NOTE.verifierKey);
    expect(v).toMatchObject({ name: 'PeterNeumann', keyHash: 'c74f20a3' });
    const s = parseSignerKey(GO_NOTE.signerKey);
    expect(s.text).toBe(GO_NOTE.verifierKey);
    expect(s.secretText).toBe(GO_NOTE.signerKey);
    expect(signNote(GO_NOTE.text, [s])).toBe(GO_NOTE.signed);
    expect(openNote(GO_NOTE.signed, [v])).toMatchObject({ text: GO_NOTE.text, verifiedBy: ['PeterNeumann'] });
  });

  it('a signer with its own implementation (the server signs through OpenSSL) gives the same bytes as @noble, for any seed and text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.stringMatching(/^[a-z0-9 .:/+=-]{1,200}$/), (seed, line) => {
        const plain = signerFromSeed('log.example', seed);
        const native = { ...plain, sign: (m: Uint8Array) => signWithSeed(seed, m) };
        const text = `log.example\n${line}\n`;
        expect(signNote(text, [native])).toBe(signNote(text, [plain]));
        expect(openNote(signNote(text, [native]), [parseVerifierKey(plain.text)]).text).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('key hash is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[0:4]', () => {
    const v = parseVerifierKey(GO_NOTE.verifierKey);
    expect(keyHash('PeterNeumann', ALG_ED25519, v.publicKey)).toBe('c74f20a3');
  });

  it('rejects tampered text, tampered signatures and mangled keys', () => {
    const v = parseVerifierKey(GO_NOTE.verifierKey);
    expect(() => openNote(GO_NOTE.signed.replace('cryptography', 'Cryptography'), [v])).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    expect(() => openNote(GO_NOTE.signed.replace('x08go', 'x08gp'), [v])).toThrow();
    // Every truncation or single-character change of the verifier key is refused.
    const k = GO_NOTE.verifierKey;
    for (let i = 1; i < k.length; i++) expect(() => parseVerifierKey(k.slice(0, i))).toThrow();
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      const changed = k.slice(0, i) + String.fromCharCode(c === 0x7a ? 0x61 : c + 1) + k.slice(i + 1);
      expect(() => parseVerifierKey(changed), changed).toThrow();
    }
  });

  it('ignores unknown signers but needs a known one', () => {
    const other = generateSigner('someone.example/other');
    const v = parseVerifierKey(GO_NOTE.verifierKey);
    expect(() => openNote(signNote(GO_NOTE.text, [other]), [v])).toThrow(expect.objectContaining({ code: 'UNKNOWN_SIGNER' }));
    const both = signNote(GO_NOTE.text, [other], parseNote(GO_NOTE.signed).signatures);
    expect(openNote(both, [v]).verifiedBy).toEqual(['PeterNeumann']);
  });

  it('parsing arbitrary text never crashes: it parses or throws a CgError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.constantFrom(GO_NOTE.signed, GO_NOTE.signed.slice(0, -1), GO_NOTE.text + '\n')), (s) => {
        try {
          parseNote(s);
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^[A-Z_]+$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  const log = signerFromSeed('log.consentgate.example/ledger', new Uint8Array(32).fill(7));
  const witness = signerFromSeed('witness.example/w1', new Uint8Array(32).fill(9));
  const root = unhex(ROOTS[8]!);
  const note = signCheckpoint({ origin: log.name, size: 8, root, extensions: [] }, log);

  it('has the exact body layout: origin, decimal size, base64 root, blank line, signature', () => {
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([log.name, '8', Buffer.from(root).toString('base64'), '']);
    expect(lines[4]).toMatch(/^\u2014 log\.consentgate\.example\/ledger [A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(lines[4]!.split(' ')[2]!, 'base64').length).toBe(4 + 64);
  });

  it('verifies with the log key, and reports its content', () => {
    const v = verifyCheckpoint(note, parseVerifierKey(log.text));
    expect(v).toMatchObject({ origin: log.name, size: 8, verifiedBy: [log.name] });
    expect(Buffer.from(v.root).equals(Buffer.from(root))).toBe(true);
  });

  it('witness co-signatures are counted only for named witness keys', () => {
    const cosigned = cosignCheckpoint(note, witness);
    expect(cosigned.startsWith(note)).toBe(true);
    const logKey = parseVerifierKey(log.text);
    const wKey = parseVerifierKey(witness.text);
    expect(verifyCheckpoint(cosigned, logKey, { witnesses: [wKey], minWitnesses: 1 }).verifiedBy).toEqual([log.name, witness.name]);
    expect(() => verifyCheckpoint(note, logKey, { witnesses: [wKey], minWitnesses: 1 })).toThrow(expect.objectContaining({ code: 'MISSING_COSIGNATURE' }));
    expect(() => verifyCheckpoint(cosigned, logKey, { witnesses: [], minWitnesses: 1 })).toThrow(expect.objectContaining({ code: 'MISSING_COSIGNATURE' }));
    // A witness signature alone is not a log signature.
    const witnessOnly = signNote(parseNote(note).text, [witness]);
    expect(() => verifyCheckpoint(witnessOnly, logKey, { witnesses: [wKey] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_SIGNER' }));
  });

  it('wrong keys, wrong origins and edited bodies are refused', () => {
    const impostor = signerFromSeed(log.name, new Uint8Array(32).fill(8));
    expect(() => verifyCheckpoint(note, parseVerifierKey(impostor.text))).toThrow(expect.objectContaining({ code: 'UNKNOWN_SIGNER' }));
    expect(() => verifyCheckpoint(note, parseVerifierKey(log.text), { origin: 'other.example/log' })).toThrow(expect.objectContaining({ code: 'MALFORMED_CHECKPOINT' }));
    const edited = note.replace('\n8\n', '\n9\n');
    expect(() => verifyCheckpoint(edited, parseVerifierKey(log.text))).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
  });

  it('malformed bodies are refused with MALFORMED_CHECKPOINT', () => {
    const b64root = Buffer.from(root).toString('base64');
    const bodies = [
      `${log.name}\n08\n${b64root}\n`,
      `${log.name}\n-1\n${b64root}\n`,
      `${log.name}\n8\n${b64root.slice(0, -4)}\n`,
      `${log.name}\n8\n`,
      `\n8\n${b64root}\n`,
      `${log.name}\n99999999999999999\n${b64root}\n`,
      `${log.name}\n8\n${b64root}\n\n`,
    ];
    for (const body of bodies) {
      const signed = body.includes('\n\n') ? body + '\u2014 x AAAAAAA=\n' : signNote(body, [log]);
      expect(() => verifyCheckpoint(signed, parseVerifierKey(log.text)), JSON.stringify(body)).toThrow();
      try {
        parseCheckpoint(signed);
      } catch (e) {
        expect((e as { code?: string }).code).toMatch(/^(MALFORMED_CHECKPOINT|MALFORMED_NOTE)$/);
      }
    }
  });

  it('property: random single-character edits of a signed checkpoint never verify', () => {
    const key = parseVerifierKey(log.text);
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 32, max: 126 }), (pos, code) => {
        const i = pos % note.length;
        if (note.charCodeAt(i) === code) return;
        const edited = note.slice(0, i) + String.fromCharCode(code) + note.slice(i + 1);
        expect(() => verifyCheckpoint(edited, key)).toThrow();
      }),
      { numRuns: 1500 },
    );
  });
});
