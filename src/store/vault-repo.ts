import type { Sql } from './sql.ts';

/** Storage of wrapped data keys and sealed items. Knows nothing about cryptography. */
export interface KeyRow {
  readonly subject: string;
  readonly keyVersion: number;
  readonly masterKeyId: string | null;
  readonly wrapped: Uint8Array | null;
  readonly destroyedAt: Date | null;
}

export interface SealedItem {
  readonly category: string;
  readonly keyVersion: number;
  readonly sealed: Uint8Array;
}

export interface ItemMeta {
  readonly category: string;
  readonly keyVersion: number;
  readonly bytes: number;
  readonly updatedAt: Date;
}

interface KeyDbRow {
  subject: string;
  key_version: number;
  master_key_id: string | null;
  wrapped_key: Uint8Array | null;
  destroyed_at: Date | null;
}

const toKey = (r: KeyDbRow): KeyRow => ({
  subject: r.subject,
  keyVersion: r.key_version,
  masterKeyId: r.master_key_id,
  wrapped: r.wrapped_key ? new Uint8Array(r.wrapped_key) : null,
  destroyedAt: r.destroyed_at,
});

export class VaultRepo {
  constructor(private readonly sql: Sql) {}

  async getKey(subject: string, tx: Sql = this.sql): Promise<KeyRow | undefined> {
    const [r] = await tx.query<KeyDbRow>(
      'SELECT subject, key_version, master_key_id, wrapped_key, destroyed_at FROM vault_keys WHERE subject = $1',
      [subject],
    );
    return r ? toKey(r) : undefined;
  }

  /** Inserts the first data key of a subject; if another writer won the race, returns theirs. */
  async createKey(tx: Sql, subject: string, keyVersion: number, masterKeyId: string, wrapped: Uint8Array): Promise<KeyRow> {
    await tx.query(
      `INSERT INTO vault_keys (subject, key_version, master_key_id, wrapped_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subject) DO NOTHING`,
      [subject, keyVersion, masterKeyId, Buffer.from(wrapped)],
    );
    return (await this.getKey(subject, tx))!;
  }

  async upsertItems(tx: Sql, subject: string, items: readonly SealedItem[], at: Date): Promise<void> {
    if (items.length === 0) return;
    await tx.query(
      `INSERT INTO vault_items (subject, category, key_version, sealed, updated_at)
       SELECT $1, c, v, s, $5 FROM unnest($2::text[], $3::int4[], $4::bytea[]) AS u(c, v, s)
       ON CONFLICT (subject, category) DO UPDATE
         SET key_version = excluded.key_version, sealed = excluded.sealed, updated_at = excluded.updated_at`,
      [subject, items.map((i) => i.category), items.map((i) => i.keyVersion), items.map((i) => Buffer.from(i.sealed)), at],
    );
  }

  async deleteItems(tx: Sql, subject: string, categories: readonly string[]): Promise<void> {
    if (categories.length === 0) return;
    await tx.query('DELETE FROM vault_items WHERE subject = $1 AND category = ANY($2::text[])', [subject, categories]);
  }

  /** Sealed items of a subject, all or only `categories`. */
  async readItems(subject: string, categories?: readonly string[]): Promise<SealedItem[]> {
    const rows = await this.sql.query<{ category: string; key_version: number; sealed: Uint8Array }>(
      categories
        ? 'SELECT category, key_version, sealed FROM vault_items WHERE subject = $1 AND category = ANY($2::text[])'
        : 'SELECT category, key_version, sealed FROM vault_items WHERE subject = $1',
      categories ? [subject, categories] : [subject],
    );
    return rows.map((r) => ({ category: r.category, keyVersion: r.key_version, sealed: new Uint8Array(r.sealed) }));
  }

  async describeItems(subject: string): Promise<ItemMeta[]> {
    const rows = await this.sql.query<{ category: string; key_version: number; bytes: number; updated_at: Date }>(
      `SELECT category, key_version, octet_length(sealed)::int4 AS bytes, updated_at
       FROM vault_items WHERE subject = $1 ORDER BY category`,
      [subject],
    );
    return rows.map((r) => ({ category: r.category, keyVersion: r.key_version, bytes: r.bytes, updatedAt: r.updated_at }));
  }

  /**
   * Crypto-shredding: forgets the wrapped key and leaves a tombstone. Works for subjects the
   * vault never stored anything for, so erasure is recorded either way.
   */
  async destroyKey(tx: Sql, subject: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO vault_keys (subject, key_version, master_key_id, wrapped_key, destroyed_at) VALUES ($1, 0, NULL, NULL, $2)
       ON CONFLICT (subject) DO UPDATE SET wrapped_key = NULL, master_key_id = NULL,
         destroyed_at = COALESCE(vault_keys.destroyed_at, excluded.destroyed_at)`,
      [subject, at],
    );
    await tx.query('UPDATE subjects SET erased_at = COALESCE(erased_at, $2) WHERE id = $1', [subject, at]);
  }

  async erasedSubjects(): Promise<string[]> {
    const rows = await this.sql.query<{ subject: string }>('SELECT subject FROM vault_keys WHERE destroyed_at IS NOT NULL');
    return rows.map((r) => r.subject);
  }

  /** Live keys wrapped by a master key other than `currentId`: what a rotation must re-wrap. */
  async keysNotWrappedBy(currentId: string, limit: number): Promise<KeyRow[]> {
    const rows = await this.sql.query<KeyDbRow>(
      `SELECT subject, key_version, master_key_id, wrapped_key, destroyed_at FROM vault_keys
       WHERE wrapped_key IS NOT NULL AND master_key_id <> $1 ORDER BY subject LIMIT $2`,
      [currentId, limit],
    );
    return rows.map(toKey);
  }

  /** Replaces a wrapping only if nobody changed the row meanwhile (erasure wins over rotation). */
  async rewrap(subject: string, fromMasterKeyId: string, toMasterKeyId: string, wrapped: Uint8Array): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE vault_keys SET master_key_id = $3, wrapped_key = $4
       WHERE subject = $1 AND master_key_id = $2 AND wrapped_key IS NOT NULL RETURNING subject`,
      [subject, fromMasterKeyId, toMasterKeyId, Buffer.from(wrapped)],
    );
    return rows.length === 1;
  }
}
