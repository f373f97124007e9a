import { canonicalJson } from '../core/canonical.ts';
import { GroupCommit } from './group-commit.ts';
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
  write(tx: Sql): Promise<{ first: number; end: LogHead }>;
}

export interface LedgerLeaf {
  /** The entry bytes (canonical JSON): what the leaf hash covers. */
  readonly entry: Uint8Array;
  /** The same entry as text, when it is UTF-8 text (journal entries always are): sent as is. */
  readonly text?: string;
  /** The subject pseudonym the entry is about, indexed for per-subject views; null if none. */
  readonly subject: string | null;
}

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
  prepare(sql: Sql, rows: BatchRows<R>): (tx: Sql) => Promise<void>;
}

export interface Committed {
  readonly kind: string;
  readonly leafIndex: number;
  readonly entry: Uint8Array;
  /** The row as it was appended (the same object): lets a service recognise its own writes. */
  readonly row: unknown;
}

interface Item extends LedgerLeaf {
  kind: string;
  row: unknown;
}

export interface JournalOptions {
  maxBatch?: number;
  maxDelayMs?: number;
  /** Batches in flight at once; defaults to 2 on PostgreSQL, 1 on PGlite. */
  maxInFlight?: number;
}

export class Journal {
  private readonly writers = new Map<string, PreparedWriter<unknown>>();
  private readonly listeners: Array<(batch: readonly Committed[]) => void> = [];
  private readonly gc: GroupCommit<Item, number>;
  /** Settles once the previous batch holds the ledger head (or gave up): the next may then queue for it. */
  private prevLocked: Promise<void> = Promise.resolve();
  /** Settles once the previous batch's listeners ran (or it failed): listeners see log order. */
  private prevNotified: Promise<void> = Promise.resolve();
  /**
   * The log head the next batch cut will find, as far as this process can tell; undefined
   * until a batch has seen the head. Batches encode their rows for it before they wait.
   */
  private nextHead: LogHead | undefined;
  private cuts = 0;

  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerAppender,
    opts: JournalOptions = {},
  ) {
    this.gc = new GroupCommit<Item, number>({
      flush: (items) => this.flush(items),
      maxBatch: opts.maxBatch ?? 2000,
      maxDelayMs: opts.maxDelayMs ?? 0,
      // On PostgreSQL the next batch is sent while the previous one commits: it then waits on
      // the ledger-head row lock, which keeps batches in order. PGlite has one connection and
      // runs transactions one at a time, so pipelining there would only deadlock on the order gate.
      maxInFlight: opts.maxInFlight ?? (db.engine === 'postgres' ? 2 : 1),
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
    if (!this.writers.has(kind)) throw new Error(`journal kind "${kind}" has no writer`);
    const text = canonicalJson(withKind(entry, kind));
    const bytes = Buffer.from(text, 'utf8');
    const leafIndex = await this.gc.submit({ kind, row, entry: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), text, subject: subjectOf(entry) });
    return { leafIndex };
  }

  /** Called after each committed batch, in log order (checkpointing, streams, live views). */
  onCommitted(fn: (batch: readonly Committed[]) => void): void {
    this.listeners.push(fn);
  }

  drain(): Promise<void> {
    return this.gc.drain();
  }

  close(): Promise<void> {
    return this.gc.close();
  }

  private async flush(items: readonly Item[]): Promise<number[]> {
    // Predict this batch's place in the log and encode everything for it now: this CPU work
    // then overlaps the previous batch's commit instead of running while the head is held.
    const cut = ++this.cuts;
    const predicted = this.nextHead;
    let ledgerWrite: PreparedAppend | undefined;
    let writes: Array<(tx: Sql) => Promise<void>> | undefined;
    try {
      ledgerWrite = this.ledger.prepare?.(this.db, items, predicted);
      this.nextHead = ledgerWrite?.end;
      writes = predicted !== undefined ? this.prepareWriters(items, predicted.size) : undefined;
    } catch (e) {
      // A value no engine can store: the batch fails as a whole before it touches the database.
      if (cut === this.cuts) this.nextHead = undefined;
      throw e;
    }

    // Batches take the ledger head in the order they were cut, so log order follows submission
    // order even with two batches in flight; the row lock then serialises them in PostgreSQL.
    const prevLocked = this.prevLocked;
    let locked!: () => void;
    this.prevLocked = new Promise<void>((r) => (locked = r));
    const prevNotified = this.prevNotified;
    let notified!: () => void;
    this.prevNotified = new Promise<void>((r) => (notified = r));
    try {
      const indexes = await this.db.transaction(async (tx) => {
        await prevLocked;
        let first: number;
        try {
          if (ledgerWrite) {
            const done = await ledgerWrite.write(tx);
            first = done.first;
            // The newest batch cut knows best where the next one starts.
            if (cut === this.cuts) this.nextHead = done.end;
          } else first = await this.ledger.append(tx, items);
        } finally {
          locked();
        }
        if (first !== predicted?.size || !writes) writes = this.prepareWriters(items, first);
        for (const write of writes) await write(tx);
        return items.map((_, i) => first + i);
      });
      locked();
      await prevNotified;
      const batch = items.map((it, i) => ({ kind: it.kind, leafIndex: indexes[i]!, entry: it.entry, row: it.row }));
      for (const fn of this.listeners) {
        try {
          fn(batch);
        } catch {
          // A listener must never turn a committed write into a reported failure.
        }
      }
      return indexes;
    } catch (e) {
      if (cut === this.cuts) this.nextHead = undefined;
      throw e;
    } finally {
      locked();
      // A failed batch still passes the turn on, but only after its predecessor's listeners ran.
      void prevNotified.then(notified);
    }
  }

  /** Each kind's write for this batch at leaf indexes from `first` on, in kind order of first appearance. */
  private prepareWriters(items: readonly Item[], first: number): Array<(tx: Sql) => Promise<void>> {
    const byKind = new Map<string, Array<{ row: unknown; leafIndex: number }>>();
    items.forEach((it, i) => {
      const list = byKind.get(it.kind);
      if (list) list.push({ row: it.row, leafIndex: first + i });
      else byKind.set(it.kind, [{ row: it.row, leafIndex: first + i }]);
    });
    return [...byKind].map(([kind, rows]) => this.writers.get(kind)!.prepare(this.db, rows));
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
