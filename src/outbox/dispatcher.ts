import { randomBytes } from 'node:crypto';
import { claimDue, markDelivered, markFailed, outboxChannel, type ClaimedRow } from '../store/outbox-repo.ts';
import type { Database } from '../store/sql.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { describeError, type Transport } from './transport.ts';
import type { DestinationKind } from './message.ts';

/**
 * Delivers outbox messages: claims due rows under a lease, hands each to its kind's transport
 * with an attempt timeout, then records success, a retry (exponential backoff, full jitter) or
 * a dead letter after `max_attempts`. Any number of dispatchers — on one server or many — can
 * share the table; a dispatcher that dies mid-delivery leaves a lease that runs out, and the
 * row is claimed again (the recipient sees the same Idempotency-Key).
 *
 * Delivery is at least once: a recipient can see a message twice (a lost acknowledgement, or a
 * lease that expired while a slow recipient was still answering) and must de-duplicate.
 */
export interface DispatcherOptions {
  readonly transports: Partial<Record<DestinationKind, Transport>>;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** Per-attempt timeout, ms. */
  readonly attemptTimeoutMs?: number;
  /** How long a claim is held; must exceed the attempt timeout. Default 2×timeout + 5 s. */
  readonly leaseMs?: number;
  /** Rows claimed per round (and delivered concurrently). */
  readonly batchSize?: number;
  /** Idle poll interval, ms; NOTIFY on enqueue wakes the loop sooner. */
  readonly pollMs?: number;
  /** Called after each settled attempt (metrics, logs). Must not throw. */
  readonly onAttempt?: (e: AttemptEvent) => void;
}

export interface AttemptEvent {
  readonly id: string;
  readonly kind: DestinationKind;
  readonly topic: string;
  readonly attempt: number;
  readonly outcome: 'delivered' | 'retry' | 'dead' | 'lease_lost';
  readonly status?: number;
  readonly error?: string;
}

export interface RoundResult {
  readonly claimed: number;
  readonly delivered: number;
  readonly retried: number;
  readonly dead: number;
}

export class Dispatcher {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  /** A NOTIFY arrived while a round was running: run another instead of sleeping. */
  private poked = false;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly opts: DispatcherOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 10_000;
    this.leaseMs = opts.leaseMs ?? this.attemptTimeoutMs * 2 + 5_000;
    if (this.leaseMs <= this.attemptTimeoutMs) throw new Error('outbox lease must outlast the attempt timeout');
    this.batchSize = opts.batchSize ?? 32;
    this.pollMs = opts.pollMs ?? 1_000;
  }

  /** One round: claim due rows and deliver them concurrently. */
  async runOnce(): Promise<RoundResult> {
    const leaseToken = randomBytes(12).toString('base64url');
    const claimed = await claimDue(this.db, { now: this.now(), limit: this.batchSize, leaseMs: this.leaseMs, leaseToken });
    const outcomes = await Promise.all(claimed.map((m) => this.attempt(m)));
    const count = (o: AttemptEvent['outcome']) => outcomes.filter((x) => x === o).length;
    return { claimed: claimed.length, delivered: count('delivered'), retried: count('retry'), dead: count('dead') };
  }

  /** Runs rounds until `stop()`: back to back while there is work, else on NOTIFY or every `pollMs`. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    const poke = () => {
      this.poked = true;
      this.wake?.();
    };
    this.unlisten = await this.db.listen(outboxChannel(this.db.schema), poke, poke);
    this.loop = this.run();
  }

  /** Stops claiming, waits for deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await this.unlisten?.();
    this.unlisten = null;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let round: RoundResult | undefined;
      this.poked = false;
      try {
        round = await this.runOnce();
      } catch {
        // Database unavailable: wait a poll interval and try again; the rows are safe in the outbox.
      }
      if (this.stopping) break;
      if ((round && round.claimed === this.batchSize) || this.poked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  private async attempt(m: ClaimedRow): Promise<AttemptEvent['outcome']> {
    const report = (outcome: AttemptEvent['outcome'], status?: number, error?: string) => {
      try {
        this.opts.onAttempt?.({ id: m.id, kind: m.kind, topic: m.topic, attempt: m.attempts, outcome, ...(status ? { status } : {}), ...(error ? { error } : {}) });
      } catch {
        // observers never affect delivery
      }
      return outcome;
    };
    if (m.attempts > m.maxAttempts) {
      // The final attempt's holder died before recording an outcome: nothing left to try.
      return this.fail(m, 'final attempt did not finish (lease expired)', null, report);
    }
    const transport = this.opts.transports[m.kind];
    if (!transport) return this.fail(m, `no ${m.kind} transport configured`, null, report);
    const signal = AbortSignal.timeout(this.attemptTimeoutMs);
    let outcome;
    try {
      outcome = await transport.deliver(m, signal);
    } catch (e) {
      outcome = { ok: false as const, error: describeError(e, signal) };
    }
    if (outcome.ok) {
      await markDelivered(this.db, m.id, this.now(), outcome.status ?? null);
      return report('delivered', outcome.status);
    }
    return this.fail(m, outcome.error, outcome.status ?? null, report);
  }

  private async fail(
    m: ClaimedRow,
    error: string,
    status: number | null,
    report: (o: AttemptEvent['outcome'], status?: number, error?: string) => AttemptEvent['outcome'],
  ): Promise<AttemptEvent['outcome']> {
    const at = this.now();
    const state = await markFailed(this.db, {
      id: m.id,
      leaseToken: m.leaseToken,
      at,
      nextAttemptAt: at + backoffDelay(m.attempts, this.backoff, this.random),
      error,
      status,
    });
    const outcome = state === null ? 'lease_lost' : state === 'dead' ? 'dead' : 'retry';
    return report(outcome, status ?? undefined, error);
  }
}
