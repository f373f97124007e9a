import { extendEncodedFrontier, type StoredNode } from '../ledger/frontier.ts';
import { COPY_MIN_ROWS, encodeJsonRows, utf8Bytes, type CopyValue } from './bulk-rows.ts';
import { arrayCast, binaryColumnArrays } from './binary-arrays.ts';
import { binaryCopies, encodeBinarySliced } from './bulk-slices.ts';
import type { BinaryType } from './copy-binary.ts';
import { leafHash, leafHashOfText } from '../ledger/hash.ts';
import { isStoredLevel } from '../ledger/tree-math.ts';
import type { LedgerAppender, LedgerLeaf, LogHead, PreparedAppend } from './journal.ts';
import type { BulkRows, Sql } from './sql.ts';

/**
 * From this many leaves on, a batch goes in with COPY on PostgreSQL: one more round trip than
 * a single statement, paid back many times over by the server's cheaper parsing of large
 * batches. PGlite has no fast COPY (see bulk-rows.ts): one statement there, whatever the size.
 */
export const COPY_MIN_LEAVES = COPY_MIN_ROWS;

const copies = (sql: Sql, leaves: readonly LedgerLeaf[]) => binaryCopies(sql, leaves.length);

/** Longest subject pseudonym we index; anything else is not a pseudonym and is not indexed. */
const MAX_SUBJECT = 200;

/**
 * The durable RFC 9162 appender. It stores the new leaves, every complete subtree they close
 * and the new head (size and O(log n) frontier) in the Journal's transaction, so an entry is in
 * the log if and only if its record is stored. Servers sharing one PostgreSQL take turns on the
 * `ledger_head` row lock, so indexes never gap or fork.
 *
 * One write moves the head only `WHERE size = expected AND frontier = expected` and inserts
 * only if it did; the frontier is part of the condition because it pins the whole tree, not
 * only its size. The expected head comes from one of two places:
 * - a prepared append whose caller predicted it: no statement before the write. If another
 *   server moved the head, nothing is written and the locked way follows;
 * - the locked way: `SELECT … FOR UPDATE` reads it (one more statement).
 * Large batches send their leaves with the engine's bulk insert after taking the turn.
 */
export const sqlLedgerAppender: LedgerAppender = {
  async append(tx, leaves) {
    return (await appendLocked(tx, leaves, leaves.map(hashOf))).first;
  },

  prepare(sql, leaves, after) {
    // Hashes, subtrees and the bulk encoding of the leaves need no I/O: done now, while the
    // previous batch still holds the head.
    const hashes = leaves.map(hashOf);
    if (!after) return new LockedAppend(leaves, hashes);
    const plan = planAppend(after, hashes);
    // One statement for the leaves and the rows: possible when the leaves are parameters (not COPY).
    return copies(sql, leaves) ? new CopyAppend(leaves, hashes, after, plan) : new OneStatementAppend(leaves, hashes, after, plan);
  },
};

/*
 * The prepared appends are classes, not object literals of arrow functions: the tsx loader
 * `npm start` runs keeps function names (esbuild's keepNames), so every `write: (tx) => …`
 * property made per batch was renamed with a defineProperty as it was made (`__name`, ~1 µs of
 * the server thread per release at 1,000/s in the profile). Methods on a prototype are named once.
 */

/** No predicted head: the locked way only. */
class LockedAppend implements PreparedAppend {
  readonly end = undefined;
  constructor(
    private readonly leaves: readonly LedgerLeaf[],
    private readonly hashes: readonly Uint8Array[],
  ) {}

  write(tx: Sql): Promise<{ first: number; end: LogHead }> {
    return appendLocked(tx, this.leaves, this.hashes);
  }
}

/** A batch with a predicted head: written if the head is still the one predicted, else the locked way. */
abstract class PlannedAppend implements PreparedAppend {
  readonly end: LogHead;

  constructor(
    protected readonly leaves: readonly LedgerLeaf[],
    protected readonly hashes: readonly Uint8Array[],
    protected readonly after: LogHead,
    protected readonly plan: Plan,
  ) {
    this.end = plan.end;
  }

  abstract write(tx: Sql): Promise<{ first: number; end: LogHead }>;

  protected async writeOrLock(tx: Sql, bulk: BulkRows | undefined): Promise<{ first: number; end: LogHead }> {
    return (await appendIfHead(tx, this.leaves, this.hashes, this.after, this.plan, bulk)) ?? (await appendLocked(tx, this.leaves, this.hashes));
  }
}

/** A large batch on PostgreSQL: its leaves go by COPY, encoded in slices meanwhile (`ready`). */
class CopyAppend extends PlannedAppend {
  readonly ready: Promise<void>;
  private bulk: BulkRows | undefined;

  constructor(leaves: readonly LedgerLeaf[], hashes: readonly Uint8Array[], after: LogHead, plan: Plan) {
    super(leaves, hashes, after, plan);
    this.ready = encodeLeaves(leaves, hashes, after.size).then((b) => {
      this.bulk = b;
    });
  }

  write(tx: Sql): Promise<{ first: number; end: LogHead }> {
    return this.writeOrLock(tx, this.bulk);
  }
}

/** A batch whose leaves are parameters: it may also go as one statement with the batch's rows (`writeWith`). */
class OneStatementAppend extends PlannedAppend {
  readonly firstParam = FIRST_ROW_PARAM;

  write(tx: Sql): Promise<{ first: number; end: LogHead }> {
    return this.writeOrLock(tx, undefined);
  }

  writeWith(one: Sql, rows: readonly string[], params: readonly unknown[]): Promise<{ first: number; end: LogHead } | undefined> {
    return appendIfHead(one, this.leaves, this.hashes, this.after, this.plan, undefined, { rows, params });
  }
}

interface Plan {
  /** The subtrees the append closes (ledger_nodes rows, as JSON) and the head after it. */
  readonly nodes: string;
  readonly end: LogHead;
}

function planAppend(head: LogHead, hashes: readonly Uint8Array[]): Plan {
  // On the head's bytes: only the hashes the batch merges with are read, and only the stored
  // levels' closed subtrees are made (most batches close none).
  const { size, frontier, closed } = extendEncodedFrontier(head.size, head.frontier, hashes, isStoredLevel);
  return { nodes: closed.length === 0 ? NO_NODES : nodesDoc(closed), end: { size, frontier } };
}

const ENTRY_COLUMNS = ['idx', 'entry', 'leaf_hash', 'subject'] as const;

/**
 * The leaves of a large batch on PostgreSQL: COPY in binary form (copy-binary.ts), so the
 * server stores each entry's bytes as they come instead of parsing them out of text.
 */
const encodeLeaves = (leaves: readonly LedgerLeaf[], hashes: readonly Uint8Array[], first: number): Promise<BulkRows> =>
  encodeBinarySliced('ledger_entries', ENTRY_COLUMNS, ENTRY_TYPES, leaves, (l, i) => entryValues(l, hashes[i]!, first + i));
const ENTRY_TYPES: readonly BinaryType[] = ['int8', 'bytea', 'bytea', 'text'];

/** A leaf as a ledger_entries row; text entries travel as text (see utf8Bytes). */
const entryValues = (l: LedgerLeaf, hash: Uint8Array, idx: number): CopyValue[] => [idx, l.text !== undefined ? utf8Bytes(l.text) : l.entry, hash, l.subject];
const hashOf = (l: LedgerLeaf) => (l.text !== undefined ? leafHashOfText(l.text) : leafHash(l.entry));

/**
 * The leaves of a batch written in one statement (PGlite always, PostgreSQL below COPY_MIN_LEAVES):
 * one binary array per column (binary-arrays.ts), so the server copies each entry's bytes
 * instead of parsing them out of a JSON document — on PGlite that parsing was a third of a
 * durable decision's database time. Parameters $5–$8 of the one write (appendIfHead).
 */
function entriesArrays(leaves: readonly LedgerLeaf[], hashes: readonly Uint8Array[], first: number): Buffer[] {
  return binaryColumnArrays(
    leaves.map((l, i) => entryValues(l, hashes[i]!, first + i)),
    ENTRY_TYPES,
  );
}
// Only the stored levels (tree-math.ts NODE_STRIDE; planAppend asks for no others): the reader derives the others.
const nodesDoc = (closed: readonly StoredNode[]) => encodeJsonRows(closed.map((n) => [n.level, n.index, n.hash]), NODE_COLUMNS) || NO_NODES;
const NODE_COLUMNS = ['level', 'idx', 'hash'] as const;

const INSERT_ENTRIES = `INSERT INTO ledger_entries (idx, entry, leaf_hash, subject)`;
// The head's parameters are $1–$4 of the one write (appendIfHead), the leaves' columns $5–$8;
// rows that come along in the same statement number theirs from $9, and the subtrees'
// document, when the batch closes a stored one, comes last.
const ENTRY_PARAM = 5;
const FIRST_ROW_PARAM = ENTRY_PARAM + ENTRY_COLUMNS.length;
/** How the one write reads entriesArrays (parameters $5–$8). */
const ENTRIES_FROM = `SELECT x.idx, x.entry, x.leaf_hash, x.subject FROM unnest(${ENTRY_TYPES.map((t, c) => `$${ENTRY_PARAM + c}::${arrayCast(t)}`).join(', ')}) AS x(idx, entry, leaf_hash, subject)`;
const INSERT_NODES = `INSERT INTO ledger_nodes (level, idx, hash)`;
const nodesFrom = (param: number) => `SELECT x.level, x.idx, x.hash FROM json_populate_recordset(NULL::ledger_nodes, $${param}::json) AS x`;
/** What nodesDoc gives for a batch that closes no stored subtree (most: one in 2^NODE_STRIDE leaves closes one). */
const NO_NODES = '[]';

async function appendLocked(tx: Sql, leaves: readonly LedgerLeaf[], hashes: readonly Uint8Array[]): Promise<{ first: number; end: LogHead }> {
  const [row] = await tx.query<{ size: number; frontier: Uint8Array }>('SELECT size, frontier FROM ledger_head WHERE singleton FOR UPDATE');
  if (!row) throw new Error('ledger_head row is missing: migration 030-ledger did not run');
  const head: LogHead = { size: row.size, frontier: new Uint8Array(row.frontier) };
  if (leaves.length === 0) return { first: head.size, end: head };
  // Under the lock the head is the one just read: the expected-head write is the one write path.
  const done = await appendIfHead(tx, leaves, hashes, head, planAppend(head, hashes), undefined);
  if (!done) throw new Error('ledger_head changed while this transaction held its lock');
  return done;
}

const NO_ROWS: readonly string[] = [];

/**
 * The one write's text: the head's move, the leaves (when they are parameters), the subtrees'
 * CTE when the batch closes a stored one (its document the parameter `nodesParam`), and the
 * rows that come along. A handful of texts serve every batch; each is built once and the same
 * string is given for every batch of its shape, so the statement's name (postgres.ts) and pg's
 * check that a name keeps its text compare it by identity instead of hashing and comparing a
 * new string of a kilobyte or more per batch. Keyed by the rows' texts — the writers give the
 * same string objects for the same shape (decisions-repo.ts), so the look-up is by identity too.
 */
export function batchText(rows: readonly string[], withEntries: boolean, nodesParam: number): string {
  const key = rows.length === 1 ? rows[0]! : rows.join('\n');
  let texts = batchTexts.get(key);
  if (!texts) {
    if (batchTexts.size >= 64) batchTexts.clear();
    texts = new Map();
    batchTexts.set(key, texts);
  }
  const shape = 2 * nodesParam + (withEntries ? 1 : 0);
  let text = texts.get(shape);
  if (text === undefined) {
    const n = nodesParam ? `, n AS (${INSERT_NODES} ${nodesFrom(nodesParam)}, h)` : '';
    text = `WITH u AS (
       UPDATE ledger_head SET size = CASE WHEN size = $3 AND frontier = $4 THEN $1 ELSE size END,
                              frontier = CASE WHEN size = $3 AND frontier = $4 THEN $2 ELSE frontier END
       WHERE singleton RETURNING size = $1 AND frontier = $2 AS moved
     ), h AS (SELECT true FROM u WHERE u.moved)${n}${withEntries ? `, e AS (${INSERT_ENTRIES} ${ENTRIES_FROM}, h)` : ''}${rows.map((r, i) => `, r${i} AS (${r})`).join('')}
     SELECT count(*)::int AS moved FROM h`;
    texts.set(shape, text);
  }
  return text;
}
const batchTexts = new Map<string, Map<number, string>>();

/** The one write, onto the head `expected`: undefined (and nothing written) when it is not the head. */
async function appendIfHead(
  tx: Sql,
  leaves: readonly LedgerLeaf[],
  hashes: readonly Uint8Array[],
  expected: LogHead,
  { nodes, end }: Plan,
  bulk: BulkRows | undefined,
  withRows?: { rows: readonly string[]; params: readonly unknown[] },
): Promise<{ first: number; end: LogHead } | undefined> {
  if (leaves.length === 0) return undefined;
  const entries = copies(tx, leaves) ? undefined : entriesArrays(leaves, hashes, expected.size);
  if (withRows && !entries) throw new Error('a COPY append cannot take rows into its statement');
  // The batch's own rows, when they come along: more CTEs that read `h` like the entries do.
  // Every insert reads `h`, so none happens unless the head moved from exactly `expected`. The
  // head is compared as the UPDATE finds it — the row's latest version, locked, so after any
  // other writer's commit — not as this statement's snapshot saw it: a batch sent while the
  // previous one still holds the head waits for it and then goes on (READ COMMITTED re-reads
  // the updated row), instead of failing against the older row version. That is why the
  // comparison is in the SET, not the WHERE: a WHERE would be tested on the snapshot's version
  // first. A head that is not `expected` is written back unchanged and `moved` is false (it
  // cannot read true by accident: the new head pins the tree, so it equals the old one only if
  // these very leaves were already appended there, and their indexes would then collide).
  // One UPDATE instead of a `SELECT … FOR UPDATE` beside it: no separate row lock (and its WAL
  // record) and one plan node less per batch.
  // The frontiers as they are (Uint8Array): both engines send a view's bytes as binary (pg makes a
  // Buffer view of it, PGlite's wire and the worker's message copy them), and neither is changed
  // once made — a Buffer.from copy of each was two allocations and two copies per batch.
  const params: unknown[] = [end.size, end.frontier, expected.size, expected.frontier];
  if (entries) for (let i = 0; i < entries.length; i++) params.push(entries[i]);
  if (withRows) for (let i = 0; i < withRows.params.length; i++) params.push(withRows.params[i]);
  // The subtrees' CTE only when the batch closes a stored one: an empty insert still costs its
  // plan nodes, its function scan and the table's indexes opened, on every batch.
  const withNodes = nodes !== NO_NODES;
  if (withNodes) params.push(nodes);
  const [r] = await tx.query<{ moved: number }>(
    batchText(withRows?.rows ?? NO_ROWS, entries !== undefined, withNodes ? params.length : 0),
    params,
    // A handful of texts (which kinds ride along, whether subtrees close), run for every batch.
    { prepare: true },
  );
  if (r!.moved !== 1) return undefined;
  // The head row is now locked by this transaction: the leaves can follow.
  if (!entries) await tx.insertBulk(bulk ?? (await encodeLeaves(leaves, hashes, expected.size)));
  return { first: expected.size, end };
}

/** Subject pseudonyms as src/core/crypto/pseudonym.ts makes them. */
const PSEUDONYM = /^sp_[A-Za-z0-9_-]{10,64}$/;

/**
 * The subject pseudonym an entry is about: its `subject` field (consent events, release
 * decisions), or an admin action's `target` when that is a pseudonym (subject created, erased).
 * Indexed so `/v1/subjects/:id/ledger` is one range scan.
 */
export function subjectOf(entry: Readonly<Record<string, unknown>>): string | null {
  const { subject, target } = entry;
  if (typeof subject === 'string' && subject.length > 0 && subject.length <= MAX_SUBJECT) return subject;
  return typeof target === 'string' && PSEUDONYM.test(target) ? target : null;
}
