import { canonicalJson } from '../core/canonical.ts';
import { GroupCommit } from './group-commit.ts';
import type { Database, Sql } from './sql.ts';

/**
 * The journal is the only way a consent event, a release decision or an admin action becomes
 * durable. One group-commit transaction stores each record's own rows *and* appends its entry
 * to the transparency log, so an entry is in the log if and only if its record is stored, and
 * no caller is acknowledged before both are committed.
 */
export interface LedgerAppender {
  /**
   * Appends leaves (entry bytes) inside `tx` and returns the index of the first one. Must
   * serialise concurrent appenders (several servers on one PostgreSQL) so indexes never gap
   * or fork.
   */
  append(tx: Sql, entries: readonly Uint8Array[]): Promise<number>;
}

/** Writes one kind's rows for a whole batch (one multi-row INSERT, ideally). */
export type BatchWriter<R> = (tx: Sql, rows: ReadonlyArray<{ row: R; leafIndex: number }>) => Promise<void>;

export interface Committed {
  readonly kind: string;
  readonly leafIndex: number;
  readonly entry: Uint8Array;
}

interface Item {
  kind: string;
  row: unknown;
  entry: Uint8Array;
}

export interface JournalOptions {
  maxBatch?: number;
  maxDelayMs?: number;
  /** Batches in flight at once; defaults to 2 on PostgreSQL, 1 on PGlite. */
  maxInFlight?: number;
}

export class Journal {
  private readonly writers = new Map<string, BatchWriter<unknown>>();
  private readonly listeners: Array<(batch: readonly Committed[]) => void> = [];
  private readonly gc: GroupCommit<Item, number>;
  /** Settles once the previous batch holds the ledger head (or gave up): the next may then queue for it. */
  private prevLocked: Promise<void> = Promise.resolve();
  /** Settles once the previous batch's listeners ran (or it failed): listeners see log order. */
  private prevNotified: Promise<void> = Promise.resolve();

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

  register<R>(kind: string, writer: BatchWriter<R>): void {
    if (this.writers.has(kind)) throw new Error(`journal kind "${kind}" registered twice`);
    this.writers.set(kind, writer as BatchWriter<unknown>);
  }

  /**
   * Stores `row` with the registered writer and appends `entry` (canonical JSON, no plaintext
   * personal data) to the log. Resolves with the leaf index once durable.
   */
  async append<R>(kind: string, row: R, entry: Record<string, unknown>): Promise<{ leafIndex: number }> {
    if (!this.writers.has(kind)) throw new Error(`journal kind "${kind}" has no writer`);
    const bytes = new TextEncoder().encode(canonicalJson({ ...entry, kind }));
    const leafIndex = await this.gc.submit({ kind, row, entry: bytes });
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
    // Batches take the ledger head in the order they were cut, so log order follows submission
    // order even with two batches in flight; the row lock then serialises them in PostgreSQL.
    const prevLocked = this.prevLocked;
    let locked!: () => void;
    this.prevLocked = new Promise<void>((r) => (locked = r));
    const prevNotified = this.prevNotified;
    let notified!: () => void;
    this.prevNotified = new Promise<void>((r) => (notified = r));
    try {
      const entries = items.map((i) => i.entry);
      const indexes = await this.db.transaction(async (tx) => {
        await prevLocked;
        let first: number;
        try {
          first = await this.ledger.append(tx, entries);
        } finally {
          locked();
        }
        const byKind = new Map<string, Array<{ row: unknown; leafIndex: number }>>();
        items.forEach((it, i) => {
          const list = byKind.get(it.kind) ?? [];
          list.push({ row: it.row, leafIndex: first + i });
          byKind.set(it.kind, list);
        });
        for (const [kind, rows] of byKind) await this.writers.get(kind)!(tx, rows);
        return items.map((_, i) => first + i);
      });
      locked();
      await prevNotified;
      const batch = items.map((it, i) => ({ kind: it.kind, leafIndex: indexes[i]!, entry: it.entry }));
      for (const fn of this.listeners) {
        try {
          fn(batch);
        } catch {
          // A listener must never turn a committed write into a reported failure.
        }
      }
      return indexes;
    } finally {
      locked();
      // A failed batch still passes the turn on, but only after its predecessor's listeners ran.
      void prevNotified.then(notified);
    }
  }
}
