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
    // Everything that does not depend on the head is computed before taking its lock, so a
    // batch waiting for the previous one to commit has its work done when its turn comes.
    const leaves = entries.map(leafHash);
    const subjects = entries.map(subjectOf);
    // Entries that are UTF-8 text (all the journal writes: canonical JSON) travel in one JSON
    // document rather than as a bytea[] literal, which both drivers build byte by byte.
    const texts = asTexts(entries);
    const [head] = await tx.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head WHERE singleton FOR UPDATE');
    if (!head) throw new Error('ledger_head row is missing: migration 030-ledger did not run');
    const first = head.size;
    if (entries.length === 0) return first;
    const { frontier, closed } = extendFrontier(decodeFrontier(head.size, new Uint8Array(head.frontier)), leaves);
    const nodes = [closed.map((n) => n.level), closed.map((n) => n.index), closed.map((n) => Buffer.from(n.hash)), frontier.size, Buffer.from(encodeFrontier(frontier))];
    // One statement for leaves, closed subtrees and the new head: one round trip after the lock.
    if (texts) {
      await tx.query(
        `WITH e AS (
           INSERT INTO ledger_entries (idx, entry, leaf_hash, subject)
           SELECT $6::int8 + x.i - 1, convert_to(x.e, 'UTF8'), decode(x.h, 'hex'), x.s
           FROM ROWS FROM (json_to_recordset($7::json) AS (e text, h text, s text)) WITH ORDINALITY AS x(e, h, s, i)
         ), n AS (
           INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($1::int2[], $2::int8[], $3::bytea[])
         )
         UPDATE ledger_head SET size = $4, frontier = $5 WHERE singleton`,
        [...nodes, first, JSON.stringify(texts.map((e, i) => ({ e, h: Buffer.from(leaves[i]!).toString('hex'), s: subjects[i] })))],
      );
      return first;
    }
    await tx.query(
      `WITH e AS (
         INSERT INTO ledger_entries (idx, entry, leaf_hash, subject)
         SELECT * FROM unnest($6::int8[], $7::bytea[], $8::bytea[], $9::text[])
       ), n AS (
         INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($1::int2[], $2::int8[], $3::bytea[])
       )
       UPDATE ledger_head SET size = $4, frontier = $5 WHERE singleton`,
      [
        ...nodes,
        entries.map((_, i) => first + i),
        entries.map((e) => Buffer.from(e)),
        leaves.map((h) => Buffer.from(h)),
        subjects,
      ],
    );
    return first;
  },
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The entries as strings when every one is valid UTF-8 without NUL (so text round-trips to
 * the same bytes); undefined otherwise, and the caller sends raw bytes.
 */
function asTexts(entries: readonly Uint8Array[]): string[] | undefined {
  const out = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.includes(0)) return undefined;
    try {
      out[i] = utf8.decode(e);
    } catch {
      return undefined;
    }
  }
  return out;
}

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
