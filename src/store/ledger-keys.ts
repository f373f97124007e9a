import { randomBytes } from 'node:crypto';
import { signerFromSeed, type SignerKey } from '../ledger/note.ts';
import type { Sql } from './sql.ts';

/**
 * The log's checkpoint signing key lives in the database so every server sharing it signs
 * with the same key. First start generates it; concurrent first starts agree through the
 * primary key (the loser reads the winner's key).
 */
export async function loadOrCreateLedgerKey(db: Sql, name: string): Promise<SignerKey> {
  const candidate = signerFromSeed(name, new Uint8Array(randomBytes(32)));
  await db.query('INSERT INTO ledger_keys (name, seed, verifier) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
    name,
    Buffer.from(candidate.seed),
    candidate.text,
  ]);
  const [row] = await db.query<{ seed: Uint8Array | null }>('SELECT seed FROM ledger_keys WHERE name = $1', [name]);
  if (!row?.seed) throw new Error(`the ledger key "${name}" is held by the operator: set CONSENTGATE_LEDGER_KEY`);
  return signerFromSeed(name, new Uint8Array(row.seed));
}

/**
 * Records an operator-supplied key (CONSENTGATE_LEDGER_KEY) so its verifier is listed; its
 * seed is not stored. A different key of the same name replaces the listed one.
 */
export async function registerLedgerKey(db: Sql, key: SignerKey): Promise<void> {
  await db.query(
    `INSERT INTO ledger_keys (name, seed, verifier) VALUES ($1, NULL, $2)
     ON CONFLICT (name) DO UPDATE SET seed = NULL, verifier = EXCLUDED.verifier, created_at = now()
       WHERE ledger_keys.verifier <> EXCLUDED.verifier`,
    [key.name, key.text],
  );
}

export async function listLedgerVerifiers(db: Sql): Promise<Array<{ name: string; verifier: string; createdAt: Date; retiredAt: Date | null }>> {
  const rows = await db.query<{ name: string; verifier: string; created_at: Date; retired_at: Date | null }>(
    'SELECT name, verifier, created_at, retired_at FROM ledger_keys ORDER BY created_at',
  );
  return rows.map((r) => ({ name: r.name, verifier: r.verifier, createdAt: r.created_at, retiredAt: r.retired_at }));
}
