import { sha256 } from '@noble/hashes/sha2.js';
import type { LedgerAppender } from './journal.ts';
import type { Sql } from './sql.ts';

/** RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 ‖ entry). */
function leafHash(entry: Uint8Array): Uint8Array {
  const buf = new Uint8Array(entry.length + 1);
  buf.set(entry, 1);
  return sha256(buf);
}

/**
 * Appends leaves under a row lock on `ledger_head`, so concurrent servers take turns and the
 * index sequence has no gaps.
 */
export const sqlLedgerAppender: LedgerAppender = {
  async append(tx: Sql, entries) {
    const [head] = await tx.query<{ size: number }>('SELECT size FROM ledger_head WHERE singleton FOR UPDATE');
    const first = head!.size;
    await tx.query(
      `INSERT INTO ledger_entries (idx, entry, leaf_hash)
       SELECT * FROM unnest($1::int8[], $2::bytea[], $3::bytea[])`,
      [entries.map((_, i) => first + i), entries.map((e) => Buffer.from(e)), entries.map((e) => Buffer.from(leafHash(e)))],
    );
    await tx.query('UPDATE ledger_head SET size = $1 WHERE singleton', [first + entries.length]);
    return first;
  },
};
