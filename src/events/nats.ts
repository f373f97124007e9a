import { connect, nanos, type JetStreamClient, type NatsConnection } from 'nats';
import type { ClaimedRow } from '../store/outbox-repo.ts';
import { describeError, type DeliveryOutcome, type Transport } from '../outbox/transport.ts';

/**
 * The outbox's `nats` destination kind: publishes each message to NATS JetStream with the
 * message id as `Nats-Msg-Id`, so a retry after a lost acknowledgement is dropped by the
 * stream's duplicate window instead of stored twice. Past that window consumers still see the
 * same id in the header and the envelope and can de-duplicate themselves.
 *
 * The stream is created if missing (file storage, limits retention). An existing stream is
 * used as it is: operators may tune it, and a server restart must not rewrite their settings.
 */
export const DEFAULT_STREAM = 'CONSENTGATE_EVENTS';
export const DEFAULT_SUBJECT_PREFIX = 'consentgate.events';
/** Longer than the outbox's largest backoff (1 h), so retries fall inside it. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 3_600_000;

export interface NatsTransportOptions {
  /** e.g. nats://127.0.0.1:4222 (CONSENTGATE_NATS_URL). */
  readonly url: string;
  readonly stream?: string;
  readonly subjectPrefix?: string;
  readonly duplicateWindowMs?: number;
  readonly connectTimeoutMs?: number;
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

export class NatsTransport implements Transport {
  private conn: Promise<{ nc: NatsConnection; js: JetStreamClient }> | null = null;
  readonly stream: string;
  readonly subjectPrefix: string;

  constructor(private readonly opts: NatsTransportOptions) {
    this.stream = opts.stream ?? DEFAULT_STREAM;
    this.subjectPrefix = opts.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  }

  /** The subject of an event type: `<prefix>.<type>` (types are dotted, so consumers can use wildcards). */
  subjectFor(type: string): string {
    return `${this.subjectPrefix}.${type}`;
  }

  async deliver(message: ClaimedRow, signal: AbortSignal): Promise<DeliveryOutcome> {
    try {
      const { js } = await this.connection();
      if (signal.aborted) return { ok: false, error: 'timeout' };
      const ack = await js.publish(message.destination, new TextEncoder().encode(message.body), {
        msgID: message.id,
        timeout: 5_000,
      });
      if (ack.stream !== this.stream) return { ok: false, error: `subject captured by stream ${ack.stream}` };
      return { ok: true };
    } catch (e) {
      // A broken connection is dropped so the next attempt reconnects from scratch.
      await this.close().catch(() => {});
      return { ok: false, error: describeError(e, signal) };
    }
  }

  /** Connects once, creating the stream if it is missing. */
  connection(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    this.conn ??= this.open().catch((e) => {
      this.conn = null;
      throw e;
    });
    return this.conn;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    if (c) await (await c).nc.close();
  }

  private async open(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const nc = await connect({
      servers: this.opts.url,
      timeout: this.opts.connectTimeoutMs ?? 5_000,
      name: 'consentgate',
      maxReconnectAttempts: -1,
    });
    try {
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(this.stream);
      } catch (e) {
        if ((e as { api_error?: { err_code?: number } }).api_error?.err_code !== STREAM_NOT_FOUND) throw e;
        await jsm.streams
          .add({
            name: this.stream,
            subjects: [`${this.subjectPrefix}.>`],
            duplicate_window: nanos(this.opts.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
          })
          .catch((err: unknown) => {
            // Another server created it first: fine.
            if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== STREAM_NAME_IN_USE) throw err;
          });
      }
      return { nc, js: nc.jetstream() };
    } catch (e) {
      await nc.close().catch(() => {});
      throw e;
    }
  }
}
