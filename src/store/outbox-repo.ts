import { notifyOnCommit } from './notify-on-commit.ts';
import type { Database, Sql } from './sql.ts';

/**
 * SQL for the transactional outbox (table `outbox_messages`, migration 040). All times are
 * passed in as epoch ms, never read from the database clock, so a dispatcher's clock decides
 * what is due and tests can move time.
 */
const OUTBOX_CHANNEL = 'consentgate_outbox_';

/** The NOTIFY channel of one schema's outbox: servers of other schemas are not woken. */
export const outboxChannel = (schema: string) => OUTBOX_CHANNEL + schema;

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  readonly id: string;
  readonly kind: 'webhook' | 'nats';
  readonly destination: string;
  readonly topic: string;
  readonly body: string;
  readonly maxAttempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
}

/** A row as a dispatcher holds it while delivering: `attempts` already counts this attempt. */
export interface ClaimedRow extends OutboxRow {
  readonly attempts: number;
  readonly leaseToken: string;
}

export interface OutboxRecord extends OutboxRow {
  readonly state: OutboxState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  readonly deliveredAt: number | null;
  readonly deadAt: number | null;
}

interface DbRow {
  id: string;
  kind: 'webhook' | 'nats';
  destination: string;
  topic: string;
  body: string;
  max_attempts: number;
  created_at: Date | string;
  next_attempt_at: Date | string;
  attempts: number;
  lease_token: string | null;
  state: OutboxState;
  last_error: string | null;
  last_status: number | null;
  delivered_at: Date | string | null;
  dead_at: Date | string | null;
}

const ms = (v: Date | string) => new Date(v).getTime();
const msOrNull = (v: Date | string | null) => (v === null ? null : ms(v));
const ts = (epochMs: number) => new Date(epochMs);

function toRecord(r: DbRow): OutboxRecord {
  return {
    id: r.id,
    kind: r.kind,
    destination: r.destination,
    topic: r.topic,
    body: r.body,
    maxAttempts: r.max_attempts,
    createdAt: ms(r.created_at),
    nextAttemptAt: ms(r.next_attempt_at),
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    lastStatus: r.last_status,
    deliveredAt: msOrNull(r.delivered_at),
    deadAt: msOrNull(r.dead_at),
  };
}

/** Wakes dispatchers once the surrounding transaction commits (nothing on rollback). */
export async function notifyOutbox(tx: Sql): Promise<void> {
  await notifyOnCommit(tx, OUTBOX_CHANNEL, '');
}

/**
 * One multi-row INSERT. An id that is already stored is skipped: the same id is the same
 * message, so enqueueing it again (a retried sweep, a replayed request) is a no-op rather than
 * an error that would fail every other record of a group-commit batch.
 */
export async function insertOutboxMessages(tx: Sql, rows: readonly OutboxRow[]): Promise<void> {
  await tx.query(
    `INSERT INTO outbox_messages (id, kind, destination, topic, body, max_attempts, created_at, next_attempt_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[])
     ON CONFLICT (id) DO NOTHING`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.kind),
      rows.map((r) => r.destination),
      rows.map((r) => r.topic),
      rows.map((r) => r.body),
      rows.map((r) => r.maxAttempts),
      rows.map((r) => ts(r.createdAt)),
      rows.map((r) => ts(r.nextAttemptAt)),
    ],
  );
}

/**
 * Claims up to `limit` due rows for `leaseMs`: pending, due, and not leased (or the lease ran
 * out — its holder died). SKIP LOCKED lets several dispatchers claim disjoint rows at once.
 * The attempt is counted at claim time, so a delivery that crashes the server still counts and
 * a poison message cannot loop forever.
 */
export async function claimDue(db: Database, opts: { now: number; limit: number; leaseMs: number; leaseToken: string }): Promise<ClaimedRow[]> {
  const rows = await db.transaction((tx) =>
    tx.query<DbRow>(
      `WITH due AS (
         SELECT id FROM outbox_messages
          WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
          ORDER BY next_attempt_at, seq
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox_messages m
          SET attempts = m.attempts + 1, lease_token = $3, lease_until = $4
         FROM due WHERE m.id = due.id
       RETURNING m.*, m.seq`,
      [ts(opts.now), opts.limit, opts.leaseToken, ts(opts.now + opts.leaseMs)],
    ),
  );
  return rows
    .map((r) => ({ ...toRecord(r), leaseToken: r.lease_token!, seq: (r as unknown as { seq: number }).seq }))
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq: _seq, ...rest }) => rest);
}

/** Marks delivered. A success stands even if the lease was lost meanwhile: it did happen. */
export async function markDelivered(db: Sql, id: string, at: number, status: number | null): Promise<void> {
  await db.query(
    `UPDATE outbox_messages
        SET state = 'delivered', delivered_at = $2, last_status = $3, last_error = NULL, lease_token = NULL, lease_until = NULL
      WHERE id = $1 AND state <> 'delivered'`,
    [id, ts(at), status],
  );
}

/**
 * Records a failed attempt: back to pending at `nextAttemptAt`, or dead once `attempts`
 * reached `max_attempts`. Only the lease holder may do this, so a dispatcher that lost its lease
 * (it was too slow and another took over) cannot undo the other's outcome. Returns the new
 * state, or null when the lease was no longer held.
 */
export async function markFailed(
  db: Sql,
  f: { id: string; leaseToken: string; at: number; nextAttemptAt: number; error: string; status: number | null },
): Promise<OutboxState | null> {
  const rows = await db.query<{ state: OutboxState }>(
    `UPDATE outbox_messages
        SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
            dead_at = CASE WHEN attempts >= max_attempts THEN $3::timestamptz ELSE NULL END,
            next_attempt_at = $4, last_error = $5, last_status = $6, lease_token = NULL, lease_until = NULL
      WHERE id = $1 AND lease_token = $2 AND state = 'pending'
      RETURNING state`,
    [f.id, f.leaseToken, ts(f.at), ts(f.nextAttemptAt), f.error.slice(0, 500), f.status],
  );
  return rows[0]?.state ?? null;
}

export async function getOutboxMessage(db: Sql, id: string): Promise<OutboxRecord | undefined> {
  const rows = await db.query<DbRow>('SELECT * FROM outbox_messages WHERE id = $1', [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** The dead-letter list, newest first. */
export async function listDead(db: Sql, opts: { limit: number; before?: number }): Promise<OutboxRecord[]> {
  const rows = await db.query<DbRow>(
    `SELECT * FROM outbox_messages WHERE state = 'dead' AND ($2::timestamptz IS NULL OR dead_at < $2)
      ORDER BY dead_at DESC, seq DESC LIMIT $1`,
    [opts.limit, opts.before === undefined ? null : ts(opts.before)],
  );
  return rows.map(toRecord);
}

/** An operator re-queues a dead letter (e.g. after the recipient fixed its endpoint) with fresh attempts. */
export async function requeueDead(db: Sql, id: string, at: number): Promise<boolean> {
  const rows = await db.query(
    `UPDATE outbox_messages SET state = 'pending', attempts = 0, next_attempt_at = $2, dead_at = NULL
      WHERE id = $1 AND state = 'dead' RETURNING id`,
    [id, ts(at)],
  );
  if (rows.length > 0) await notifyOutbox(db);
  return rows.length > 0;
}

/** A message's delivery as the console shows it: the wire's snake_case, times as ISO strings. */
export interface OutboxStatus {
  readonly id: string;
  readonly kind: OutboxRow['kind'];
  readonly topic: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly last_status: number | null;
  readonly last_error: string | null;
  readonly delivered_at: string | null;
  readonly dead_at: string | null;
}

/** Delivery status of outbox messages by id, in queue order (a request's deletion webhooks and notices). */
export async function outboxStatus(db: Sql, ids: readonly string[]): Promise<OutboxStatus[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<Pick<DbRow, 'id' | 'kind' | 'topic' | 'state' | 'attempts' | 'last_status' | 'last_error' | 'delivered_at' | 'dead_at'>>(
    'SELECT id, kind, topic, state, attempts, last_status, last_error, delivered_at, dead_at FROM outbox_messages WHERE id = ANY($1::text[]) ORDER BY seq',
    [ids],
  );
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), delivered_at: iso(r.delivered_at), dead_at: iso(r.dead_at) }));
}

export async function outboxCounts(db: Sql): Promise<Record<OutboxState, number>> {
  const rows = await db.query<{ state: OutboxState; n: number }>('SELECT state, count(*)::int8 AS n FROM outbox_messages GROUP BY state');
  const out: Record<OutboxState, number> = { pending: 0, delivered: 0, dead: 0 };
  for (const r of rows) out[r.state] = r.n;
  return out;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly recipientId: string;
  readonly url: string;
  readonly secret: Uint8Array;
}

export async function upsertWebhookEndpoint(db: Sql, e: WebhookEndpoint, at: number): Promise<void> {
  await db.query(
    `INSERT INTO webhook_endpoints (id, recipient_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (recipient_id) DO UPDATE SET id = EXCLUDED.id, url = EXCLUDED.url, secret = EXCLUDED.secret,
       created_at = EXCLUDED.created_at, disabled_at = NULL`,
    [e.id, e.recipientId, e.url, Buffer.from(e.secret), ts(at)],
  );
}

export async function getWebhookEndpoint(db: Sql, id: string): Promise<WebhookEndpoint | undefined> {
  const rows = await db.query<{ id: string; recipient_id: string; url: string; secret: Uint8Array }>(
    'SELECT id, recipient_id, url, secret FROM webhook_endpoints WHERE id = $1 AND disabled_at IS NULL',
    [id],
  );
  const r = rows[0];
  return r ? { id: r.id, recipientId: r.recipient_id, url: r.url, secret: new Uint8Array(r.secret) } : undefined;
}

export async function webhookEndpointOf(db: Sql, recipientId: string): Promise<WebhookEndpoint | undefined> {
  const rows = await db.query<{ id: string }>('SELECT id FROM webhook_endpoints WHERE recipient_id = $1 AND disabled_at IS NULL', [recipientId]);
  return rows[0] ? getWebhookEndpoint(db, rows[0].id) : undefined;
}
