import { extendFrontier, decodeFrontier, encodeFrontier } from '../ledger/frontier.ts';
import { leafHash } from '../ledger/hash.ts';
import type { LedgerAppender } from './journal.ts';
import type { Sql } from './sql.ts';

/** Longest subject pseudonym we index; anything else is not a pseudonym and is not indexed. */
const MAX_SUBJECT = 200;

/**
 * The durable RFC 9162 appender. Under a row lock on `ledger_head` (so servers sharing one
 * PostgreSQL take turns and indexes never gap or fork) it reads the O(log n) frontier, stores
 * the new leaves and every complete subtree they close, and writes the new frontier — all in
 * the Journal's transaction, so an entry is in the log if and only if its record is stored.
 * Cost per batch: two statements (the lock, then one write), amortised one node row per leaf.
 */
export const sqlLedgerAppender: LedgerAppender = {
  async append(tx: Sql, entries) {
    const [head] = await tx.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head WHERE singleton FOR UPDATE');
    if (!head) throw new Error('ledger_head row is missing: migration 030-ledger did not run');
    const first = head.size;
    if (entries.length === 0) return first;
    const leaves = entries.map(leafHash);
    const { frontier, closed } = extendFrontier(decodeFrontier(head.size, new Uint8Array(head.frontier)), leaves);
    // One statement for leaves, closed subtrees and the new head: one round trip after the lock.
    await tx.query(
      `WITH e AS (
         INSERT INTO ledger_entries (idx, entry, leaf_hash, subject)
         SELECT * FROM unnest($1::int8[], $2::bytea[], $3::bytea[], $4::text[])
       ), n AS (
         INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($5::int2[], $6::int8[], $7::bytea[])
       )
       UPDATE ledger_head SET size = $8, frontier = $9 WHERE singleton`,
      [
        entries.map((_, i) => first + i),
        entries.map((e) => Buffer.from(e)),
        leaves.map((h) => Buffer.from(h)),
        entries.map(subjectOf),
        closed.map((n) => n.level),
        closed.map((n) => n.index),
        closed.map((n) => Buffer.from(n.hash)),
        frontier.size,
        Buffer.from(encodeFrontier(frontier)),
      ],
    );
    return first;
  },
};

/** Subject pseudonyms as src/core/crypto/pseudonym.ts makes them. */
const PSEUDONYM = /^sp_[A-Za-z0-9_-]{10,64}$/;

/**
 * The subject pseudonym an entry is about: its `subject` field (consent events, release
 * decisions), or an admin action's `target` when that is a pseudonym (subject created, erased).
 */
export function subjectOf(entry: Uint8Array): string | null {
  try {
    const v = JSON.parse(Buffer.from(entry).toString('utf8')) as { subject?: unknown; target?: unknown } | null;
    if (!v || typeof v !== 'object') return null;
    if (typeof v.subject === 'string' && v.subject.length > 0 && v.subject.length <= MAX_SUBJECT) return v.subject;
    return typeof v.target === 'string' && PSEUDONYM.test(v.target) ? v.target : null;
  } catch {
    return null;
  }
}
