import { notifyOnCommit } from './notify-on-commit.ts';
import type { ConsentEvent } from '../core/consent/events.ts';
import type { PlannedEvent } from '../core/consent/plan.ts';
import type { ObjectionRow, StateRow } from '../core/consent/projection.ts';
import type { UnsignedReceipt } from '../core/consent/receipt.ts';
import { expandJson, partIdsIn, type CompactText } from '../core/consent/receipt-parts.ts';
import type { BatchWriter } from './journal.ts';
import type { Sql } from './sql.ts';

/**
 * Storage of the consent ledger: events (append-only), the SQL current state, objections and
 * receipt bodies. Writes happen only inside a journal batch (`consentBatchWriter`); everything
 * else here reads.
 */
export const CONSENT_KIND = 'consent_event';
/** NOTIFY channel prefix; the schema name completes it, so test schemas never hear each other. */
export const CONSENT_CHANNEL_PREFIX = 'cg_consent_';

/** One consent request as the journal carries it: all its events commit together or not at all. */
export interface ConsentBatchRow {
  readonly receiptId: string;
  readonly subjectId: string;
  readonly events: readonly PlannedEvent[];
  /**
   * The receipt body without its `ledger` member (known only when the batch is cut), with its
   * shared parts as references (receipt-parts.ts): stored once in consent_receipt_parts.
   */
  readonly receipt: CompactText;
}

/** Batch rows flattened to events with their log order. */
export function eventsOf(rows: ReadonlyArray<{ row: ConsentBatchRow; leafIndex: number }>): ConsentEvent[] {
  return rows.flatMap(({ row, leafIndex }) => row.events.map((e, pos) => ({ ...e, receiptId: row.receiptId, leafIndex, pos })));
}

const EVENT_COLS = `event_id text, leaf_index int8, pos int4, receipt_id text, subject_id text, action text,
  declaration_id text, purpose_id text, recipient_id text, notice_hash text, collection_point text,
  items jsonb, expires_at int8, at int8, channel text, actor text, evidence jsonb, fingerprint text, withdraw_all boolean`;

const toRecord = (e: ConsentEvent) => ({
  event_id: e.eventId,
  leaf_index: e.leafIndex,
  pos: e.pos,
  receipt_id: e.receiptId,
  subject_id: e.subjectId,
  action: e.action,
  declaration_id: e.declarationId,
  purpose_id: e.purposeId,
  recipient_id: e.recipientId,
  notice_hash: e.noticeHash,
  collection_point: e.collectionPoint,
  items: e.items,
  expires_at: e.expiresAt,
  at: e.at,
  channel: e.channel,
  actor: e.actor,
  evidence: e.evidence,
  fingerprint: e.fingerprint ?? null,
  withdraw_all: e.withdrawAll === true ? true : null,
});

/**
 * Writes a journal batch: the events (one statement), then the SQL state and objections from
 * the events that were actually inserted — an event id another server stored first is skipped
 * rather than failing everyone's batch — and the receipt bodies.
 */
export const consentBatchWriter: BatchWriter<ConsentBatchRow> = async (tx, rows) => {
  const events = eventsOf(rows);
  const inserted = await tx.query<{ event_id: string }>(
    `INSERT INTO consent_events SELECT * FROM json_to_recordset($1::json) AS x(${EVENT_COLS})
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [JSON.stringify(events.map(toRecord))],
  );
  // Delivered at commit and only if the batch commits: other servers then read these events.
  // The payload is the batch's last consent leaf; a listener that has applied every leaf up to
  // it (its own batch, or one it read already) skips the read (ConsentService.onNotify).
  await notifyOnCommit(tx, CONSENT_CHANNEL_PREFIX, String(rows[rows.length - 1]?.leafIndex ?? -1));
  const ok = new Set(inserted.map((r) => r.event_id));
  const stored = events.filter((e) => ok.has(e.eventId));
  await upsertState(tx, stored);
  await insertReceipts(tx, rows);
};

/**
 * Receipt bodies, compact, with the parts they refer to (content-addressed: a part already
 * stored is skipped). One statement; the documents are JSON text built here, so the bodies
 * are copied in as written rather than walked by JSON.stringify again.
 */
async function insertReceipts(tx: Sql, rows: ReadonlyArray<{ row: ConsentBatchRow; leafIndex: number }>): Promise<void> {
  const parts = new Map<string, string>();
  let receipts = '';
  for (const { row, leafIndex } of rows) {
    for (const [id, text] of row.receipt.parts) parts.set(id, text);
    const rest = row.receipt.text;
    // `{ ...body, ledger }`, as the grant answered it.
    const body = `${rest === '{}' ? '{' : rest.slice(0, -1) + ','}"ledger":{"leafIndex":${leafIndex}}}`;
    receipts += `${receipts === '' ? '[' : ','}{"receipt_id":${JSON.stringify(row.receiptId)},"subject_id":${JSON.stringify(row.subjectId)},"leaf_index":${leafIndex},"body":${body}}`;
  }
  if (receipts === '') return;
  const partsDoc = JSON.stringify([...parts].map(([id, body]) => ({ id, body })));
  await tx.query(
    `WITH p AS (
       INSERT INTO consent_receipt_parts (id, body) SELECT id, body FROM json_to_recordset($2::json) AS x(id text, body text)
       ON CONFLICT (id) DO NOTHING
     )
     INSERT INTO consent_receipts (receipt_id, subject_id, leaf_index, body)
     SELECT receipt_id, subject_id, leaf_index, body::text
     FROM json_to_recordset($1::json) AS x(receipt_id text, subject_id text, leaf_index int8, body json)
     ON CONFLICT (receipt_id) DO NOTHING`,
    [receipts + ']', partsDoc],
  );
}

/** Latest event per key within the batch (one statement may not update a row twice), then upsert "if later". */
async function upsertState(tx: Sql, events: readonly ConsentEvent[]): Promise<void> {
  const state = new Map<string, ConsentEvent>();
  const objections = new Map<string, ConsentEvent>();
  for (const e of events) {
    if (e.declarationId !== null && e.action !== 'object') state.set(`${e.subjectId}\u0000${e.declarationId}\u0000${e.recipientId ?? ''}`, e);
    if (e.action !== 'withdraw') objections.set(`${e.subjectId}\u0000${e.purposeId}`, e);
  }
  if (state.size > 0) {
    await tx.query(
      `INSERT INTO consent_state (subject_id, declaration_id, scope, action, event_id, purpose_id, notice_hash, items, expires_at, at, leaf_index, pos, fingerprint)
       SELECT * FROM json_to_recordset($1::json) AS x(subject_id text, declaration_id text, scope text, action text, event_id text,
         purpose_id text, notice_hash text, items jsonb, expires_at int8, at int8, leaf_index int8, pos int4, fingerprint text)
       ON CONFLICT (subject_id, declaration_id, scope) DO UPDATE SET
         action = EXCLUDED.action, event_id = EXCLUDED.event_id, purpose_id = EXCLUDED.purpose_id, notice_hash = EXCLUDED.notice_hash,
         items = EXCLUDED.items, expires_at = EXCLUDED.expires_at, at = EXCLUDED.at, leaf_index = EXCLUDED.leaf_index, pos = EXCLUDED.pos,
         fingerprint = EXCLUDED.fingerprint
       WHERE (consent_state.leaf_index, consent_state.pos) < (EXCLUDED.leaf_index, EXCLUDED.pos)`,
      [
        JSON.stringify(
          [...state.values()].map((e) => ({
            subject_id: e.subjectId,
            declaration_id: e.declarationId,
            scope: e.recipientId ?? '',
            action: e.action,
            event_id: e.eventId,
            purpose_id: e.purposeId,
            notice_hash: e.noticeHash,
            items: e.items,
            expires_at: e.expiresAt,
            at: e.at,
            leaf_index: e.leafIndex,
            pos: e.pos,
            fingerprint: e.fingerprint ?? null,
          })),
        ),
      ],
    );
  }
  if (objections.size > 0) {
    await tx.query(
      `INSERT INTO consent_objections (subject_id, purpose_id, objected, event_id, leaf_index, pos)
       SELECT * FROM json_to_recordset($1::json) AS x(subject_id text, purpose_id text, objected boolean, event_id text, leaf_index int8, pos int4)
       ON CONFLICT (subject_id, purpose_id) DO UPDATE SET
         objected = EXCLUDED.objected, event_id = EXCLUDED.event_id, leaf_index = EXCLUDED.leaf_index, pos = EXCLUDED.pos
       WHERE (consent_objections.leaf_index, consent_objections.pos) < (EXCLUDED.leaf_index, EXCLUDED.pos)`,
      [
        JSON.stringify(
          [...objections.values()].map((e) => ({
            subject_id: e.subjectId,
            purpose_id: e.purposeId,
            objected: e.action === 'object',
            event_id: e.eventId,
            leaf_index: e.leafIndex,
            pos: e.pos,
          })),
        ),
      ],
    );
  }
}

interface EventRecord {
  event_id: string;
  leaf_index: number;
  pos: number;
  receipt_id: string;
  subject_id: string;
  action: ConsentEvent['action'];
  declaration_id: string | null;
  purpose_id: string;
  recipient_id: string | null;
  notice_hash: string | null;
  collection_point: string | null;
  items: string[];
  expires_at: number | null;
  at: number;
  channel: string;
  actor: ConsentEvent['actor'];
  evidence: Record<string, string>;
  fingerprint: string | null;
  withdraw_all: boolean | null;
}

const fromRecord = (r: EventRecord): ConsentEvent => ({
  eventId: r.event_id,
  leafIndex: Number(r.leaf_index),
  pos: r.pos,
  receiptId: r.receipt_id,
  subjectId: r.subject_id,
  action: r.action,
  declarationId: r.declaration_id,
  purposeId: r.purpose_id,
  recipientId: r.recipient_id,
  noticeHash: r.notice_hash,
  collectionPoint: r.collection_point,
  items: r.items,
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  at: Number(r.at),
  channel: r.channel,
  actor: r.actor,
  evidence: r.evidence,
  ...(r.fingerprint != null ? { fingerprint: r.fingerprint } : {}),
  ...(r.withdraw_all === true ? { withdrawAll: true } : {}),
});

/** Receipt parts kept in memory per repository: a registry has a few dozen. */
const MAX_CACHED_PARTS = 10_000;

export class ConsentRepo {
  private readonly parts = new Map<string, string>();

  constructor(private readonly sql: Sql) {}

  /** Events after a leaf, in log order: the start-up rebuild (-1) and every catch-up. */
  async eventsAfter(leafIndex: number, limit = 50_000, before?: number): Promise<ConsentEvent[]> {
    const rows = await this.sql.query<EventRecord>(
      before === undefined
        ? 'SELECT * FROM consent_events WHERE leaf_index > $1 ORDER BY leaf_index, pos LIMIT $2'
        : 'SELECT * FROM consent_events WHERE leaf_index > $1 AND leaf_index < $3 ORDER BY leaf_index, pos LIMIT $2',
      before === undefined ? [leafIndex, limit] : [leafIndex, limit, before],
    );
    return rows.map(fromRecord);
  }

  /** A subject's events, newest first, paged by leaf index. */
  async history(subjectId: string, limit: number, beforeLeaf?: number): Promise<ConsentEvent[]> {
    const rows = await this.sql.query<EventRecord>(
      `SELECT * FROM consent_events WHERE subject_id = $1 AND ($2::int8 IS NULL OR leaf_index < $2)
       ORDER BY leaf_index DESC, pos DESC LIMIT $3`,
      [subjectId, beforeLeaf ?? null, limit],
    );
    return rows.map(fromRecord);
  }

  async eventsByIds(ids: readonly string[]): Promise<ConsentEvent[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<EventRecord>('SELECT * FROM consent_events WHERE event_id = ANY($1::text[])', [[...ids]]);
    return rows.map(fromRecord);
  }

  /** The events one request (receipt) recorded, in order. */
  async eventsOfReceipt(receiptId: string): Promise<ConsentEvent[]> {
    const rows = await this.sql.query<EventRecord>('SELECT * FROM consent_events WHERE receipt_id = $1 ORDER BY leaf_index, pos', [receiptId]);
    return rows.map(fromRecord);
  }

  async receipt(receiptId: string): Promise<{ subjectId: string; body: UnsignedReceipt } | undefined> {
    const [row] = await this.sql.query<{ subject_id: string; body: string }>(
      'SELECT subject_id, body FROM consent_receipts WHERE receipt_id = $1',
      [receiptId],
    );
    if (!row) return undefined;
    const missing = partIdsIn(row.body).filter((id) => !this.parts.has(id));
    const fetched = new Map<string, string>();
    if (missing.length > 0) {
      for (const p of await this.sql.query<{ id: string; body: string }>('SELECT id, body FROM consent_receipt_parts WHERE id = ANY($1::text[])', [missing])) {
        fetched.set(p.id, p.body);
        // Parts are immutable and content-addressed (expandJson checks the address): safe to keep.
        if (this.parts.size < MAX_CACHED_PARTS) this.parts.set(p.id, p.body);
      }
    }
    return { subjectId: row.subject_id, body: expandJson<UnsignedReceipt>(row.body, (id) => this.parts.get(id) ?? fetched.get(id)) };
  }

  async stateRows(): Promise<StateRow[]> {
    const rows = await this.sql.query<Record<string, unknown>>('SELECT * FROM consent_state ORDER BY subject_id, declaration_id, scope');
    return rows.map((r) => ({
      subjectId: r.subject_id as string,
      declarationId: r.declaration_id as string,
      scope: r.scope as string,
      action: r.action as StateRow['action'],
      eventId: r.event_id as string,
      purposeId: r.purpose_id as string,
      noticeHash: r.notice_hash as string | null,
      items: r.items as string[],
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      at: Number(r.at),
      leafIndex: Number(r.leaf_index),
      pos: r.pos as number,
      fingerprint: (r.fingerprint as string | null) ?? null,
    }));
  }

  async objectionRows(): Promise<ObjectionRow[]> {
    const rows = await this.sql.query<Record<string, unknown>>('SELECT * FROM consent_objections ORDER BY subject_id, purpose_id');
    return rows.map((r) => ({
      subjectId: r.subject_id as string,
      purposeId: r.purpose_id as string,
      objected: r.objected as boolean,
      eventId: r.event_id as string,
      leafIndex: Number(r.leaf_index),
      pos: r.pos as number,
    }));
  }
}
