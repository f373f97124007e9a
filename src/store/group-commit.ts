import { yieldToIo } from './yield-to-io.ts';

/**
 * Group commit: many concurrent writers share one transaction. Callers `submit` an item and
 * get a promise that settles only after the batch holding it has committed — nothing is
 * acknowledged before it is durable. While one batch commits, the next one fills up, so the
 * cost of a commit (an fsync on PostgreSQL) is paid once per batch instead of once per item.
 *
 * If `flush` throws, every item of that batch is rejected with the error: a batch is all or
 * nothing, and no caller is told "stored" for an item that is not.
 */
export interface GroupCommitOptions<I, R> {
  /** Writes one batch atomically and returns one result per item, in order. */
  flush: (items: readonly I[]) => Promise<readonly R[]>;
  /** Upper bound of items per transaction. */
  maxBatch?: number;
  /**
   * How long the first item of an idle queue waits for company, in ms. 0 = flush right after
   * the current I/O callbacks (setImmediate), which still batches everything submitted in the
   * same turn of the event loop — without the ≥ 1 ms that even `setTimeout(…, 0)` waits.
   */
  maxDelayMs?: number;
  /**
   * Batches allowed in flight at once (default 1). Above 1, `flush` must itself keep batches
   * in submission order (the journal's ledger-head row lock does); it lets the next batch be
   * prepared and sent while the previous one is still committing.
   */
  maxInFlight?: number;
  /**
   * With a batch already in flight, another one starts only once this many items wait for it
   * (default 1: as soon as there is one). Pipelining pays when the queue is long (a saturated
   * server); at a moderate rate it only splits what would have been one batch into two, each
   * paying its own statement, round trip and commit — and on PostgreSQL the second waits for
   * the first's ledger-head lock anyway. Below the threshold the queue waits for the running
   * batch to end, which starts the next one with everything that came in meanwhile.
   */
  pipelineMinItems?: number;
  /**
   * …or once the oldest item waiting beside the running batch has waited this long, in ms
   * (default: never). A batch whose commit is slow (a late flush of the disk, a database
   * starved of CPU) then does not hold the records behind it until its answer is read, its
   * callers resumed and the next batch cut and encoded: they go to the database meanwhile. A
   * commit that ends in time starts the next batch as before, so the batches and their count
   * stay what the threshold makes them.
   */
  pipelineAfterMs?: number;
  /** Told about every batch once it settled (metrics). Must not throw. */
  onBatch?: (stats: BatchStats) => void;
}

export interface BatchStats {
  readonly size: number;
  /** From the oldest item's `submit` until the batch settled: the longest any caller of it waited. */
  readonly waitMs: number;
  /** How long `flush` took. */
  readonly commitMs: number;
  readonly ok: boolean;
}

/** Callers resumed per turn of the event loop once their batch is durable. */
const RESOLVE_SLICE = 128;

/**
 * How `submitTo` answers: `(null, result)` once the item's batch has committed, `(error)` if it
 * failed — once, never in the caller's own turn.
 */
export type Settle<R> = (error: unknown, result?: R) => void;

interface Pending<I, R> {
  item: I;
  /** A `submit`'s promise's resolving functions (noop for a `submitTo`). */
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  /** A `submitTo`'s callback (undefined for a `submit`). */
  settle: Settle<R> | undefined;
  /** performance.now() at submit. */
  at: number;
}

/** Where `takeResolvers` leaves a new promise's resolving functions, for `submit` to take at once. */
const noop = (): void => {};
const taken: { resolve: (r: never) => void; reject: (e: unknown) => void } = { resolve: noop, reject: noop };
function takeResolvers(resolve: (r: never) => void, reject: (e: unknown) => void): void {
  taken.resolve = resolve;
  taken.reject = reject;
}

export class GroupCommit<I, R> {
  private queue: Pending<I, R>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** The pending kick: a timeout (maxDelayMs > 0) or an immediate. No closure made per batch. */
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly maxInFlight: number;
  private readonly pipelineMinItems: number;
  private readonly pipelineAfterMs: number | undefined;
  /** Armed when the first item waits beside a running batch (pipelineAfterMs). */
  private ageTimer: NodeJS.Timeout | null = null;
  /** The age timer fired: the items waiting may start a batch beside the running one. */
  private overdue = false;

  constructor(private readonly opts: GroupCommitOptions<I, R>) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 0;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
    this.pipelineMinItems = Math.max(1, opts.pipelineMinItems ?? 1);
    this.pipelineAfterMs = opts.pipelineAfterMs !== undefined && opts.pipelineAfterMs >= 0 ? opts.pipelineAfterMs : undefined;
  }

  submit(item: I): Promise<R> {
    if (this.closed) return Promise.reject(new Error('group commit is closed'));
    // One module-level executor hands the promise's resolving functions over: no executor
    // closure and context made per item (~0.1 KiB of young heap per release).
    const promise = new Promise<R>(takeResolvers);
    this.queue.push({ item, resolve: taken.resolve as (r: R) => void, reject: taken.reject, settle: undefined, at: performance.now() });
    taken.resolve = taken.reject = noop;
    this.schedule();
    return promise;
  }

  /**
   * `submit` for a caller that goes on from a callback: `settle(null, result)` once the item's
   * batch has committed, `settle(error)` if it failed — the same guarantee (nothing acknowledged
   * before it is durable), in the same order among callers, without a promise and the microtask
   * turn that resuming its awaiter takes. `settle` must not throw (a throw is re-thrown on its own
   * turn, as an uncaught callback error, after the rest of the batch has been answered).
   */
  submitTo(item: I, settle: Settle<R>): void {
    if (this.closed) {
      queueMicrotask(() => settle(new Error('group commit is closed')));
      return;
    }
    this.queue.push({ item, resolve: noop, reject: noop, settle, at: performance.now() });
    this.schedule();
  }

  /** Items waiting for a batch (not counting the batch being committed). */
  get pending(): number {
    return this.queue.length;
  }

  /** Waits until everything submitted so far is committed or rejected. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      if (this.inFlight.size === 0) this.kick();
      await Promise.race(this.inFlight);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
    this.clearAge();
  }

  /** Whether the queue may start a batch now: a free slot, and beside a running batch, enough items. */
  private mayStart(): boolean {
    const running = this.inFlight.size;
    return running < this.maxInFlight && (running === 0 || this.queue.length >= this.pipelineMinItems || this.overdue);
  }

  /** Items wait beside a running batch: they go beside it after pipelineAfterMs unless it ends first. */
  private armAge(): void {
    if (this.pipelineAfterMs === undefined || this.ageTimer || this.overdue || this.queue.length === 0 || this.inFlight.size >= this.maxInFlight) return;
    this.ageTimer = setTimeout(this.ageBound, this.pipelineAfterMs);
  }

  private readonly ageBound = (): void => {
    this.ageTimer = null;
    this.overdue = true;
    this.kick();
  };

  private clearAge(): void {
    this.overdue = false;
    if (this.ageTimer) {
      clearTimeout(this.ageTimer);
      this.ageTimer = null;
    }
  }

  private schedule(): void {
    if (!this.mayStart()) return this.armAge(); // a running batch re-kicks when it ends
    if (this.queue.length >= this.maxBatch) return this.kick();
    if (this.timer) return;
    if (this.maxDelayMs > 0) {
      this.timer = setTimeout(this.kickBound, this.maxDelayMs);
    } else {
      this.timer = setImmediate(this.kickBound);
    }
  }

  private readonly kickBound = (): void => this.kick();

  private kick(): void {
    if (this.timer) {
      if (this.maxDelayMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    if (this.queue.length === 0) return;
    if (!this.mayStart()) return this.armAge();
    // The waiting items go now: the next ones start their own wait.
    if (this.overdue || this.ageTimer) this.clearAge();
    const batch = this.queue.splice(0, this.maxBatch);
    const running: Promise<void> = this.run(batch).finally(() => {
      this.inFlight.delete(running);
      if (this.queue.length > 0) this.kick();
    });
    this.inFlight.add(running);
  }

  private async run(batch: Pending<I, R>[]): Promise<void> {
    let results: readonly R[];
    const started = performance.now();
    try {
      results = await this.opts.flush(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
    } catch (e) {
      this.observe(batch, started, false);
      for (const p of batch) {
        if (p.settle === undefined) p.reject(e);
        else settleWith(p.settle, e, undefined);
      }
      return;
    }
    this.observe(batch, started, true);
    // Callers go on in slices with I/O let through in between: thousands of continuations in
    // one go would hold the event loop while the next batch, already at the database, waits
    // for its reply to be read — the commit path would stall behind its own callers.
    for (let i = 0; i < batch.length; i += RESOLVE_SLICE) {
      if (i > 0) await yieldToIo();
      const end = Math.min(batch.length, i + RESOLVE_SLICE);
      for (let j = i; j < end; j++) {
        const p = batch[j]!;
        if (p.settle === undefined) p.resolve(results[j]!);
        else settleWith(p.settle, null, results[j]!);
      }
    }
  }

  private observe(batch: readonly Pending<I, R>[], started: number, ok: boolean): void {
    if (!this.opts.onBatch) return;
    const now = performance.now();
    try {
      this.opts.onBatch({ size: batch.length, waitMs: now - batch[0]!.at, commitMs: now - started, ok });
    } catch {
      // an observer never changes what callers are told
    }
  }
}

/** A caller's callback, kept from stopping the rest of its batch from being answered. */
function settleWith<R>(settle: Settle<R>, error: unknown, result: R | undefined): void {
  try {
    settle(error, result);
  } catch (e) {
    process.nextTick(rethrow, e);
  }
}

function rethrow(e: unknown): never {
  throw e;
}
