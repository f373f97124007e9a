import type { KeyStatus, PublicKeyInfo } from '../core/crypto/ed25519.ts';
import type { Sql } from './sql.ts';

/** Public receipt-signing keys. Writes run inside a journal batch (an admin action). */
export class ReceiptKeysRepo {
  constructor(private readonly sql: Sql) {}

  async all(): Promise<PublicKeyInfo[]> {
    const rows = await this.sql.query<{ kid: string; public_key: string; status: KeyStatus }>(
      'SELECT kid, public_key, status FROM receipt_keys ORDER BY created_at, kid',
    );
    return rows.map((r) => ({ kid: r.kid, alg: 'Ed25519', publicKey: r.public_key, status: r.status }));
  }

  /** Inserts new keys and retires keys a keyring now marks retired; never reactivates. */
  static async upsert(tx: Sql, keys: readonly PublicKeyInfo[]): Promise<void> {
    await tx.query(
      `INSERT INTO receipt_keys (kid, public_key, status)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(kid text, public_key text, status text)
       ON CONFLICT (kid) DO UPDATE SET status = 'retired' WHERE EXCLUDED.status = 'retired'`,
      [JSON.stringify(keys.map((k) => ({ kid: k.kid, public_key: k.publicKey, status: k.status })))],
    );
  }
}
