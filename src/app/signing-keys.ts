import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  b64u,
  fromB64u,
  publicKeyInfo,
  signingKeyFromSeed,
  generateSigningKey,
  type KeyStatus,
  type PublicKeyInfo,
  type SigningKey,
} from '../core/crypto/ed25519.ts';

/**
 * The operator's consent secrets: the receipt-signing keys (Ed25519, several, one active) and
 * the pseudonym key (HMAC). Sources, first match wins:
 *   1. CONSENTGATE_RECEIPT_KEYS (JSON, the key file's format) / CONSENTGATE_PSEUDONYM_KEY (base64url)
 *      — what several servers sharing one PostgreSQL must use, so they sign and pseudonymise alike;
 *   2. `<dataDir>/keys/receipt-keys.json` and `<dataDir>/keys/pseudonym.key`, created on first start (mode 0600);
 *   3. neither (tests, in-memory runs): fresh keys for this process only.
 * Secrets never go to the database; public keys do (so every server can serve all of them).
 */
const keyFileSchema = z.object({
  keys: z
    .array(
      z.object({
        seed: z.string().regex(/^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url'),
        status: z.enum(['active', 'retired']),
        createdAt: z.string().optional(),
      }),
    )
    .min(1)
    .refine((ks) => ks.filter((k) => k.status === 'active').length === 1, 'exactly one key must be active'),
});
type KeyFile = z.infer<typeof keyFileSchema>;

export class ReceiptKeyring {
  readonly active: SigningKey;
  private readonly keys: ReadonlyArray<{ key: SigningKey; status: KeyStatus }>;

  constructor(keys: ReadonlyArray<{ key: SigningKey; status: KeyStatus }>) {
    const active = keys.find((k) => k.status === 'active');
    if (!active) throw new Error('receipt keyring has no active key');
    this.active = active.key;
    this.keys = keys;
  }

  static fromFile(file: KeyFile): ReceiptKeyring {
    return new ReceiptKeyring(file.keys.map((k) => ({ key: signingKeyFromSeed(fromB64u(k.seed)), status: k.status })));
  }

  static ephemeral(): ReceiptKeyring {
    return new ReceiptKeyring([{ key: generateSigningKey(), status: 'active' }]);
  }

  publicKeys(): PublicKeyInfo[] {
    return this.keys.map((k) => publicKeyInfo(k.key, k.status));
  }

  toFile(): KeyFile {
    return { keys: this.keys.map((k) => ({ seed: b64u(k.key.secretKey), status: k.status })) };
  }

  /** A new active key; the old ones stay, retired, so receipts they signed still verify. */
  rotated(): ReceiptKeyring {
    return new ReceiptKeyring([
      ...this.keys.map((k) => ({ key: k.key, status: 'retired' as const })),
      { key: generateSigningKey(), status: 'active' },
    ]);
  }
}

export interface ConsentSecrets {
  readonly receiptKeys: ReceiptKeyring;
  readonly pseudonymKey: Uint8Array;
}

export function loadConsentSecrets(opts: { dataDir?: string | undefined; env?: NodeJS.ProcessEnv } = {}): ConsentSecrets {
  const env = opts.env ?? {};
  const dir = opts.dataDir ? join(opts.dataDir, 'keys') : undefined;
  return { receiptKeys: loadReceiptKeys(env, dir), pseudonymKey: loadPseudonymKey(env, dir) };
}

function loadReceiptKeys(env: NodeJS.ProcessEnv, dir: string | undefined): ReceiptKeyring {
  if (env.CONSENTGATE_RECEIPT_KEYS) return ReceiptKeyring.fromFile(parseKeyFile(env.CONSENTGATE_RECEIPT_KEYS, 'CONSENTGATE_RECEIPT_KEYS'));
  if (!dir) return ReceiptKeyring.ephemeral();
  const file = join(dir, 'receipt-keys.json');
  if (existsSync(file)) return ReceiptKeyring.fromFile(parseKeyFile(readFileSync(file, 'utf8'), file));
  const ring = ReceiptKeyring.ephemeral();
  writeSecret(file, JSON.stringify(ring.toFile(), null, 2) + '\n');
  return ring;
}

function loadPseudonymKey(env: NodeJS.ProcessEnv, dir: string | undefined): Uint8Array {
  const decode = (s: string, where: string) => {
    const k = fromB64u(s.trim());
    if (k.length < 32) throw new Error(`${where}: the pseudonym key must be at least 32 bytes (base64url)`);
    return k;
  };
  if (env.CONSENTGATE_PSEUDONYM_KEY) return decode(env.CONSENTGATE_PSEUDONYM_KEY, 'CONSENTGATE_PSEUDONYM_KEY');
  if (!dir) return new Uint8Array(randomBytes(32));
  const file = join(dir, 'pseudonym.key');
  if (existsSync(file)) return decode(readFileSync(file, 'utf8'), file);
  const key = new Uint8Array(randomBytes(32));
  writeSecret(file, b64u(key) + '\n');
  return key;
}

/** Rotates the receipt key in `<dataDir>/keys/receipt-keys.json` (used by operators between restarts). */
export function rotateReceiptKeyFile(dataDir: string): ReceiptKeyring {
  const file = join(dataDir, 'keys', 'receipt-keys.json');
  const ring = (existsSync(file) ? ReceiptKeyring.fromFile(parseKeyFile(readFileSync(file, 'utf8'), file)) : ReceiptKeyring.ephemeral()).rotated();
  writeSecret(file, JSON.stringify(ring.toFile(), null, 2) + '\n');
  return ring;
}

function parseKeyFile(text: string, where: string): KeyFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  const r = keyFileSchema.safeParse(json);
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return r.data;
}

function writeSecret(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}
