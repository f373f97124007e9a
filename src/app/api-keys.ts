import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CgError } from '../core/errors.ts';
import { KeysRepo, type ApiKeyRow, type KeyKind } from '../store/keys-repo.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { Database } from '../store/sql.ts';
import { ADMIN_SCOPES, type Principal } from '../http/principal.ts';
import type { AdminActions } from './admin-actions.ts';
import { intern } from '../core/gate/intern.ts';
import { missingToMint, type KeyAuthority } from '../core/keys/mint-authority.ts';

/**
 * API keys look like `cg_<kind>_<keyId>_<secret>`: the key id finds the row, the secret
 * (32 random bytes, base64url) proves possession. Only HMAC-SHA256(salt, secret) is stored,
 * compared in constant time. Rotation without downtime: `rotate` issues a new key with the same
 * kind, principal and scopes and moves the old key's expiry to the end of a grace period — both
 * verify until then, so clients switch at their own pace (or revoke the old one early).
 */
export const KEY_KINDS: readonly KeyKind[] = ['admin', 'recipient', 'subject'];
const KEY_RE = /^cg_(admin|recipient|subject)_([0-9a-f]{16})_([A-Za-z0-9_-]{43,128})$/;
export const MAX_KEY_LENGTH = 200;
/** A kind by the index of the `_` that ends it (`cg_` + the kind), so parsing makes no string for it. */
const KIND_BY_END: Readonly<Record<number, KeyKind>> = Object.fromEntries(KEY_KINDS.map((kind) => [3 + kind.length, kind]));

export interface ParsedKey {
  readonly kind: KeyKind;
  readonly id: string;
  readonly secret: string;
}

export function parseKey(token: string): ParsedKey | undefined {
  if (token.length > MAX_KEY_LENGTH) return undefined;
  // `test`, then the parts by position: `exec`'s match array and its captures were ~0.4 KiB of
  // young heap on every authenticated request (bench/release-heap.ts). The pattern fixes the
  // layout: a kind without `_`, then 16 hex digits, then the secret.
  if (!KEY_RE.test(token)) return undefined;
  const k = token.indexOf('_', 3);
  return { kind: KIND_BY_END[k] as KeyKind, id: token.slice(k + 1, k + 17), secret: token.slice(k + 18) };
}

export const formatKey = (k: ParsedKey) => `cg_${k.kind}_${k.id}_${k.secret}`;

const hashSecret = (salt: Uint8Array, secret: string) => createHmac('sha256', salt).update(secret, 'utf8').digest();

/** A fresh key: 8 random bytes of id, 32 of secret. */
const newKey = (kind: KeyKind): ParsedKey => ({ kind, id: randomBytes(8).toString('hex'), secret: randomBytes(32).toString('base64url') });

/** The row stored for `key`: a fresh salt and the salted hash of the secret, never the secret. */
function sealedRow(
  key: ParsedKey,
  fields: { principal: string; scopes: readonly string[]; label: string; createdBy: string; expiresAt: Date | null },
): Omit<ApiKeyRow, 'createdAt' | 'revokedAt'> {
  const salt = randomBytes(16);
  return { id: key.id, kind: key.kind, ...fields, scopes: [...fields.scopes], salt, secretHash: hashSecret(salt, key.secret) };
}

/** A key as shown to admins: everything but salt and hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly kind: KeyKind;
  readonly principal: string;
  readonly scopes: readonly string[];
  readonly label: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export const viewKey = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  kind: r.kind,
  principal: r.principal,
  scopes: r.scopes,
  label: r.label,
  createdAt: new Date(r.createdAt).toISOString(),
  createdBy: r.createdBy,
  expiresAt: r.expiresAt ? new Date(r.expiresAt).toISOString() : null,
  revokedAt: r.revokedAt ? new Date(r.revokedAt).toISOString() : null,
});

export interface CreateKeyInput {
  kind: KeyKind;
  principal: string;
  scopes: readonly string[];
  label?: string;
  expiresAt?: Date | null;
  /** Acting key id, or `system`. */
  actor: string;
  /**
   * The acting key's kind and scopes, when a key (not the operator's own code) mints: the new key
   * must lie within it (src/core/keys/mint-authority.ts), else 403 `FORBIDDEN_SCOPE`.
   */
  authority?: KeyAuthority;
}

export type Verification = { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

interface CacheEntry {
  row: ApiKeyRow | undefined;
  /**
   * `row.principal`, for a recipient key interned (src/core/gate/intern.ts) as the member
   * registry's keys are: the release gate then finds the caller among the members by pointer.
   */
  principal: string | undefined;
  loadedAt: number;
  /**
   * SHA-256 of the secret that last matched `row.secretHash`. A request presenting it again is
   * compared (in constant time) against this instead of re-deriving the salted HMAC, whose
   * OpenSSL context costs more than the rest of verification. Never the secret itself; gone
   * with the entry (revocation, rotation, NOTIFY, TTL).
   */
  verified?: Buffer;
  /** The answer for this entry's key once verified: shared and frozen, gone with the entry. */
  accepted?: Verification & { ok: true };
}

export interface ApiKeysOptions {
  /** How long a looked-up key is trusted before the database is asked again (revocation on another server takes at most this, without NOTIFY). */
  cacheTtlMs?: number;
  now?: () => Date;
}

const CACHE_MAX = 10_000;
export const KEYS_CHANNEL_PREFIX = 'cg_keys_';

export class ApiKeys {
  private readonly repo: KeysRepo;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttl: number;
  private readonly now: () => Date;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
    opts: ApiKeysOptions = {},
  ) {
    this.repo = new KeysRepo(db);
    this.ttl = opts.cacheTtlMs ?? 5_000;
    this.now = opts.now ?? (() => new Date());
  }

  /** Other servers' revocations reach this cache at once through NOTIFY. */
  async start(): Promise<void> {
    // A revocation notified while the LISTEN session was down is unknown: forget every cached key.
    this.unlisten = await this.db.listen(KEYS_CHANNEL_PREFIX + this.db.schema, (id) => this.cache.delete(id), () => this.cache.clear());
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** Creates a key; the returned `key` string is the only time the secret exists outside the caller. */
  async create(input: CreateKeyInput): Promise<{ key: string; view: ApiKeyView }> {
    return this.insert(newKey(input.kind), input);
  }

  /**
   * Installs a key whose full token the operator chose (CONSENTGATE_ADMIN_KEY), unless its id
   * already exists. Returns false when the id exists with a different secret.
   */
  async ensure(token: string, input: Omit<CreateKeyInput, 'kind'>): Promise<boolean> {
    const parsed = parseKey(token);
    if (!parsed) throw new CgError('INVALID_KEY_FORMAT', 'key must look like cg_<kind>_<16 hex>_<43+ base64url chars>', 400);
    const existing = await this.repo.get(parsed.id);
    if (existing) return (await this.verify(token)).ok;
    await this.insert(parsed, { ...input, kind: parsed.kind });
    return true;
  }

  private async insert(parsed: ParsedKey, input: CreateKeyInput): Promise<{ key: string; view: ApiKeyView }> {
    validateScopes(input.kind, input.scopes);
    if (input.authority) assertMayMint(input.authority, { kind: input.kind, scopes: input.scopes });
    const row = sealedRow(parsed, {
      principal: input.principal,
      scopes: input.scopes,
      label: input.label ?? '',
      createdBy: input.actor,
      expiresAt: input.expiresAt ?? null,
    });
    const { at } = await this.admin.record(
      // A subject's id is personal data: the log names the key, not whose it is.
      { action: 'key.create', actor: input.actor, target: parsed.id, facts: { kind: input.kind, scopes: [...input.scopes] } },
      (tx, at) => KeysRepo.insert(tx, { ...row, createdAt: at }),
    );
    this.cache.delete(parsed.id);
    return { key: formatKey(parsed), view: viewKey({ ...row, createdAt: at, revokedAt: null }) };
  }

  async revoke(id: string, actor: string): Promise<ApiKeyView> {
    const row = await this.mustGet(id);
    if (!row.revokedAt) {
      // The NOTIFY is part of the revoking transaction: no server learns of it later than it commits.
      await this.admin.record({ action: 'key.revoke', actor, target: id }, async (tx, at) => {
        await KeysRepo.revoke(tx, id, at);
        await notifyOnCommit(tx, KEYS_CHANNEL_PREFIX, id);
      });
      this.cache.delete(id);
    }
    return viewKey((await this.repo.get(id))!);
  }

  /**
   * Issues the successor of key `id` (same kind, principal, scopes) and lets the old key live for
   * `graceMs` more (never longer than it already would): one admin action, one ledger leaf.
   */
  async rotate(
    id: string,
    actor: string,
    opts: { graceMs: number; expiresAt?: Date | null; authority?: KeyAuthority },
  ): Promise<{ key: string; view: ApiKeyView; previous: ApiKeyView }> {
    const old = await this.mustGet(id);
    // The successor is a new key with the old one's reach: rotating is minting.
    if (opts.authority) assertMayMint(opts.authority, { kind: old.kind, scopes: old.scopes });
    const now = this.now();
    if (old.revokedAt || (old.expiresAt && new Date(old.expiresAt).getTime() <= now.getTime())) {
      throw new CgError('KEY_NOT_ACTIVE', `API key ${id} is revoked or expired: issue a new key instead`, 409);
    }
    const parsed = newKey(old.kind);
    const graceEnd = new Date(now.getTime() + opts.graceMs);
    const row = sealedRow(parsed, { principal: old.principal, scopes: old.scopes, label: old.label, createdBy: actor, expiresAt: opts.expiresAt ?? null });
    const { at } = await this.admin.record(
      { action: 'key.rotate', actor, target: id, facts: { successor: parsed.id, kind: old.kind, grace_until: graceEnd.toISOString() } },
      async (tx, at) => {
        await KeysRepo.insert(tx, { ...row, createdAt: at });
        await KeysRepo.expireBy(tx, id, graceEnd);
        await notifyOnCommit(tx, KEYS_CHANNEL_PREFIX, id);
      },
    );
    this.cache.delete(id);
    return { key: formatKey(parsed), view: viewKey({ ...row, createdAt: at, revokedAt: null }), previous: viewKey((await this.repo.get(id))!) };
  }

  private async mustGet(id: string): Promise<ApiKeyRow> {
    const row = await this.repo.get(id);
    if (!row) throw new CgError('KEY_NOT_FOUND', `no API key ${id}`, 404, [{ code: 'KEY_NOT_FOUND', message: 'unknown key id', path: 'id' }]);
    return row;
  }

  async list(filter: { kind?: KeyKind; principal?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyView[]> {
    return (await this.repo.list(filter)).map(viewKey);
  }

  /** The hot path: parse, one cached lookup, one HMAC, one constant-time compare. */
  async verify(token: string): Promise<Verification> {
    const parsed = parseKey(token);
    if (!parsed) return { ok: false, reason: 'malformed' };
    return this.check(parsed, await this.lookup(parsed.id));
  }

  /**
   * The same verification answered in this turn from a fresh cache entry, with no promise (the
   * per-request hook, src/http/auth.ts); undefined when the key's row must be loaded — then
   * `verify`.
   */
  verifyCached(token: string): Verification | undefined {
    const parsed = parseKey(token);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const hit = this.fresh(parsed.id, Date.now());
    return hit ? this.check(parsed, hit) : undefined;
  }

  /** The cache entry of `id` if it was loaded less than the TTL before `t`. */
  private fresh(id: string, t: number): CacheEntry | undefined {
    const hit = this.cache.get(id);
    return hit && t - hit.loadedAt < this.ttl ? hit : undefined;
  }

  private check(parsed: ParsedKey, entry: CacheEntry): Verification {
    const row = entry.row;
    if (!row || row.kind !== parsed.kind) return { ok: false, reason: 'unknown' };
    // The digest as a latin1 string (one character per byte) written into a reused buffer: a
    // `'buffer'` digest was a native ArrayBuffer per request for the scavenger to sweep.
    const digest = secretDigest(parsed.secret);
    if (entry.verified === undefined || !timingSafeEqual(digest, entry.verified)) {
      const given = hashSecret(row.salt, parsed.secret);
      if (given.length !== row.secretHash.length || !timingSafeEqual(given, row.secretHash)) return { ok: false, reason: 'unknown' };
      entry.verified = Buffer.from(digest);
    }
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (row.expiresAt && new Date(row.expiresAt).getTime() <= this.now().getTime()) return { ok: false, reason: 'expired' };
    // One frozen answer per cache entry, not two objects per request (the checks above still run every time).
    return (entry.accepted ??= Object.freeze({ ok: true, principal: Object.freeze({ kind: row.kind, id: entry.principal ?? row.principal, keyId: row.id, scopes: row.scopes }) }));
  }

  private async lookup(id: string): Promise<CacheEntry> {
    const t = Date.now();
    const hit = this.fresh(id, t);
    if (hit) return hit;
    const row = await this.repo.get(id);
    // Unknown ids are cached too (briefly), so guessing ids cannot hammer the database.
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    const entry: CacheEntry = { row, principal: row === undefined ? undefined : row.kind === 'recipient' ? intern(row.principal) : row.principal, loadedAt: t };
    this.cache.set(id, entry);
    return entry;
  }
}

const digestScratch = Buffer.alloc(32);
/**
 * SHA-256 of a presented secret in a buffer reused by every call (so valid until the next call;
 * the check is synchronous): what a cache entry remembers as verified, compared in constant time.
 */
function secretDigest(secret: string): Buffer {
  // 'binary' is Node's name for latin1.
  const latin1 = hash('sha256', secret, 'binary');
  if (latin1.length !== 32 || digestScratch.write(latin1, 0, 'latin1') !== 32) throw new Error('sha256 digest is not 32 bytes');
  return digestScratch;
}

/** 403 `FORBIDDEN_SCOPE` naming the missing scopes when `holder` may not mint `target`. */
export function assertMayMint(holder: KeyAuthority, target: KeyAuthority): void {
  const missing = missingToMint(holder, target);
  if (missing.length === 0) return;
  const what = target.kind === 'admin' ? `an admin key with scope(s) ${target.scopes.join(', ')}` : `a ${target.kind} key`;
  throw new CgError('FORBIDDEN_SCOPE', `a key may only mint keys within its own scopes: ${what} needs ${missing.join(', ')}`, 403, [], {
    required_scopes: missing,
  });
}

const ADMIN_SCOPE_SET: ReadonlySet<string> = new Set(ADMIN_SCOPES);

/** Admin scopes are a closed list (plus `*`); recipient keys carry `release`, subject keys `subject`. */
export function validateScopes(kind: KeyKind, scopes: readonly string[]): void {
  const allowed = kind === 'admin' ? ADMIN_SCOPE_SET : new Set([kind === 'recipient' ? 'release' : 'subject']);
  scopes.forEach((s, i) => {
    if (!allowed.has(s)) {
      throw new CgError('UNKNOWN_SCOPE', `scope "${s}" is not valid for ${kind} keys`, 422, [
        { code: 'UNKNOWN_SCOPE', message: `allowed: ${[...allowed].join(', ')}`, path: `scopes[${i}]` },
      ]);
    }
  });
  if (scopes.length === 0) throw new CgError('UNKNOWN_SCOPE', 'a key needs at least one scope', 422, [{ code: 'UNKNOWN_SCOPE', message: 'empty', path: 'scopes' }]);
}
