import { enqueue, newMessageId, type OutboxMessage } from '../outbox/message.ts';
import type { Sql } from '../store/sql.ts';
import { DEFAULT_SUBJECT_PREFIX } from './nats.ts';

/**
 * Domain events for the operator's other systems (order service, CRM, warehouse): consent,
 * release and rights events go out on NATS JetStream through the outbox, so an event exists
 * exactly when its change committed and is published at least once.
 *
 * Event data must not carry plaintext personal data: subjects appear as pseudonyms
 * (`sp_…`), items as category ids. Event types are dotted lower-case names
 * (`consent.withdrawn`, `release.allowed`, `rights.completed`, `deletion.requested`); the subject
 * is `consentgate.events.<type>`.
 */
export interface DomainEvent<D = unknown> {
  /** Unique event id; the Nats-Msg-Id. Generated when omitted. */
  readonly id?: string;
  readonly type: string;
  /** Epoch ms of the change. */
  readonly at: number;
  readonly data: D;
}

export interface EventStream {
  readonly enabled: boolean;
  /** Adds the events to the outbox inside `tx`; returns their ids (none when disabled). */
  enqueue(tx: Sql, ...events: DomainEvent[]): Promise<string[]>;
  /** The outbox messages for events (none when disabled), for writers that batch their own inserts. */
  messages(...events: DomainEvent[]): OutboxMessage[];
}

/** Streaming is off without CONSENTGATE_NATS_URL: nothing is queued that nobody will deliver. */
export const disabledEventStream: EventStream = {
  enabled: false,
  enqueue: async () => [],
  messages: () => [],
};

export function natsEventStream(subjectPrefix = DEFAULT_SUBJECT_PREFIX): EventStream {
  const messages = (...events: DomainEvent[]): OutboxMessage[] =>
    events.map((e) => ({
      id: e.id ?? newMessageId('evt'),
      kind: 'nats' as const,
      destination: `${subjectPrefix}.${e.type}`,
      topic: e.type,
      data: e.data,
      at: e.at,
    }));
  return {
    enabled: true,
    messages,
    enqueue: (tx, ...events) => enqueue(tx, ...messages(...events)),
  };
}
