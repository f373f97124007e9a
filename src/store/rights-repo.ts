import type { RightsRequest, RightsState } from '../core/rights/request.ts';
import type { BatchWriter } from './journal.ts';
import { insertOutboxMessages, notifyOutbox, type OutboxRow } from './outbox-repo.ts';
import type { Sql } from './sql.ts';
import { insertRightsNotices, type StoredRightsNotice } from './rights-notices-repo.ts';

/**
 * Data-subject requests and recipient deletion requests (migration 040). Every change is a
 * journal record: the row, its outbox messages (webhooks, events) and its transparency-log leaf
 * commit in one transaction, so a deletion request exists exactly when it is logged and queued.
 */
export const RIGHTS_REQUEST_KIND = 'rights_request';
export const DELETION_REQUEST_KIND = 'deletion_request';
export const DELETION_CONFIRMED_KIND = 'deletion_confirmed';
export const DELETION_ESCALATED_KIND = 'deletion_escalated';

export type DeletionCause = 'withdrawal' | 'objection' | 'erasure' | 'suspension' | 'retention_end';
export type DeletionState = 'requested' | 'confirmed' | 'escalated';

/** Messages that ride along with a journal record (enqueued in its transaction). */
export interface WithOutbox {
  readonly outbox: readonly OutboxRow[];
}

export interface DeletionRequest {
  readonly id: string;
  readonly recipientId: string;
  readonly subject: string;
  readonly cause: DeletionCause;
  /** What ended the basis: `consent:<event id>`, `rr:<rights request id>`, `retention:<decision id>`. */
  readonly causeRef: string;
  readonly rightsRequest: string | null;
  /** The release decisions whose data the recipient must delete. */
  readonly decisions: readonly string[];
  readonly declarations: readonly string[];
  readonly items: readonly string[];
  readonly outboxId: string | null;
  readonly state: DeletionState;
  readonly createdAt: number;
  readonly escalateAt: number;
  readonly escalatedAt: number | null;
  readonly confirmedAt: number | null;
  readonly confirmedBy: string | null;
  readonly leafIndex: number;
}

export type NewDeletionRequest = Omit<DeletionRequest, 'state' | 'escalatedAt' | 'confirmedAt' | 'confirmedBy' | 'leafIndex'> & WithOutbox;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const ms = (v: Date | string | null) => (v === null ? null : new Date(v).getTime());

async function enqueueAll(tx: Sql, rows: ReadonlyArray<{ row: WithOutbox }>): Promise<void> {
  const outbox = rows.flatMap((r) => r.row.outbox);
  if (outbox.length === 0) return;
  await insertOutboxMessages(tx, outbox);
  await notifyOutbox(tx);
}

/** Upserts request documents; within one batch the last version of a request wins. */
export const writeRightsRequests: BatchWriter<{ request: RightsRequest; at: number; notice?: StoredRightsNotice } & WithOutbox> = async (tx, rows) => {
  const latest = new Map<string, { request: RightsRequest; at: number }>();
  for (const { row } of rows) latest.set(row.request.id, row);
  const docs = [...latest.values()].map(({ request: r, at }) => ({
    id: r.id,
    type: r.type,
    subject: r.subject,
    jurisdiction: r.jurisdiction,
    state: r.state,
    received_at: iso(r.receivedAt),
    due_before: iso(r.deadline.dueBefore),
    document: r,
    updated_at: iso(at),
  }));
  await tx.query(
    `INSERT INTO rights_requests (id, type, subject, jurisdiction, state, received_at, due_before, document, updated_at)
     SELECT id, type, subject, jurisdiction, state, received_at, due_before, document, updated_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, subject text, jurisdiction text, state text,
            received_at timestamptz, due_before timestamptz, document jsonb, updated_at timestamptz)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, due_before = EXCLUDED.due_before,
            document = EXCLUDED.document, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify(docs)],
  );
  // Every step's notice to the subject, including those of versions superseded within the batch.
  await insertRightsNotices(tx, rows.flatMap(({ row }) => (row.notice ? [row.notice] : [])));
  await enqueueAll(tx, rows);
};

export const writeDeletionRequests: BatchWriter<NewDeletionRequest> = async (tx, rows) => {
  const docs = rows.map(({ row: d, leafIndex }) => ({
    id: d.id,
    recipient_id: d.recipientId,
    subject: d.subject,
    cause: d.cause,
    cause_ref: d.causeRef,
    rights_request: d.rightsRequest,
    decisions: d.decisions,
    declarations: d.declarations,
    items: d.items,
    outbox_id: d.outboxId,
    created_at: iso(d.createdAt),
    escalate_at: iso(d.escalateAt),
    leaf_index: leafIndex,
  }));
  await tx.query(
    `INSERT INTO deletion_requests (id, recipient_id, subject, cause, cause_ref, rights_request, decisions, declarations, items, outbox_id, created_at, escalate_at, leaf_index)
     SELECT id, recipient_id, subject, cause, cause_ref, rights_request, decisions, declarations, items, outbox_id, created_at, escalate_at, leaf_index
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, recipient_id text, subject text, cause text, cause_ref text, rights_request text,
            decisions jsonb, declarations jsonb, items jsonb, outbox_id text, created_at timestamptz, escalate_at timestamptz, leaf_index int8)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(docs)],
  );
  await enqueueAll(tx, rows);
};

export interface DeletionConfirmation {
  readonly id: string;
  readonly at: number;
  readonly by: string;
}

/** Confirmation wins over escalation; a second confirmation changes nothing. */
export const writeDeletionConfirmations: BatchWriter<DeletionConfirmation & WithOutbox> = async (tx, rows) => {
  await tx.query(
    `UPDATE deletion_requests d SET state = 'confirmed', confirmed_at = x.at, confirmed_by = x.by
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, at timestamptz, by text)
      WHERE d.id = x.id AND d.state <> 'confirmed'`,
    [JSON.stringify(rows.map(({ row }) => ({ id: row.id, at: iso(row.at), by: row.by })))],
  );
  await enqueueAll(tx, rows);
};

export const writeDeletionEscalations: BatchWriter<{ id: string; at: number } & WithOutbox> = async (tx, rows) => {
  await tx.query(
    `UPDATE deletion_requests d SET state = 'escalated', escalated_at = x.at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, at timestamptz)
      WHERE d.id = x.id AND d.state = 'requested'`,
    [JSON.stringify(rows.map(({ row }) => ({ id: row.id, at: iso(row.at) })))],
  );
  await enqueueAll(tx, rows);
};

interface DeletionDbRow {
  id: string;
  recipient_id: string;
  subject: string;
  cause: DeletionCause;
  cause_ref: string;
  rights_request: string | null;
  decisions: string[];
  declarations: string[];
  items: string[];
  outbox_id: string | null;
  state: DeletionState;
  created_at: Date;
  escalate_at: Date;
  escalated_at: Date | null;
  confirmed_at: Date | null;
  confirmed_by: string | null;
  leaf_index: number;
}

function toDeletion(r: DeletionDbRow): DeletionRequest {
  return {
    id: r.id,
    recipientId: r.recipient_id,
    subject: r.subject,
    cause: r.cause,
    causeRef: r.cause_ref,
    rightsRequest: r.rights_request,
    decisions: r.decisions,
    declarations: r.declarations,
    items: r.items,
    outboxId: r.outbox_id,
    state: r.state,
    createdAt: ms(r.created_at)!,
    escalateAt: ms(r.escalate_at)!,
    escalatedAt: ms(r.escalated_at),
    confirmedAt: ms(r.confirmed_at),
    confirmedBy: r.confirmed_by,
    leafIndex: r.leaf_index,
  };
}

/** A withdrawal or objection read from the consent ledger (migration 010). */
export interface ConsentEnding {
  readonly eventId: string;
  readonly leafIndex: number;
  readonly subjectId: string;
  readonly action: 'withdraw' | 'object';
  readonly declarationId: string | null;
  readonly purposeId: string;
  readonly recipientId: string | null;
  readonly at: number;
  /** Set when the withdrawal was made for a rights request (evidence `rights_request`). */
  readonly rightsRequest: string | null;
}

/** One allowed release, as "who has my data" reports it. */
export interface ReleaseRecord {
  readonly decisionId: string;
  readonly leafIndex: number;
  readonly recipient: string;
  readonly purpose: string;
  readonly basis: string | null;
  readonly declarationId: string | null;
  readonly items: ReadonlyArray<{ category: string; form: string }>;
  readonly orderRef: string | null;
  readonly retentionUntil: number | null;
  readonly at: number;
}

interface ReleaseDbRow {
  id: string;
  leaf_index: number;
  recipient: string;
  purpose: string;
  basis: string | null;
  declaration_id: string | null;
  released: Array<{ category: string; form: string }>;
  order_ref: string | null;
  retention_until: Date | null;
  decided_at: Date;
}

function toRelease(r: ReleaseDbRow): ReleaseRecord {
  return {
    decisionId: r.id,
    leafIndex: r.leaf_index,
    recipient: r.recipient,
    purpose: r.purpose,
    basis: r.basis,
    declarationId: r.declaration_id,
    items: r.released,
    orderRef: r.order_ref,
    retentionUntil: ms(r.retention_until),
    at: ms(r.decided_at)!,
  };
}

const RELEASE_COLUMNS = 'r.id, r.leaf_index, r.recipient, r.purpose, r.basis, r.declaration_id, r.released, r.order_ref, r.retention_until, r.decided_at';

/** A consent event as the event stream publishes it (the subject by pseudonym). */
export interface ConsentStreamRow {
  readonly eventId: string;
  readonly leafIndex: number;
  readonly action: 'grant' | 'withdraw' | 'object';
  readonly subject: string;
  readonly declarationId: string | null;
  readonly purposeId: string;
  readonly recipientId: string | null;
  readonly items: readonly string[];
  readonly at: number;
}

/** A release decision as the event stream publishes it. */
export interface DecisionStreamRow {
  readonly decisionId: string;
  readonly leafIndex: number;
  readonly allow: boolean;
  readonly recipient: string;
  readonly subject: string;
  readonly purpose: string;
  readonly declarationId: string | null;
  readonly basis: string | null;
  readonly code: string | null;
  readonly items: readonly string[];
  readonly at: number;
}

/**
 * Locks a cursor row for the rest of `tx` (creating it at -1), so servers relaying the same
 * table take turns and each row is relayed once.
 */
export async function lockCursor(tx: Sql, name: string): Promise<number> {
  await tx.query('INSERT INTO rights_cursors (name, position) VALUES ($1, -1) ON CONFLICT (name) DO NOTHING', [name]);
  const [r] = await tx.query<{ position: number }>('SELECT position FROM rights_cursors WHERE name = $1 FOR UPDATE', [name]);
  return r!.position;
}

export async function setCursor(tx: Sql, name: string, position: number): Promise<void> {
  await tx.query('UPDATE rights_cursors SET position = $2 WHERE name = $1', [name, position]);
}

/** Consent events after `leaf` in log order (whole leaves only, so a cursor never splits one). */
export async function consentEventsAfter(tx: Sql, leaf: number, maxLeaves: number): Promise<ConsentStreamRow[]> {
  const rows = await tx.query<{
    event_id: string;
    leaf_index: number;
    action: 'grant' | 'withdraw' | 'object';
    pseudonym: string;
    declaration_id: string | null;
    purpose_id: string;
    recipient_id: string | null;
    items: string[];
    at: number;
  }>(
    `SELECT e.event_id, e.leaf_index, e.action, s.pseudonym, e.declaration_id, e.purpose_id, e.recipient_id, e.items, e.at
       FROM consent_events e JOIN subjects s ON s.id = e.subject_id
      WHERE e.leaf_index > $1 AND e.leaf_index <= (
        SELECT coalesce(max(leaf_index), $1) FROM (SELECT DISTINCT leaf_index FROM consent_events WHERE leaf_index > $1 ORDER BY leaf_index LIMIT $2) x)
      ORDER BY e.leaf_index, e.pos`,
    [leaf, maxLeaves],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    leafIndex: r.leaf_index,
    action: r.action,
    subject: r.pseudonym,
    declarationId: r.declaration_id,
    purposeId: r.purpose_id,
    recipientId: r.recipient_id,
    items: r.items,
    at: r.at,
  }));
}

export async function decisionsAfter(tx: Sql, leaf: number, limit: number): Promise<DecisionStreamRow[]> {
  const rows = await tx.query<{
    id: string;
    leaf_index: number;
    allow: boolean;
    recipient: string;
    subject_pseudonym: string;
    purpose: string;
    declaration_id: string | null;
    basis: string | null;
    code: string | null;
    released: Array<{ category: string }>;
    decided_at: Date;
  }>(
    `SELECT id, leaf_index, allow, recipient, subject_pseudonym, purpose, declaration_id, basis, code, released, decided_at
       FROM release_decision_records WHERE leaf_index > $1 ORDER BY leaf_index LIMIT $2`,
    [leaf, limit],
  );
  return rows.map((r) => ({
    decisionId: r.id,
    leafIndex: r.leaf_index,
    allow: r.allow,
    recipient: r.recipient,
    subject: r.subject_pseudonym,
    purpose: r.purpose,
    declarationId: r.declaration_id,
    basis: r.basis,
    code: r.code,
    items: r.released.map((i) => i.category),
    at: new Date(r.decided_at).getTime(),
  }));
}

export class RightsRepo {
  constructor(private readonly sql: Sql) {}

  async request(id: string): Promise<RightsRequest | undefined> {
    const [r] = await this.sql.query<{ document: RightsRequest }>('SELECT document FROM rights_requests WHERE id = $1', [id]);
    return r?.document;
  }

  /** Every completed request of the given types (the gate's stops are loaded from these at start). */
  async completedOfTypes(types: readonly string[]): Promise<RightsRequest[]> {
    const rows = await this.sql.query<{ document: RightsRequest }>(
      "SELECT document FROM rights_requests WHERE state = 'completed' AND type = ANY($1::text[]) ORDER BY seq",
      [types],
    );
    return rows.map((r) => r.document);
  }

  async requestsOf(subject: string, limit: number): Promise<RightsRequest[]> {
    const rows = await this.sql.query<{ document: RightsRequest }>(
      'SELECT document FROM rights_requests WHERE subject = $1 ORDER BY seq DESC LIMIT $2',
      [subject, limit],
    );
    return rows.map((r) => r.document);
  }

  async requests(filter: { state?: RightsState; limit: number }): Promise<RightsRequest[]> {
    const rows = await this.sql.query<{ document: RightsRequest }>(
      'SELECT document FROM rights_requests WHERE ($1::text IS NULL OR state = $1) ORDER BY seq DESC LIMIT $2',
      [filter.state ?? null, filter.limit],
    );
    return rows.map((r) => r.document);
  }

  /** Open requests, nearest statutory deadline first (the console's queue). */
  async openByDeadline(limit: number): Promise<RightsRequest[]> {
    const rows = await this.sql.query<{ document: RightsRequest }>(
      "SELECT document FROM rights_requests WHERE state NOT IN ('completed', 'rejected') ORDER BY due_before, seq LIMIT $1",
      [limit],
    );
    return rows.map((r) => r.document);
  }

  /** Open requests whose deadline has passed at `now`, most overdue first. */
  async overdue(now: number, limit: number): Promise<RightsRequest[]> {
    const rows = await this.sql.query<{ document: RightsRequest }>(
      `SELECT document FROM rights_requests
        WHERE state NOT IN ('completed', 'rejected') AND due_before <= $1
        ORDER BY due_before, seq LIMIT $2`,
      [new Date(now), limit],
    );
    return rows.map((r) => r.document);
  }

  async deletion(id: string): Promise<DeletionRequest | undefined> {
    const [r] = await this.sql.query<DeletionDbRow>('SELECT * FROM deletion_requests WHERE id = $1', [id]);
    return r ? toDeletion(r) : undefined;
  }

  async deletions(filter: { recipientId?: string; subject?: string; state?: DeletionState; rightsRequest?: string; limit: number }): Promise<DeletionRequest[]> {
    const rows = await this.sql.query<DeletionDbRow>(
      `SELECT * FROM deletion_requests
        WHERE ($1::text IS NULL OR recipient_id = $1) AND ($2::text IS NULL OR subject = $2)
          AND ($3::text IS NULL OR state = $3) AND ($4::text IS NULL OR rights_request = $4)
        ORDER BY seq DESC LIMIT $5`,
      [filter.recipientId ?? null, filter.subject ?? null, filter.state ?? null, filter.rightsRequest ?? null, filter.limit],
    );
    return rows.map(toDeletion);
  }

  async existingDeletions(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.sql.query<{ id: string }>('SELECT id FROM deletion_requests WHERE id = ANY($1::text[])', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async cursor(name: string): Promise<number> {
    const [r] = await this.sql.query<{ position: number }>('SELECT position FROM rights_cursors WHERE name = $1', [name]);
    return r?.position ?? -1;
  }

  /** Moves a cursor forward only (two servers sweeping never move it back). */
  async advanceCursor(name: string, position: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO rights_cursors (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(rights_cursors.position, EXCLUDED.position)`,
      [name, position],
    );
  }

  /** Allowed releases that handed over at least one item, newest first (release_decisions, migration 020). */
  async releasesOf(subjectPseudonym: string, limit: number): Promise<ReleaseRecord[]> {
    const rows = await this.sql.query<ReleaseDbRow>(
      // Through the ledger's subject index (migration 090): decisions have none of their own.
      `SELECT ${RELEASE_COLUMNS} FROM ledger_entries e JOIN release_decision_records r ON r.leaf_index = e.idx
        WHERE e.subject = $1 AND r.subject_pseudonym = $1 AND r.allow AND jsonb_array_length(r.released) > 0
        ORDER BY r.decided_at DESC, r.leaf_index DESC LIMIT $2`,
      [subjectPseudonym, limit],
    );
    return rows.map(toRelease);
  }

  /**
   * Releases whose retention has ended (PIPA 21) and whose recipient has not been asked to delete
   * yet, with the subject id they belong to.
   */
  async retentionEnded(now: number, limit: number): Promise<Array<ReleaseRecord & { subject: string }>> {
    const rows = await this.sql.query<ReleaseDbRow & { subject: string }>(
      `SELECT ${RELEASE_COLUMNS}, s.id AS subject FROM release_decision_records r
         JOIN subjects s ON s.pseudonym = r.subject_pseudonym
        WHERE r.allow AND r.retention_until <= $1 AND jsonb_array_length(r.released) > 0
          AND NOT EXISTS (SELECT 1 FROM deletion_requests d WHERE d.cause_ref = 'retention:' || r.id)
        ORDER BY r.retention_until LIMIT $2`,
      [new Date(now), limit],
    );
    return rows.map((r) => ({ ...toRelease(r), subject: r.subject }));
  }

  /**
   * Consent events that end a basis (withdrawals, objections) after leaf `afterLeaf`, in log
   * order, plus the highest leaf of any consent event read (so the cursor also passes grants).
   */
  async consentEndingsAfter(afterLeaf: number, limit: number): Promise<{ events: ConsentEnding[]; through: number }> {
    const [top] = await this.sql.query<{ leaf: number | null }>(
      `SELECT max(leaf_index) AS leaf FROM (SELECT leaf_index FROM consent_events WHERE leaf_index > $1 ORDER BY leaf_index LIMIT $2) x`,
      [afterLeaf, limit],
    );
    const through = top?.leaf ?? afterLeaf;
    const rows = await this.sql.query<{
      event_id: string;
      leaf_index: number;
      subject_id: string;
      action: 'withdraw' | 'object';
      declaration_id: string | null;
      purpose_id: string;
      recipient_id: string | null;
      at: number;
      evidence: Record<string, string>;
    }>(
      `SELECT event_id, leaf_index, subject_id, action, declaration_id, purpose_id, recipient_id, at, evidence FROM consent_events
        WHERE leaf_index > $1 AND leaf_index <= $2 AND action IN ('withdraw', 'object') ORDER BY leaf_index, pos`,
      [afterLeaf, through],
    );
    return {
      through,
      events: rows.map((r) => ({
        eventId: r.event_id,
        leafIndex: r.leaf_index,
        subjectId: r.subject_id,
        action: r.action,
        declarationId: r.declaration_id,
        purposeId: r.purpose_id,
        recipientId: r.recipient_id,
        at: r.at,
        rightsRequest: typeof r.evidence?.rights_request === 'string' ? r.evidence.rights_request : null,
      })),
    };
  }

  /** Requests still unconfirmed at their escalation time. */
  async dueForEscalation(now: number, limit: number): Promise<DeletionRequest[]> {
    const rows = await this.sql.query<DeletionDbRow>(
      `SELECT * FROM deletion_requests WHERE state = 'requested' AND escalate_at <= $1 ORDER BY escalate_at, seq LIMIT $2`,
      [new Date(now), limit],
    );
    return rows.map(toDeletion);
  }
}
