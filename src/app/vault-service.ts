import { CgError, formatPath } from '../core/errors.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { Database } from '../store/sql.ts';
import { VaultRepo, type ItemMeta, type KeyRow, type SealedItem } from '../store/vault-repo.ts';
import { dataKeyAad, itemAad, newDataKey, openText, sealedParts, sealText, type SealedParts } from '../vault/envelope.ts';
import { LRUCache } from 'lru-cache';
import type { KeyProvider } from '../vault/key-provider.ts';
import type { AdminActions } from './admin-actions.ts';
import type { SubjectDataSummary } from '../client/wire.ts';

/**
 * The encrypted vault: a subject's personal data, one sealed item per data category. Values are
 * decrypted in exactly two places — a release the gate allowed and the redemption of a token it
 * issued — both through `read`. Nothing here logs a value.
 */
export interface VaultLimits {
  /** UTF-8 bytes of one value. */
  readonly maxValueBytes: number;
  /** UTF-8 bytes of every value in one write. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_VAULT_LIMITS: VaultLimits = { maxValueBytes: 16 * 1024, maxTotalBytes: 64 * 1024 };

export interface VaultServiceOptions {
  readonly keys: KeyProvider;
  /** Category ids of the active registry: writes of anything else are refused. */
  readonly categories: () => { has(id: string): boolean };
  readonly limits?: VaultLimits;
  /** Subjects whose unwrapped data key and sealed items stay in memory (LRU; 0 keeps none). */
  readonly cacheSize?: number;
  /**
   * When given, an erasure is an admin action: the key's destruction and its log leaf commit in
   * one journal transaction, the log naming the subject by `pseudonym` only.
   */
  readonly audit?: { readonly admin: AdminActions; readonly pseudonym: (subject: string) => string };
  /** Told synchronously of every erasure this vault learns of (its own, another server's, at start): the gate's records. */
  readonly erasures?: { vaultErased(subject: string): void };
}

/** What the vault holds for a subject, as the API answers it: the client's wire type (src/client/wire.ts), one definition. */
export type { SubjectDataSummary };

type ErasedListener = (subject: string, at: number) => void | Promise<void>;

interface CacheEntry {
  keyVersion: number;
  dataKey: Uint8Array;
  items: Map<string, SealedItem>;
  /**
   * What opening each item takes — its AAD (subject, category, key version: envelope.ts itemAad)
   * and its IV, ciphertext and tag views (envelope.ts sealedParts) — made on its first read. The
   * entry is replaced whenever the subject's items change, so neither outlives the item it was
   * made for.
   */
  openers: Map<string, ItemOpener>;
}

/** An item's AAD and split ciphertext, kept beside its data key: no views or AAD rebuilt per read. */
interface ItemOpener {
  readonly aad: Uint8Array;
  readonly parts: SealedParts;
}

const CHANNEL_PREFIX = 'cg_vault_';

/** In `read`'s answer: a value is stored for this category, and was not decrypted. */
export const STORED: unique symbol = Symbol('stored, not decrypted');
const SUBJECT_RE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

export class VaultService {
  private readonly repo: VaultRepo;
  private readonly limits: VaultLimits;
  private readonly cacheSize: number;
  /**
   * Subject → entry, least recently read evicted first. lru-cache keeps its order in typed
   * arrays: a hit allocates nothing and writes no Map, where a Map's delete + set per hit left
   * deleted slots that V8 compacts by rebuilding the table in the young generation.
   */
  private readonly cache: LRUCache<string, CacheEntry>;
  /** Bumped by every invalidation, so a read that raced a write never caches stale data. */
  private readonly generation = new Map<string, number>();
  private readonly erased = new Map<string, number>();
  private readonly erasedListeners: ErasedListener[] = [];
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly opts: VaultServiceOptions,
  ) {
    this.repo = new VaultRepo(db);
    this.limits = opts.limits ?? DEFAULT_VAULT_LIMITS;
    this.cacheSize = opts.cacheSize ?? 10_000;
    this.cache = new LRUCache({ max: Math.max(1, this.cacheSize) });
  }

  /** Constructs and starts. */
  static async open(db: Database, opts: VaultServiceOptions): Promise<VaultService> {
    const v = new VaultService(db, opts);
    await v.start();
    return v;
  }

  /** Follows other servers' writes over LISTEN/NOTIFY, then loads the erasure tombstones. */
  async start(): Promise<void> {
    // After a lost LISTEN session, the tombstones are re-read as at start: an erasure notified
    // meanwhile is learnt then. (A missed `put:` only left a stale cache entry: see onNotify.)
    this.unlisten = await this.db.listen(this.channel, (payload) => this.onNotify(payload), () => void this.loadTombstones().catch(() => {}));
    await this.loadTombstones();
  }

  private async loadTombstones(): Promise<void> {
    const now = Date.now();
    for (const s of await this.repo.erasedSubjects()) if (!this.erased.has(s)) this.markErased(s, now);
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
    for (const e of this.cache.values()) e.dataKey.fill(0);
    this.cache.clear();
  }

  /** Alias of `stop`. */
  close(): Promise<void> {
    return this.stop();
  }

  private get channel(): string {
    return CHANNEL_PREFIX + this.db.schema;
  }

  get keyProvider(): string {
    return this.opts.keys.name;
  }

  /** Called after a subject's key is destroyed (token revocation, subject projection). */
  onErased(fn: ErasedListener): void {
    this.erasedListeners.push(fn);
  }

  isErased(subject: string): boolean {
    return this.erased.has(subject);
  }

  /**
   * Stores items (category → value; `null` removes the category). Values are sealed before the
   * transaction starts writing; the whole write is one transaction.
   */
  async put(subject: string, items: Readonly<Record<string, string | null>>, at: number): Promise<{ stored: string[]; removed: string[] }> {
    assertSubject(subject);
    this.validateItems(items);
    if (this.erased.has(subject)) throw erasedError(subject);
    const entries = Object.entries(items);
    const stored = entries.filter(([, v]) => v !== null).map(([c]) => c).sort();
    const removed = entries.filter(([, v]) => v === null).map(([c]) => c).sort();
    await this.db.transaction(async (tx) => {
      let key = await this.repo.getKey(subject, tx);
      let dataKey: Uint8Array;
      if (!key) {
        dataKey = newDataKey();
        const wrapped = await this.opts.keys.wrap(dataKey, dataKeyAad(subject, 1));
        key = await this.repo.createKey(tx, subject, 1, wrapped.masterKeyId, wrapped.blob);
        // Another server may have created the key first: always use what is stored.
        if (key.masterKeyId !== wrapped.masterKeyId || !sameBytes(key.wrapped, wrapped.blob)) dataKey = await this.unwrap(key);
      } else {
        dataKey = await this.unwrap(key);
      }
      const sealed = entries
        .filter((e): e is [string, string] => e[1] !== null)
        .map(([category, value]) => ({
          category,
          keyVersion: key.keyVersion,
          sealed: sealText(dataKey, itemAad(subject, category, key.keyVersion), value),
        }));
      await this.repo.upsertItems(tx, subject, sealed, new Date(at));
      await this.repo.deleteItems(tx, subject, removed);
      await notifyOnCommit(tx, CHANNEL_PREFIX, `put:${subject}`);
    });
    this.invalidate(subject);
    return { stored, removed };
  }

  /** What is stored about a subject — categories, sizes, dates — never a value. */
  async describe(subject: string): Promise<SubjectDataSummary> {
    assertSubject(subject);
    const key = await this.repo.getKey(subject);
    const items: ItemMeta[] = key?.wrapped ? await this.repo.describeItems(subject) : [];
    return {
      subject,
      erased: Boolean(key?.destroyedAt),
      erased_at: key?.destroyedAt ? new Date(key.destroyedAt).toISOString() : null,
      key_version: key?.wrapped ? key.keyVersion : null,
      items: items.map((i) => ({ category: i.category, bytes: i.bytes, key_version: i.keyVersion, updated_at: new Date(i.updatedAt).toISOString() })),
    };
  }

  /**
   * Decrypts the requested categories that are stored (absent ones are simply missing from the
   * result). The only decrypting path: callers are the release service and token redemption.
   */
  async read(subject: string, categories: readonly string[]): Promise<Map<string, string>>;
  /**
   * `read` for a release: of the categories `decrypt` refuses, only whether a value is stored
   * (STORED in the map) — nothing is decrypted for them (src/core/transform/apply.ts, formNeedsValue).
   */
  async read(subject: string, categories: readonly string[], decrypt: (category: string) => boolean): Promise<Map<string, string | typeof STORED>>;
  async read(subject: string, categories: readonly string[], decrypt?: (category: string) => boolean): Promise<Map<string, string | typeof STORED>> {
    if (this.erased.has(subject)) throw erasedError(subject);
    const entry = await this.entry(subject);
    return entry ? this.open(subject, entry, categories, decrypt) : new Map();
  }

  /**
   * `read` answered in the caller's turn when the subject's key and items are cached (a release
   * of a recently used subject, the common case): no async function, promise or microtask.
   * Undefined when they are not cached — then `read`, which goes to the database. Throws
   * SUBJECT_ERASED as `read` does.
   */
  readCached(subject: string, categories: readonly string[], decrypt?: (category: string) => boolean): Map<string, string | typeof STORED> | undefined {
    if (this.erased.has(subject)) throw erasedError(subject);
    const entry = this.cachedEntry(subject);
    return entry ? this.open(subject, entry, categories, decrypt) : undefined;
  }

  private open(subject: string, entry: CacheEntry, categories: readonly string[], decrypt: ((category: string) => boolean) | undefined): Map<string, string | typeof STORED> {
    const out = new Map<string, string | typeof STORED>();
    // Indexed, not for-of: the list is a frozen array shared per item list (release-service.ts'
    // itemsPlan), and for-of over a frozen array is not optimised away — each step called the
    // iterator's `next` and made its result object (~0.2 KiB per release, bench/release-heap.ts).
    for (let k = 0; k < categories.length; k++) {
      const c = categories[k]!;
      const item = entry.items.get(c);
      if (!item) continue;
      if (decrypt && !decrypt(c)) {
        out.set(c, STORED);
        continue;
      }
      let opener = entry.openers.get(c);
      if (opener === undefined) {
        opener = { aad: itemAad(subject, c, item.keyVersion), parts: sealedParts(item.sealed) };
        entry.openers.set(c, opener);
      }
      out.set(c, openText(entry.dataKey, opener.aad, opener.parts));
    }
    return out;
  }

  /**
   * Erasure by crypto-shredding: the wrapped data key is destroyed, the ciphertexts stay
   * unreadable wherever copies of them are. Idempotent; works for subjects with no data.
   */
  async erase(subject: string, at: number, actor = 'system'): Promise<{ erased_at: string }> {
    assertSubject(subject);
    const audit = this.opts.audit;
    if (audit) {
      await audit.admin.record({ action: 'subject.erase', actor, target: audit.pseudonym(subject), facts: { method: 'crypto-shredding' } }, async (tx) => {
        await this.repo.destroyKey(tx, subject, new Date(at));
        await notifyOnCommit(tx, CHANNEL_PREFIX, `erase:${subject}`);
      });
    } else {
      await this.db.transaction(async (tx) => {
        await this.repo.destroyKey(tx, subject, new Date(at));
        await notifyOnCommit(tx, CHANNEL_PREFIX, `erase:${subject}`);
      });
    }
    this.markErased(subject, at);
    for (const fn of this.erasedListeners) await fn(subject, at);
    const key = await this.repo.getKey(subject);
    return { erased_at: new Date(key?.destroyedAt ?? at).toISOString() };
  }

  /**
   * Re-wraps every live data key under the provider's current master key. Once it returns 0
   * remaining, older master keys can be removed — and backups taken before an erasure lose the
   * last key that could open them.
   */
  async rewrapAll(currentMasterKeyId: string, batch = 500): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.repo.keysNotWrappedBy(currentMasterKeyId, batch);
      if (rows.length === 0) return done;
      for (const row of rows) {
        const dataKey = await this.unwrap(row);
        const wrapped = await this.opts.keys.wrap(dataKey, dataKeyAad(row.subject, row.keyVersion));
        if (wrapped.masterKeyId !== currentMasterKeyId) throw new Error('key provider did not wrap under the expected master key');
        if (await this.repo.rewrap(row.subject, row.masterKeyId!, wrapped.masterKeyId, wrapped.blob)) done++;
      }
    }
  }

  /** The subject's cache entry, marked most recently used; undefined if not cached. */
  private cachedEntry(subject: string): CacheEntry | undefined {
    return this.cache.get(subject);
  }

  private async entry(subject: string): Promise<CacheEntry | undefined> {
    const hit = this.cachedEntry(subject);
    if (hit) return hit;
    const gen = this.generation.get(subject) ?? 0;
    const key = await this.repo.getKey(subject);
    if (!key) return undefined;
    if (!key.wrapped) {
      this.markErased(subject, key.destroyedAt ? new Date(key.destroyedAt).getTime() : Date.now());
      throw erasedError(subject);
    }
    const [dataKey, items] = await Promise.all([this.unwrap(key), this.repo.readItems(subject)]);
    const entry: CacheEntry = { keyVersion: key.keyVersion, dataKey, items: new Map(items.map((i) => [i.category, i])), openers: new Map() };
    // A cache size of 0 keeps nothing (lru-cache needs a max of at least 1).
    if (this.cacheSize > 0 && (this.generation.get(subject) ?? 0) === gen && !this.erased.has(subject)) {
      this.cache.set(subject, entry);
    }
    return entry;
  }

  private unwrap(key: KeyRow): Promise<Uint8Array> {
    if (!key.wrapped || !key.masterKeyId) throw erasedError(key.subject);
    return this.opts.keys.unwrap({ masterKeyId: key.masterKeyId, blob: key.wrapped }, dataKeyAad(key.subject, key.keyVersion));
  }

  private invalidate(subject: string): void {
    this.generation.set(subject, (this.generation.get(subject) ?? 0) + 1);
    const hit = this.cache.peek(subject);
    if (hit) hit.dataKey.fill(0);
    this.cache.delete(subject);
  }

  private markErased(subject: string, at: number): void {
    this.erased.set(subject, at);
    this.opts.erasures?.vaultErased(subject);
    this.invalidate(subject);
  }

  private onNotify(payload: string): void {
    const sep = payload.indexOf(':');
    const op = payload.slice(0, sep);
    const subject = payload.slice(sep + 1);
    if (op === 'erase') {
      if (!this.erased.has(subject)) this.markErased(subject, Date.now());
    } else {
      this.invalidate(subject);
    }
  }

  private validateItems(items: Readonly<Record<string, string | null>>): void {
    const known = this.opts.categories();
    const entries = Object.entries(items);
    if (entries.length === 0) throw new CgError('EMPTY_ITEMS', 'give at least one category', 400, [{ code: 'EMPTY_ITEMS', message: 'no items', path: '' }]);
    let total = 0;
    for (const [category, value] of entries) {
      const path = formatPath([category]);
      if (!known.has(category)) {
        throw new CgError('UNKNOWN_CATEGORY', `"${category}" is not a data category of the active registry`, 400, [
          { code: 'UNKNOWN_CATEGORY', message: 'not a registry data category', path },
        ]);
      }
      if (value === null) continue;
      if (typeof value !== 'string') throw new CgError('INVALID_VALUE', 'values are strings or null', 400, [{ code: 'INVALID_VALUE', message: 'expected a string or null', path }]);
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > this.limits.maxValueBytes) {
        throw new CgError('VALUE_TOO_LARGE', `a value is limited to ${this.limits.maxValueBytes} bytes`, 413, [
          { code: 'VALUE_TOO_LARGE', message: `${bytes} bytes`, path },
        ]);
      }
      total += bytes;
    }
    if (total > this.limits.maxTotalBytes) {
      throw new CgError('ITEMS_TOO_LARGE', `all values together are limited to ${this.limits.maxTotalBytes} bytes`, 413, [
        { code: 'ITEMS_TOO_LARGE', message: `${total} bytes`, path: '' },
      ]);
    }
  }
}

export function assertSubject(subject: string): void {
  if (!SUBJECT_RE.test(subject)) {
    throw new CgError('INVALID_SUBJECT', 'subject ids are 1–128 letters, digits or "_.:@-"', 400, [
      { code: 'INVALID_SUBJECT', message: 'invalid subject id', path: 'subject' },
    ]);
  }
}

const erasedError = (_subject: string) =>
  new CgError('SUBJECT_ERASED', 'the subject has been erased', 410, [], { article: 'PIPA 36 / GDPR 17' });

const sameBytes = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));
