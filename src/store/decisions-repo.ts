import { encodeJsonRows, jsonRowsIfHeadMoved, type CopyValue } from './bulk-rows.ts';
import { binaryColumns, ELEMENT_OID, encodeBinaryRecordArrayOf } from './binary-arrays.ts';
import { binaryCopies, encodeBinarySliced, encodeBulkSliced } from './bulk-slices.ts';
import type { BinaryType } from './copy-binary.ts';
import { entryJsonb, entryText, isoTime } from './decision-json.ts';
import { insertTraces, TraceIds, unstored, type Trace } from './decision-traces.ts';
import type { BatchRows, Journal, PreparedWriter } from './journal.ts';
import { REUSE, type Sql } from './sql.ts';

/**
 * Release decisions, as the journal stores them: one row per decision (allow or deny), written
 * in the same group-commit transaction as its transparency-log leaf, holding only what the leaf
 * does not (migration 222). Tokens issued by an allowed release ride along in the same batch so
 * they exist if and only if the decision does.
 */
export const DECISION_KIND = 'release_decision';

export interface DecisionItem {
  readonly category: string;
  readonly form: string;
}

export interface IssuedToken {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  readonly hash: string;
  readonly category: string;
  readonly subject: string;
  readonly declarationId: string;
  readonly expiresAt: number | null;
}

export interface DecisionRow {
  readonly id: string;
  readonly recipient: string;
  readonly subjectPseudonym: string;
  readonly purpose: string;
  /** As asked; null = "everything the declaration allows". */
  readonly requested: readonly string[] | null;
  readonly released: readonly DecisionItem[];
  readonly allow: boolean;
  readonly code: string | null;
  readonly article: string | null;
  readonly basis: string | null;
  readonly declarationId: string | null;
  readonly trace: ReadonlyArray<{ check: string; ok: boolean; detail: string; article?: string }>;
  readonly registryHash: string;
  readonly noticeHash: string | null;
  readonly consentEventId: string | null;
  readonly orderRef: string | null;
  readonly retentionUntil: number | null;
  readonly at: number;
  /** For a token redemption: the decision that issued the token. */
  readonly viaDecision: string | null;
  readonly tokens: readonly IssuedToken[];
}

/**
 * What the ledger entry lacks (trace_id, order_ref) and what queries find decisions by without
 * reading entries (id, leaf_index, recipient, allow, retention_until, decided_at, handed_over: at
 * least one item released; code, article and denied_subject, which the deny statistics group and
 * count on, migration 223: NULL for an allow); the rest of a decision is its entry's, read back
 * through release_decision_records (migration 222).
 */
const DECISION_COLUMNS = ['id', 'leaf_index', 'recipient', 'allow', 'trace_id', 'order_ref', 'retention_until', 'decided_at', 'handed_over', 'code', 'article', 'denied_subject'] as const;

/**
 * One bulk insert per batch for decisions, one for the tokens they issued, and one for the
 * traces not stored yet (decision-traces.ts). The decisions are encoded in `prepare`, before the
 * batch holds the ledger head (see Journal). One writer per journal: what it knows stored is
 * about that journal's database, and learnt from its commits (`committed`).
 */
export function decisionWriter(): PreparedWriter<DecisionRow> & { committed(rows: readonly unknown[]): void } {
  const traces = new TraceIds();
  // Rows whose trace was sent with their batch: once that batch commits, the trace is stored.
  const sent = new WeakMap<object, Trace>();
  const tracesOf = (rows: BatchRows<DecisionRow>) => {
    const all = rows.map(({ row }) => traces.of(row.trace));
    const fresh = unstored(all);
    if (fresh.length > 0) rows.forEach(({ row }, i) => !all[i]!.stored && sent.set(row, all[i]!));
    return { all, fresh };
  };
  // The table's row type, once a batch's transaction has read it (see rowTypeOf): until then,
  // and for good if the table is not the one this writer knows, a batch goes column by column.
  let rowType: RowType | null | undefined;
  // The INSERT of the rows as one array, by the parameter it reads: the same string for every
  // batch of a shape, which the journal's statement text is looked up by (ledger-appender.ts batchText).
  const inserts = new Map<string, string>();
  const recordsInsert = (type: RowType, array: string): string => {
    let text = inserts.get(array);
    if (text === undefined) {
      text = `INSERT INTO release_decisions (${type.columns}) SELECT x.* FROM unnest(${array}::release_decisions[]) AS x, h`;
      inserts.set(array, text);
    }
    return text;
  };
  return {
    async prepare(sql, rows) {
      const { all, fresh } = tracesOf(rows);
      const batched = rows.map((b, i) => ({ ...b, traceId: all[i]!.id }));
      const decisions = binaryCopies(sql, rows.length)
        ? await encodeBinarySliced('release_decisions', DECISION_COLUMNS, DECISION_TYPES, batched, binaryValues)
        : await encodeBulkSliced(sql, 'release_decisions', DECISION_COLUMNS, batched, decisionValues);
      return async (tx) => {
        // In the transaction, not before it: on PGlite a statement outside the open transaction
        // would wait for it to end. The first decision batch of a writer comes this way
        // (`statements` declines until the row type is known).
        if (rowType === undefined) rowType = await rowTypeOf(tx);
        if (fresh.length > 0) {
          const params: Buffer[] = [];
          await tx.query(insertTraces(fresh, (v) => `$${params.push(v)}`), params);
        }
        if (decisions) await tx.insertBulk(decisions);
        await writeTokens(tx, rows);
      };
    },
    statements(rows, param) {
      // The row type is learnt inside a batch's transaction (`prepare`). A server's first batch
      // is often something else (a consent, a subject), after which every batch can go as one
      // statement and `prepare` would never run again: the rows then went as twenty column
      // arrays for the process's life (seen in the bench server's heap profile, 2026-12-06).
      // One decision batch goes the transactional way instead, and the rest as one array.
      if (rowType === undefined) return undefined;
      const { all, fresh } = tracesOf(rows);
      // Binary, not a JSON document: on PGlite, where every batch is one statement, parsing the
      // rows out of JSON cost more than inserting them. One array of the table's row type when
      // it is known (one function scan for the batch), else one array per column. Each row's
      // values straight from the batch entry and its trace id, written into one reused array
      // (no merged copy of the entry, and no values array, per row).
      const out = [
        rowType
          ? recordsInsert(rowType, param(encodeBinaryRecordArrayOf(rowType.oid, rows.length, (i, into) => valuesInto(into, rows[i]!.row, rows[i]!.leafIndex, all[i]!.id, epochMs), DECISION_TYPES, rowType.order)))
          : `INSERT INTO release_decisions (${DECISION_COLUMNS.join(', ')}) SELECT x.* FROM ${binaryColumns(
              rows.map((b, i) => values(b.row, b.leafIndex, all[i]!.id, epochMs)),
              DECISION_TYPES,
              param,
            )} AS x(${DECISION_COLUMNS.join(', ')}), h`,
      ];
      if (fresh.length > 0) out.push(insertTraces(fresh, param, ', h'));
      const tokens = tokenValues(rows);
      if (tokens.length > 0) out.push(jsonRowsIfHeadMoved('release_tokens', TOKEN_COLUMNS, param(encodeJsonRows(tokens, TOKEN_COLUMNS))));
      return out;
    },
    committed(rows) {
      for (const row of rows) {
        const t = sent.get(row as object);
        if (t) t.stored = true;
      }
    },
  };
}

/** release_decisions' row type as this database has it, for encodeBinaryRecordArray. */
interface RowType {
  readonly oid: number;
  /** DECISION_COLUMNS indexes in the table's attribute order, and those columns' names. */
  readonly order: readonly number[];
  readonly columns: string;
}

/**
 * The row type of release_decisions (in the search path, as the INSERT resolves it), or null
 * when its columns are not exactly DECISION_COLUMNS with DECISION_TYPES (a migration changed the
 * table and this writer was not changed with it): then batches keep the column-by-column form.
 */
async function rowTypeOf(tx: Sql): Promise<RowType | null> {
  const attrs = await tx.query<{ oid: number | string; name: string; type: number | string }>(
    `SELECT c.reltype::int8 AS oid, a.attname AS name, a.atttypid::int8 AS type
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.oid = 'release_decisions'::regclass AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
  );
  const order = attrs.map((a) => DECISION_COLUMNS.indexOf(a.name as (typeof DECISION_COLUMNS)[number]));
  const same = attrs.length === DECISION_COLUMNS.length && order.every((i, k) => i >= 0 && ELEMENT_OID[DECISION_TYPES[i]!] === Number(attrs[k]!.type));
  return same ? { oid: Number(attrs[0]!.oid), order, columns: order.map((i) => DECISION_COLUMNS[i]).join(', ') } : null;
}

/** Column types for COPY in binary form (copy-binary.ts), in DECISION_COLUMNS order. */
const DECISION_TYPES: readonly BinaryType[] = ['text', 'int8', 'text', 'bool', 'bytea', 'text', 'timestamptz', 'timestamptz', 'bool', 'text', 'text', 'text'];

type Batched = { row: DecisionRow; leafIndex: number; traceId: Buffer };

/** Values for text forms (COPY text, JSON documents): times as ISO strings. */
const decisionValues = (b: Batched): CopyValue[] => values(b.row, b.leafIndex, b.traceId, isoTime);
/** Values for COPY in binary form: times as epoch milliseconds. */
const binaryValues = (b: Batched): CopyValue[] => values(b.row, b.leafIndex, b.traceId, epochMs);
const epochMs = (ms: number): CopyValue => ms;

const values = (r: DecisionRow, leafIndex: number, traceId: Buffer, time: (ms: number) => CopyValue): CopyValue[] => valuesInto([], r, leafIndex, traceId, time);

/** A decision's values in DECISION_COLUMNS order, written into `out` (which is returned). */
function valuesInto(out: CopyValue[], r: DecisionRow, leafIndex: number, traceId: Buffer, time: (ms: number) => CopyValue): CopyValue[] {
  out[0] = r.id;
  out[1] = leafIndex;
  out[2] = r.recipient;
  out[3] = r.allow;
  out[4] = traceId;
  out[5] = r.orderRef;
  out[6] = r.retentionUntil === null ? null : time(r.retentionUntil);
  out[7] = time(r.at);
  out[8] = r.released.length > 0;
  out[9] = r.code;
  out[10] = r.article;
  out[11] = r.allow ? null : r.subjectPseudonym;
  if (out.length !== DECISION_COLUMNS.length) throw new Error(`decision values: ${out.length} for ${DECISION_COLUMNS.length} columns`);
  return out;
}

const TOKEN_COLUMNS = ['token_hash', 'recipient', 'subject', 'category', 'declaration_id', 'decision_id', 'issued_at', 'expires_at'] as const;

async function writeTokens(tx: Sql, rows: BatchRows<DecisionRow>): Promise<void> {
  await tx.copyInto('release_tokens', TOKEN_COLUMNS, tokenValues(rows));
}

/** The batch's tokens as rows; a loop rather than `flatMap`, which made an empty array per decision that issued none (most). */
function tokenValues(rows: BatchRows<DecisionRow>): CopyValue[][] {
  const out: CopyValue[][] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!.row;
    for (let k = 0; k < r.tokens.length; k++) {
      const t = r.tokens[k]!;
      out.push([Buffer.from(t.hash, 'hex'), r.recipient, t.subject, t.category, t.declarationId, r.id, isoTime(r.at), t.expiresAt === null ? null : isoTime(t.expiresAt)]);
    }
  }
  return out;
}

/** Registers a writer once per journal. */
export function registerDecisionWriter(journal: Journal): void {
  const writer = decisionWriter();
  journal.register<DecisionRow>(DECISION_KIND, writer);
  journal.onCommitted((batch) => {
    const rows: unknown[] = [];
    for (let i = 0; i < batch.length; i++) if (batch[i]!.kind === DECISION_KIND) rows.push(batch[i]!.row);
    writer.committed(rows);
  });
}

/** A stored decision as read back (audits, access requests, tests). */
export interface StoredDecision {
  id: string;
  leaf_index: number;
  recipient: string;
  subject_pseudonym: string;
  purpose: string;
  requested: string[] | null;
  released: DecisionItem[];
  allow: boolean;
  code: string | null;
  article: string | null;
  basis: string | null;
  declaration_id: string | null;
  trace: DecisionRow['trace'];
  registry_hash: string;
  notice_hash: string | null;
  consent_event_id: string | null;
  order_ref: string | null;
  retention_until: Date | null;
  decided_at: Date;
  via_decision: string | null;
}


/** A decision's row as the readers select it, with its ledger entry's text. */
interface RecordRow {
  id: string;
  leaf_index: number;
  recipient: string;
  allow: boolean;
  code: string | null;
  article: string | null;
  order_ref: string | null;
  retention_until: Date | null;
  decided_at: Date;
  entry: string;
}

export class DecisionsRepo {
  constructor(private readonly sql: Sql) {}

  /**
   * The record as `release_decision_records` gives it, with its trace joined back (migration
   * 221): the row's columns and the entry's text in one statement, the entry parsed here once
   * (decision-json.ts) rather than by the view's `json_to_record`. Kept parsed (REUSE): parsing and
   * planning the join cost more than running it (PostgreSQL ~0.1–0.3 ms of a ~0.4 ms `get`, PGlite
   * ~0.4 of ~0.6 ms; docs/release-history.md, "The read side after 223").
   */
  async get(id: string): Promise<StoredDecision | undefined> {
    const [r] = await this.sql.query<RecordRow & { trace: StoredDecision['trace'] }>(
      `SELECT d.id, d.leaf_index, d.recipient, d.allow, d.code, d.article, t.trace, d.order_ref, d.retention_until, d.decided_at,
              convert_from(e.entry, 'UTF8') AS entry
         FROM release_decisions d JOIN ledger_entries e ON e.idx = d.leaf_index LEFT JOIN decision_traces t ON t.id = d.trace_id
        WHERE d.id = $1`,
      [id],
      REUSE,
    );
    if (r === undefined) return undefined;
    const x = JSON.parse(r.entry) as Record<string, unknown>;
    // The view's columns, in its order.
    return {
      id: r.id,
      leaf_index: r.leaf_index,
      recipient: r.recipient,
      subject_pseudonym: entryText(x, 'subject')!,
      purpose: entryText(x, 'purpose')!,
      requested: entryJsonb(x, 'requested') as string[] | null,
      released: entryJsonb(x, 'released') as DecisionItem[],
      allow: r.allow,
      code: r.code,
      article: r.article,
      basis: entryText(x, 'basis'),
      declaration_id: entryText(x, 'declaration'),
      trace: r.trace,
      registry_hash: entryText(x, 'registry_hash')!,
      notice_hash: entryText(x, 'notice_hash'),
      consent_event_id: entryText(x, 'consent_event_id'),
      order_ref: r.order_ref,
      retention_until: r.retention_until,
      decided_at: r.decided_at,
      via_decision: entryText(x, 'via_decision'),
    };
  }

  async count(): Promise<number> {
    const [r] = await this.sql.query<{ n: number }>('SELECT count(*)::int8 AS n FROM release_decisions');
    return r!.n;
  }
}
