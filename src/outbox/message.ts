import { randomBytes } from 'node:crypto';
import { canonicalJson } from '../core/canonical.ts';
import { CgError } from '../core/errors.ts';
import { insertOutboxMessages, notifyOutbox, type OutboxRow } from '../store/outbox-repo.ts';
import type { Sql } from '../store/sql.ts';

/**
 * The transactional outbox's write side. Call `enqueue(tx, message)` inside the transaction
 * that makes the business change (a Journal batch writer's `tx`, or any `db.transaction`):
 * the message is then stored exactly when the change is, and a dispatcher delivers it
 * at least once afterwards, even across restarts.
 */
export type DestinationKind = 'webhook' | 'nats';

export interface OutboxMessage {
  /** Unique; the recipient's Idempotency-Key and the JetStream Nats-Msg-Id. Generated when omitted. */
  readonly id?: string;
  readonly kind: DestinationKind;
  /** Webhook: an endpoint id (see webhook_endpoints). NATS: the subject. */
  readonly destination: string;
  /** Event type, e.g. `deletion.requested`. */
  readonly topic: string;
  /** JSON data; it travels inside the envelope `{ id, type, created, data }`. */
  readonly data: unknown;
  /** Epoch ms of the business change; also the first attempt time unless `notBefore`. */
  readonly at: number;
  readonly notBefore?: number;
  readonly maxAttempts?: number;
}

/** What every destination receives: stable across retries, so signatures and de-duplication hold. */
export interface Envelope<D = unknown> {
  readonly id: string;
  readonly type: string;
  /** RFC 3339 UTC. */
  readonly created: string;
  readonly data: D;
}

export const DEFAULT_MAX_ATTEMPTS = 12;
export const MAX_BODY_BYTES = 256 * 1024;
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const TOPIC = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*){0,7}$/;

export const newMessageId = (prefix = 'msg'): string => `${prefix}_${randomBytes(16).toString('base64url')}`;

function invalid(path: string, message: string): CgError {
  return new CgError('OUTBOX_INVALID_MESSAGE', message, 400, [{ code: 'OUTBOX_INVALID_MESSAGE', message, path }]);
}

/** Validates and renders a message into the row that is stored (pure apart from id generation). */
export function toRow(m: OutboxMessage): OutboxRow {
  const id = m.id ?? newMessageId();
  if (!ID.test(id)) throw invalid('id', 'ids are 1-128 characters of A-Z a-z 0-9 _ . : -');
  if (!TOPIC.test(m.topic)) throw invalid('topic', 'a dotted lower-case event type such as deletion.requested');
  if (m.destination.length === 0 || m.destination.length > 512) throw invalid('destination', 'destination must be 1-512 characters');
  const maxAttempts = m.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) throw invalid('maxAttempts', 'maxAttempts is 1-100');
  const envelope: Envelope = { id, type: m.topic, created: new Date(m.at).toISOString(), data: m.data };
  const body = canonicalJson(envelope);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw invalid('data', `a message body is at most ${MAX_BODY_BYTES} bytes`);
  return {
    id,
    kind: m.kind,
    destination: m.destination,
    topic: m.topic,
    body,
    maxAttempts,
    createdAt: m.at,
    nextAttemptAt: m.notBefore ?? m.at,
  };
}

/** Inserts messages in `tx` and wakes dispatchers once it commits. Returns the message ids. */
export async function enqueue(tx: Sql, ...messages: OutboxMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const rows = messages.map(toRow);
  await insertOutboxMessages(tx, rows);
  await notifyOutbox(tx);
  return rows.map((r) => r.id);
}
