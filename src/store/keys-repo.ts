import type { Sql } from './sql.ts';

export type KeyKind = 'admin' | 'recipient' | 'subject';

/** An API key as stored: never the secret, only a salted HMAC of it. */
export interface ApiKeyRow {
  readonly id: string;
  readonly kind: KeyKind;
  readonly principal: string;
  readonly scopes: readonly string[];
  readonly salt: Uint8Array;
  readonly secretHash: Uint8Array;
  readonly label: string;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

const cols = `id, kind, principal, scopes, salt, secret_hash AS "secretHash", label, created_at AS "createdAt",
  created_by AS "createdBy", expires_at AS "expiresAt", revoked_at AS "revokedAt"`;

export interface KeyFilter {
  kind?: KeyKind;
  principal?: string;
  includeRevoked?: boolean;
  limit?: number;
}

export class KeysRepo {
  constructor(private readonly sql: Sql) {}

  async get(id: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.sql.query<ApiKeyRow>(`SELECT ${cols} FROM api_keys WHERE id = $1`, [id]);
    return row ? normalise(row) : undefined;
  }

  async list(f: KeyFilter = {}): Promise<ApiKeyRow[]> {
    const rows = await this.sql.query<ApiKeyRow>(
      `SELECT ${cols} FROM api_keys
       WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR principal = $2) AND ($3 OR revoked_at IS NULL)
       ORDER BY created_at, id LIMIT $4`,
      [f.kind ?? null, f.principal ?? null, f.includeRevoked ?? false, f.limit ?? 500],
    );
    return rows.map(normalise);
  }

  static async insert(tx: Sql, k: Omit<ApiKeyRow, 'createdAt' | 'revokedAt'> & { createdAt: Date }): Promise<void> {
    await tx.query(
      `INSERT INTO api_keys (id, kind, principal, scopes, salt, secret_hash, label, created_at, created_by, expires_at)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9, $10)`,
      [k.id, k.kind, k.principal, [...k.scopes], Buffer.from(k.salt), Buffer.from(k.secretHash), k.label, k.createdAt, k.createdBy, k.expiresAt],
    );
  }

  /** Brings the expiry forward (never extends it): rotation's grace period for the old key. */
  static async expireBy(tx: Sql, id: string, at: Date): Promise<void> {
    await tx.query('UPDATE api_keys SET expires_at = LEAST(coalesce(expires_at, $2), $2) WHERE id = $1', [id, at]);
  }

  static async revoke(tx: Sql, id: string, at: Date): Promise<void> {
    await tx.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1', [id, at]);
  }
}

function normalise(r: ApiKeyRow): ApiKeyRow {
  return { ...r, salt: new Uint8Array(r.salt), secretHash: new Uint8Array(r.secretHash) };
}
