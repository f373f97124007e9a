import { canonicalJson } from '../core/canonical.ts';
import { bytesEqual } from '../ledger/hash.ts';
import { GroupCommit, type BatchStats, type Settle } from './group-commit.ts';
import { subjectOf } from './ledger-appender.ts';
import type { Database, Sql } from './sql.ts';

/**
 * The journal is the only way a consent event, a release decision or an admin action becomes
 * durable. One group-commit transaction stores each record's own rows *and* appends its entry
 * to the transparency log, so an entry is in the log if and only if its record is stored, and
 * no caller is acknowledged before both are committed.
 */
export interface LedgerAppender {
  /**
   * Appends leaves inside `tx` and returns the index of the first one. Must serialise
   * concurrent appenders (several servers on one PostgreSQL) so indexes never gap or fork.
   */
  append(tx: Sql, leaves: readonly LedgerLeaf[]): Promise<number>;
  /**
   * Optional two-step form of `append`: the CPU work now (hashing, encoding with `sql`; no
   * I/O), the write later. `after` is the head the caller expects the log to have when the
   * write runs (undefined: no idea); `end` is the head after this append if that holds. The
   * write returns where the leaves really went and the head after them, redoing the work
   * itself if the log was elsewhere.
   */
  prepare?(sql: Sql, leaves: readonly LedgerLeaf[], after: LogHead | undefined): PreparedAppend;
}

/** A log head: its size and its frontier (encodeFrontier), which pins the whole tree. */
export interface LogHead {
  readonly size: number;
  readonly frontier: Uint8Array;
}

export interface PreparedAppend {
  readonly end: LogHead | undefined;
  /** Settles when the rest of the encoding (done in slices, letting I/O through) is ready. */
  readonly ready?: Promise<void>;
  write(tx: Sql): Promise<{ first: number; end: LogHead }>;
  /**
   * The append and `rows` (data-modifying CTEs that read `h`, the moved head, with their
   * parameters numbered from `firstParam`) as ONE statement, run by `sql` on its own — its own
   * transaction, one round trip. Resolves undefined, with nothing written, when the head was
   * not the expected one. Absent when the append cannot be one statement (COPY batches).
   */
  readonly writeWith?: (sql: Sql, rows: readonly string[], params: readonly unknown[]) => Promise<{ first: number; end: LogHead } | undefined>;
  /** The number of the first parameter `writeWith` leaves to the rows. */
  readonly firstParam?: number;
}

/**
 * One entry to append: its bytes, or — journal entries, which are canonical JSON — its text,
 * whose UTF-8 the leaf hash covers (kept as text: no byte copy of every entry is made).
 */
export type LedgerLeaf = (
  | { readonly entry: Uint8Array; readonly text?: undefined }
  | { readonly text: string; readonly entry?: undefined }
) & {
  /** The subject pseudonym the entry is about, indexed for per-subject views; null if none. */
  readonly subject: string | null;
};

export type BatchRows<R> = ReadonlyArray<{ row: R; leafIndex: number }>;

/** Writes one kind's rows for a whole batch (one multi-row INSERT, ideally). */
export type BatchWriter<R> = (tx: Sql, rows: BatchRows<R>) => Promise<void>;

/**
 * A writer in two steps: `prepare` encodes the batch (CPU only, e.g. `sql.encodeBulk`) before
 * the batch holds the ledger head, so it overlaps the previous batch's commit, and returns
 * the write, which runs in the transaction. The leaf indexes it gets are the journal's
 * prediction; when the head turns out elsewhere (another server appended), it is called again
 * with the real ones.
 */
export interface PreparedWriter<R> {
  prepare(sql: Sql, rows: BatchRows<R>): BatchWrite | Promise<BatchWrite>;
  /**
   * Optional one-statement form: the batch's rows as INSERT statements that read `h` (one row
   * if the ledger head moved, none otherwise), with `param(value)` giving each value's `$n`.
   * When every kind of a batch has it, the batch is one statement: no BEGIN, no COMMIT, one
   * round trip instead of four — what a lightly loaded server's latency is made of.
   */
  statements?(rows: BatchRows<R>, param: (value: unknown) => string): string[] | undefined;
}

/** One kind's prepared write for a batch, run inside the batch's transaction. */
export type BatchWrite = (tx: Sql) => Promise<void>;

export interface Committed {
  readonly kind: string;
  readonly leafIndex: number;
  /** The entry's canonical JSON. */
  readonly text: string;
  /** The row as it was appended (the same object): lets a service recognise its own writes. */
  readonly row: unknown;
}

/**
 * A batch's view of the log head after it. `head` is its prediction as soon as it has one
 * (then `known` settles, and the next batch encodes for it while this one still waits), and
 * the real head once it has written; undefined if it failed or could not tell.
 */
interface HeadSlot {
  head: LogHead | undefined;
  readonly known: Promise<void>;
}

// The same object nearly always (a batch's prediction is its predecessor's head); else compared
// in place (Buffer.from copied both frontiers for `equals`, per batch).
const sameHead = (a: LogHead, b: LogHead) => a === b || (a.size === b.size && bytesEqual(a.frontier, b.frontier));

/**
 * A submitted record, and once its batch has committed also its `Committed` (the leaf index is
 * set then): one object per record, not a second one made for the answer (~50 B per release).
 */
interface Item {
  readonly kind: string;
  readonly row: unknown;
  readonly text: string;
  readonly subject: string | null;
  leafIndex: number;
}

export interface JournalOptions {
  maxBatch?: number;
  maxDelayMs?: number;
  /** Batches in flight at once (default 2): one committing, the next being prepared. */
  maxInFlight?: number;
  /** Items that must wait before a second batch goes beside a running one (PIPELINE_MIN_ITEMS). */
  pipelineMinItems?: number;
  /** …or once the oldest has waited this long, in ms (PIPELINE_AFTER_MS on PostgreSQL; negative: never). */
  pipelineAfterMs?: number;
}

/**
 * Measured at 1,000 releases/s on PostgreSQL (docs/release-history.md "Where the release server's CPU
 * goes"): 18 % less server CPU per release and half the p99 of starting the second batch at
 * once, and saturated throughput no lower; the durable bench's batches are far above it.
 */
export const PIPELINE_MIN_ITEMS = 32;

/**
 * A record that has waited this long beside a running batch goes to the database beside it,
 * whatever the count (group-commit.ts pipelineAfterMs): a slow commit then holds the records
 * behind it only until its own end, not until its answer is read, its callers resumed and the
 * next batch cut and encoded.
 */
export const PIPELINE_AFTER_MS = 2;

export class Journal {
  private readonly writers = new Map<string, PreparedWriter<unknown>>();
  private readonly listeners: Array<(batch: readonly Committed[]) => void> = [];
  private batchObserver: ((stats: BatchStats) => void) | undefined;
  private readonly gc: GroupCommit<Item, Committed>;
  /** Settles once the previous batch holds the ledger head (or gave up): the next may then queue for it. */
  private prevLocked: Promise<void> = Promise.resolve();
  /**
   * Settles once the previous batch's statement is on its way to the database (or it locked,
   * or gave up): on PostgreSQL a one-statement batch may then follow it on the batch session.
   */
  private prevSent: Promise<void> = Promise.resolve();
  /** Settles once the previous batch's listeners ran (or it failed): listeners see log order. */
  private prevNotified: Promise<void> = Promise.resolve();
  /** Where the last batch cut leaves the log, as far as this process can tell (see HeadSlot). */
  private lastSlot: HeadSlot = { head: undefined, known: Promise.resolve() };

  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerAppender,
    opts: JournalOptions = {},
  ) {
    this.gc = new GroupCommit<Item, Committed>({
      flush: (items) => this.flush(items),
      maxBatch: opts.maxBatch ?? 2000,
      maxDelayMs: opts.maxDelayMs ?? 0,
      // The next batch is prepared (and on PostgreSQL sent) while the previous one commits: on
      // PostgreSQL it then waits on the ledger-head row lock, which keeps batches in order; on
      // PGlite, whose database runs in a worker thread (pglite-proxy.ts), its encoding on the
      // server's thread overlaps the previous batch's insert in the worker.
      maxInFlight: opts.maxInFlight ?? 2,
      // …but only for a batch worth it: below PIPELINE_MIN_ITEMS waiting, the queue waits for
      // the running batch instead (group-commit.ts). At a moderate rate that makes one batch of
      // what pipelining cut in two, each with its own statement, round trip and commit.
      pipelineMinItems: opts.pipelineMinItems ?? PIPELINE_MIN_ITEMS,
      // On PostgreSQL only: there the batch goes right behind the running one (flush); on PGlite it
      // would wait for that batch's answer anyway, and its same-run A/Bs did not support it.
      pipelineAfterMs: opts.pipelineAfterMs ?? (db.engine === 'postgres' ? PIPELINE_AFTER_MS : undefined),
      onBatch: (stats) => this.batchObserver?.(stats),
    });
  }

  register<R>(kind: string, writer: BatchWriter<R> | PreparedWriter<R>): void {
    if (this.writers.has(kind)) throw new Error(`journal kind "${kind}" registered twice`);
    const prepared: PreparedWriter<R> = typeof writer === 'function' ? { prepare: (_sql, rows) => (tx) => writer(tx, rows) } : writer;
    this.writers.set(kind, prepared as PreparedWriter<unknown>);
  }

  /**
   * Stores `row` with the registered writer and appends `entry` (canonical JSON, no plaintext
   * personal data) to the log. Resolves with the leaf index once durable.
   */
  async append<R>(kind: string, row: R, entry: Record<string, unknown>): Promise<{ leafIndex: number }> {
    return this.appendCanonical(kind, row, canonicalJson(withKind(entry, kind)), subjectOf(entry));
  }

  /**
   * `append` for a caller that serialises its entry itself, on a path where building the entry
   * object costs (release decisions: src/app/decision-entry.ts). `text` must be what `append`
   * would write: the canonical JSON (RFC 8785) of the entry with its `kind`; `subject` is what
   * `subjectOf` finds in it.
   */
  appendCanonical<R>(kind: string, row: R, text: string, subject: string | null): Promise<{ leafIndex: number }> {
    if (!this.writers.has(kind)) return Promise.reject(new Error(`journal kind "${kind}" has no writer`));
    // The batch answers each caller with its committed record (leafIndex among its fields): no
    // async function, await and result object of its own per record.
    return this.gc.submit({ kind, row, text, subject, leafIndex: -1 });
  }

  /**
   * `appendCanonical` answered through a callback: `settle(null, committed)` once durable (its
   * `leafIndex` set), `settle(error)` if not — never in the caller's turn, and in submission
   * order among all callers, as the promise form. For the release path, which goes on to its
   * HTTP answer from here: no promise, and no microtask turn to resume an awaiter, per record.
   */
  appendCanonicalTo<R>(kind: string, row: R, text: string, subject: string | null, settle: Settle<Committed>): void {
    if (!this.writers.has(kind)) {
      queueMicrotask(() => settle(new Error(`journal kind "${kind}" has no writer`)));
      return;
    }
    this.gc.submitTo({ kind, row, text, subject, leafIndex: -1 }, settle);
  }

  /** Called after each committed batch, in log order (checkpointing, streams, live views). */
  onCommitted(fn: (batch: readonly Committed[]) => void): void {
    this.listeners.push(fn);
  }

  /** Told the size, wait and commit time of every batch, committed or failed (metrics). */
  onBatch(fn: (stats: BatchStats) => void): void {
    this.batchObserver = fn;
  }

  drain(): Promise<void> {
    return this.gc.drain();
  }

  close(): Promise<void> {
    return this.gc.close();
  }

  private async flush(items: readonly Item[]): Promise<readonly Committed[]> {
    // Batches take the ledger head in the order they were cut, so log order follows submission
    // order even with two batches in flight; the row lock then serialises them in PostgreSQL.
    // Every turn is taken now, before anything is awaited, so a later cut never overtakes.
    const before = this.lastSlot;
    let known!: () => void;
    const slot: HeadSlot = { head: undefined, known: new Promise<void>((r) => (known = r)) };
    this.lastSlot = slot;
    const prevLocked = this.prevLocked;
    let locked!: () => void;
    this.prevLocked = new Promise<void>((r) => (locked = r));
    const prevSent = this.prevSent;
    let sent!: () => void;
    this.prevSent = new Promise<void>((r) => (sent = r));
    const prevNotified = this.prevNotified;
    let notified!: () => void;
    this.prevNotified = new Promise<void>((r) => (notified = r));
    try {
      // Predict this batch's place in the log and encode everything for it now: this CPU work
      // then overlaps the previous batch's writes instead of running while the head is held.
      await before.known;
      let predicted = before.head;
      let ledgerWrite = this.ledger.prepare?.(this.db, items, predicted);
      slot.head = ledgerWrite?.end;
      if (slot.head) known();
      const single = predicted !== undefined && ledgerWrite?.writeWith ? this.oneStatement(items, predicted.size, ledgerWrite.firstParam ?? 1) : undefined;
      if (single) {
        // On PostgreSQL the statement goes right behind the previous batch's, without waiting
        // for its answer: the batch session runs them one after the other in the order sent
        // (postgres.ts PreparedSession), and the statement itself moves the head only from the
        // head it expects — the one the previous batch leaves if it commits — and writes
        // nothing otherwise (ledger-appender.ts appendIfHead). So the database starts it as soon
        // as the previous one has committed, not once this thread has read that answer,
        // resumed its callers and cut this batch. Elsewhere (PGlite) it waits for that answer.
        await (this.db.engine === 'postgres' ? prevSent : prevLocked);
        // Only on the head the previous batch left, as far as is known; a failure is the outer catch's.
        const fresh = before.head === undefined || sameHead(before.head, predicted!);
        const writing = fresh ? ledgerWrite!.writeWith!(this.db, single.statements, single.params) : undefined;
        sent();
        const done = writing ? await writing : undefined;
        if (done) {
          slot.head = done.end;
          known();
          locked();
          return await this.committed(items, done.first, prevNotified);
        }
        // Another server appended in between: this batch goes the transactional, locked way.
        predicted = undefined;
        ledgerWrite = this.ledger.prepare?.(this.db, items, undefined);
      }
      // A value no engine can store fails the batch as a whole here, before it touches the database.
      let [writes] = await Promise.all([predicted !== undefined ? this.prepareWriters(items, predicted.size) : undefined, ledgerWrite?.ready]);
      // PGlite runs one transaction at a time: one opened before the previous batch took its turn
      // would hold the database while that batch waits to open its own — a deadlock. There the
      // turn comes first (the statements queue behind the previous batch's anyway).
      if (this.db.engine === 'pglite') await prevLocked;
      const indexes = await this.db.transaction(async (tx) => {
        await prevLocked;
        let first: number;
        try {
          // The previous batch has written and left the real head in its slot. If that is not
          // where this batch was planned (another server appended in between), plan again now
          // and tell the next batch before it is cut, so one stale guess does not become a chain.
          if (predicted !== undefined && before.head !== undefined && !sameHead(before.head, predicted)) {
            predicted = before.head;
            ledgerWrite = this.ledger.prepare!(this.db, items, predicted);
            slot.head = ledgerWrite.end;
            writes = undefined;
          }
          if (ledgerWrite) {
            const done = await ledgerWrite.write(tx);
            first = done.first;
            slot.head = done.end;
          } else {
            first = await this.ledger.append(tx, items);
            slot.head = undefined;
          }
        } catch (e) {
          slot.head = undefined;
          throw e;
        } finally {
          known();
          locked();
          sent();
        }
        if (first !== predicted?.size || !writes) writes = await this.prepareWriters(items, first);
        for (const write of writes) await write(tx);
        return items.map((_, i) => first + i);
      });
      locked();
      return await this.committed(items, indexes[0]!, prevNotified);
    } catch (e) {
      // Nothing of this batch is in the log: the next one finds the head itself.
      slot.head = undefined;
      throw e;
    } finally {
      known();
      locked();
      sent();
      // A failed batch still passes the turn on, but only after its predecessor's listeners ran.
      void prevNotified.then(notified);
    }
  }

  /** After the commit: listeners in log order, then each caller's record (with its leaf index). */
  private async committed(items: readonly Item[], first: number, prevNotified: Promise<void>): Promise<readonly Committed[]> {
    await prevNotified;
    // The items become the records: their leaf indexes set, the batch's own array handed on.
    for (let i = 0; i < items.length; i++) items[i]!.leafIndex = first + i;
    const batch: readonly Committed[] = items;
    // Indexed: for-of made an iterator result per listener here (seen in the heap profile).
    for (let l = 0; l < this.listeners.length; l++) {
      const fn = this.listeners[l]!;
      try {
        fn(batch);
      } catch {
        // A listener must never turn a committed write into a reported failure.
      }
    }
    return batch;
  }

  /** Every kind's rows as statements for one-statement batches; undefined if a kind has no such form. */
  private oneStatement(items: readonly Item[], first: number, firstParam: number): { statements: string[]; params: unknown[] } | undefined {
    const byKind = this.byKind(items, first);
    const params: unknown[] = [];
    const statements: string[] = [];
    for (const [kind, rows] of byKind) {
      const writer = this.writers.get(kind)!;
      if (!writer.statements) return undefined;
      // An argument, not a named `const`: the tsx loader npm start runs would name a named
      // closure with defineProperty each time it is made (esbuild's keepNames).
      const own = writer.statements(rows, (v: unknown) => {
        params.push(v);
        return `$${firstParam + params.length - 1}`;
      });
      // Undefined: the writer wants this batch in a transaction (its `prepare`), e.g. to learn
      // something about the table first; the batch goes the transactional way.
      if (!own) return undefined;
      statements.push(...own);
    }
    return { statements, params };
  }

  private byKind(items: readonly Item[], first: number): Map<string, Array<{ row: unknown; leafIndex: number }>> {
    const byKind = new Map<string, Array<{ row: unknown; leafIndex: number }>>();
    items.forEach((it, i) => {
      const list = byKind.get(it.kind);
      if (list) list.push({ row: it.row, leafIndex: first + i });
      else byKind.set(it.kind, [{ row: it.row, leafIndex: first + i }]);
    });
    return byKind;
  }

  /** Each kind's write for this batch at leaf indexes from `first` on, in kind order of first appearance. */
  private async prepareWriters(items: readonly Item[], first: number): Promise<BatchWrite[]> {
    const byKind = this.byKind(items, first);
    const writes: BatchWrite[] = [];
    for (const [kind, rows] of byKind) writes.push(await this.writers.get(kind)!.prepare(this.db, rows));
    return writes;
  }
}

/**
 * `{ ...entry, kind }` with `kind` at its sorted place: an entry whose keys are already in JCS
 * order then stays in order, and canonicalJson takes its native JSON.stringify path.
 */
function withKind(entry: Record<string, unknown>, kind: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const k of Object.keys(entry)) {
    if (k === 'kind') continue;
    if (!placed && k > 'kind') {
      out.kind = kind;
      placed = true;
    }
    out[k] = entry[k];
  }
  if (!placed) out.kind = kind;
  return out;
}
