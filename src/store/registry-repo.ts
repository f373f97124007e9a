import type { Sql } from './sql.ts';

export interface RegistryVersionRow {
  readonly version: number;
  readonly hash: string;
  readonly createdAt: Date;
  readonly createdBy: string;
}

export interface StoredRegistry extends RegistryVersionRow {
  readonly source: string;
  readonly document: unknown;
}

export interface ActiveRegistry extends StoredRegistry {
  readonly activatedAt: Date;
  readonly activatedBy: string;
}

const cols = 'version, hash, created_at AS "createdAt", created_by AS "createdBy"';

/**
 * Registry versions are immutable rows keyed by content hash; the active version is one row
 * in `registry_active`, so switching is a single UPDATE inside the caller's transaction.
 */
export class RegistryRepo {
  constructor(private readonly sql: Sql) {}

  /**
   * Stores a document unless one with the same hash exists; returns that version either way.
   * Two servers storing at once may race for the next number: the loser retries.
   */
  async store(input: { hash: string; source: string; document: unknown; createdBy: string }): Promise<{ row: RegistryVersionRow; created: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.byHash(input.hash);
      if (existing) return { row: existing, created: false };
      try {
        const [row] = await this.sql.query<RegistryVersionRow>(
          `INSERT INTO registry_versions (version, hash, source, document, created_by)
           SELECT coalesce(max(version), 0) + 1, $1, $2, $3::jsonb, $4 FROM registry_versions
           ON CONFLICT (hash) DO NOTHING
           RETURNING ${cols}`,
          [input.hash, input.source, JSON.stringify(input.document), input.createdBy],
        );
        if (row) return { row, created: true };
      } catch (e) {
        if ((e as { code?: string }).code !== '23505') throw e; // unique_violation on version: retry
      }
    }
    throw new Error('could not allocate a registry version number');
  }

  async byHash(hash: string): Promise<RegistryVersionRow | undefined> {
    const [row] = await this.sql.query<RegistryVersionRow>(`SELECT ${cols} FROM registry_versions WHERE hash = $1`, [hash]);
    return row;
  }

  async get(version: number): Promise<StoredRegistry | undefined> {
    const [row] = await this.sql.query<StoredRegistry>(
      `SELECT ${cols}, source, document FROM registry_versions WHERE version = $1`,
      [version],
    );
    return row;
  }

  async list(limit = 100, before?: number): Promise<RegistryVersionRow[]> {
    return this.sql.query<RegistryVersionRow>(
      `SELECT ${cols} FROM registry_versions WHERE ($1::int IS NULL OR version < $1) ORDER BY version DESC LIMIT $2`,
      [before ?? null, limit],
    );
  }

  async active(): Promise<ActiveRegistry | undefined> {
    const [row] = await this.sql.query<ActiveRegistry>(
      `SELECT v.version, v.hash, v.created_at AS "createdAt", v.created_by AS "createdBy", v.source, v.document,
              a.activated_at AS "activatedAt", a.activated_by AS "activatedBy"
       FROM registry_active a JOIN registry_versions v USING (version)`,
    );
    return row;
  }

  /** Every activation, newest first: who made which version active, when (the console's history). */
  async activations(limit = 500): Promise<Array<{ version: number; activatedAt: Date; activatedBy: string }>> {
    return this.sql.query(
      `SELECT version, activated_at AS "activatedAt", activated_by AS "activatedBy" FROM registry_activations ORDER BY activated_at DESC, version DESC LIMIT $1`,
      [limit],
    );
  }

  /** Makes `version` the active one; run inside the transaction that records the admin action. */
  static async activate(tx: Sql, version: number, by: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO registry_active (singleton, version, activated_at, activated_by) VALUES (true, $1, $2, $3)
       ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, activated_at = EXCLUDED.activated_at, activated_by = EXCLUDED.activated_by`,
      [version, at, by],
    );
    await tx.query('INSERT INTO registry_activations (version, activated_at, activated_by) VALUES ($1, $2, $3)', [version, at, by]);
  }
}
