import { NatsTransport } from '../events/nats.ts';
import { EventRelay } from '../events/relay.ts';
import type { Journal } from '../store/journal.ts';
import { disabledEventStream, natsEventStream, type EventStream } from '../events/stream.ts';
import { getWebhookEndpoint, listDead, outboxCounts, outboxStatus, requeueDead, type OutboxRecord, type OutboxState, type OutboxStatus } from '../store/outbox-repo.ts';
import type { Database } from '../store/sql.ts';
import { Dispatcher, type AttemptEvent } from './dispatcher.ts';
import { WebhookTransport } from './webhook.ts';
import type { WebhookAddressPolicy } from './address-policy.ts';

/**
 * The outbox as the application runs it: one dispatcher per server (they share the table
 * safely), webhooks always, NATS JetStream when `natsUrl` (CONSENTGATE_NATS_URL) is set —
 * then also the relay that queues consent and release events. `events` is what services use to
 * queue their own stream events; it queues nothing without NATS.
 */
export interface OutboxOptions {
  readonly natsUrl?: string | undefined;
  /** With NATS: commits of this journal wake the consent/release event relay at once. */
  readonly journal?: Journal;
  readonly pollMs?: number;
  readonly attemptTimeoutMs?: number;
  readonly onAttempt?: (e: AttemptEvent) => void;
  /** Which addresses webhooks may reach (CONSENTGATE_WEBHOOK_ALLOW); public ones only by default. */
  readonly webhookPolicy?: WebhookAddressPolicy;
}

export class OutboxService {
  readonly events: EventStream;
  private readonly dispatcher: Dispatcher;
  private readonly nats: NatsTransport | undefined;
  private readonly relay: EventRelay | undefined;
  private readonly pollMs: number;
  private relayTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    opts: OutboxOptions = {},
  ) {
    this.nats = opts.natsUrl ? new NatsTransport({ url: opts.natsUrl }) : undefined;
    this.events = this.nats ? natsEventStream(this.nats.subjectPrefix) : disabledEventStream;
    this.relay = this.nats ? new EventRelay(db, this.events) : undefined;
    this.pollMs = opts.pollMs ?? 1_000;
    if (this.relay) opts.journal?.onCommitted(() => void this.relay!.run().catch(() => {}));
    this.dispatcher = new Dispatcher(db, {
      transports: {
        webhook: new WebhookTransport({ endpoint: (id) => getWebhookEndpoint(db, id), ...(opts.webhookPolicy ? { policy: opts.webhookPolicy } : {}) }),
        ...(this.nats ? { nats: this.nats } : {}),
      },
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      ...(opts.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: opts.attemptTimeoutMs } : {}),
      ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.relay) {
      await this.relay.run().catch(() => {});
      this.relayTimer = setInterval(() => void this.relay!.run().catch(() => {}), this.pollMs);
      this.relayTimer.unref();
    }
    await this.dispatcher.start();
  }

  async stop(): Promise<void> {
    if (this.relayTimer) clearInterval(this.relayTimer);
    await this.relay?.run().catch(() => {});
    await this.dispatcher.stop();
    await this.nats?.close().catch(() => {});
  }

  /** One delivery round now (tests, the CLI, an operator's "retry now"). */
  runOnce() {
    return this.dispatcher.runOnce();
  }

  counts(): Promise<Record<OutboxState, number>> {
    return outboxCounts(this.db);
  }

  /** Delivery status of these messages (unknown ids are left out), in queue order. */
  status(ids: readonly string[]): Promise<OutboxStatus[]> {
    return outboxStatus(this.db, ids);
  }

  dead(limit = 100): Promise<OutboxRecord[]> {
    return listDead(this.db, { limit });
  }

  requeue(id: string): Promise<boolean> {
    return requeueDead(this.db, id, Date.now());
  }
}
