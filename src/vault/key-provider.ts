import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../core/canonical.ts';
import { CgError } from '../core/errors.ts';
import { open, seal } from './envelope.ts';

/**
 * Where master keys live. The vault only ever asks a provider to wrap or unwrap a subject's data
 * key, so a cloud KMS (whose keys never leave it) plugs in behind the same two calls. Async for
 * that reason, even though the local providers answer immediately.
 */
export interface WrappedKey {
  /** Which master key wrapped it: lets several master keys coexist during rotation. */
  readonly masterKeyId: string;
  readonly blob: Uint8Array;
}

export interface KeyProvider {
  /** A short label for logs and health output ("env", "file", "kms:…"); never key material. */
  readonly name: string;
  wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<WrappedKey>;
  unwrap(wrapped: WrappedKey, aad: Uint8Array): Promise<Uint8Array>;
}

export const MASTER_KEY_BYTES = 32;
/** Beside the consent secrets in `<dataDir>/keys/`. Keep this directory out of database backups. */
export const MASTER_KEY_FILE = 'keys/master.key';

/** A public fingerprint of a master key: identifies it in rows without revealing it. */
export function masterKeyId(key: Uint8Array): string {
  return 'mk_' + sha256Hex(Buffer.concat([Buffer.from('consentgate master key id\0'), key])).slice(0, 16);
}

/**
 * Master keys held in process memory. The last key is current (new wraps); older ones still
 * unwrap until every data key has been re-wrapped and they are removed — which is what finally
 * makes pre-rotation backups of erased subjects unreadable.
 */
export class LocalKeyProvider implements KeyProvider {
  private readonly keys = new Map<string, Uint8Array>();
  private readonly currentId: string;

  constructor(
    readonly name: string,
    masterKeys: readonly Uint8Array[],
  ) {
    if (masterKeys.length === 0) throw new Error('at least one master key is required');
    for (const k of masterKeys) {
      if (k.length !== MASTER_KEY_BYTES) throw new CgError('MASTER_KEY_INVALID', `master keys are ${MASTER_KEY_BYTES} bytes`, 500);
      this.keys.set(masterKeyId(k), k);
    }
    this.currentId = masterKeyId(masterKeys[masterKeys.length - 1]!);
  }

  get currentKeyId(): string {
    return this.currentId;
  }

  async wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<WrappedKey> {
    return { masterKeyId: this.currentId, blob: seal(this.keys.get(this.currentId)!, aad, dataKey) };
  }

  async unwrap(wrapped: WrappedKey, aad: Uint8Array): Promise<Uint8Array> {
    const key = this.keys.get(wrapped.masterKeyId);
    if (!key) throw new CgError('MASTER_KEY_UNKNOWN', `master key ${wrapped.masterKeyId} is not configured`, 500);
    return open(key, aad, wrapped.blob);
  }
}

/** Parses base64 (standard or url-safe) into exactly 32 bytes. */
export function parseMasterKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== MASTER_KEY_BYTES || !/^[A-Za-z0-9+/_=-]+$/.test(trimmed)) {
    throw new CgError('MASTER_KEY_INVALID', `${source} must be ${MASTER_KEY_BYTES} bytes in base64`, 500);
  }
  return new Uint8Array(bytes);
}

/** `CONSENTGATE_MASTER_KEY`: one base64 key, for deployments that inject secrets by environment. */
export function envKeyProvider(value: string): LocalKeyProvider {
  return new LocalKeyProvider('env', [parseMasterKey(value, 'CONSENTGATE_MASTER_KEY')]);
}

/**
 * A key file: one base64 key per line, the last one current (append a line to rotate). Created
 * with a fresh random key, mode 0600, when absent — `wx` so two servers starting together
 * never overwrite each other's key.
 */
export function fileKeyProvider(path: string): LocalKeyProvider {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, randomBytes(MASTER_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    chmodSync(path, 0o600);
  }
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return new LocalKeyProvider('file', lines.map((l, i) => parseMasterKey(l, `${path} line ${i + 1}`)));
}

export interface KeyProviderConfig {
  /** The process environment (only CONSENTGATE_MASTER_KEY is read). */
  env?: Record<string, string | undefined>;
  /** Data directory: the key file is `<dataDir>/keys/master.key`. */
  dataDir?: string;
  /** Allow a random in-memory key when nothing is configured (in-memory databases, tests). */
  ephemeral?: boolean;
}

/** Env key first, then the data dir's key file, then — only if allowed — an ephemeral key. */
export function loadKeyProvider(cfg: KeyProviderConfig): KeyProvider {
  const fromEnv = cfg.env?.CONSENTGATE_MASTER_KEY;
  if (fromEnv) return envKeyProvider(fromEnv);
  if (cfg.dataDir) return fileKeyProvider(join(cfg.dataDir, MASTER_KEY_FILE));
  if (cfg.ephemeral) return new LocalKeyProvider('ephemeral', [new Uint8Array(randomBytes(MASTER_KEY_BYTES))]);
  throw new CgError(
    'MASTER_KEY_MISSING',
    'no master key: set CONSENTGATE_MASTER_KEY (base64, 32 bytes) or give a data directory for the key file',
    500,
  );
}
