import type { CopyValue } from './bulk-rows.ts';

export type Engine = 'pglite' | 'postgres';

/**
 * The one SQL interface every repository is written against. Both engines — embedded PGlite
 * and a real PostgreSQL server — speak the same dialect, so every statement runs unchanged
 * on either. Parameters are `$1`-style; int8 columns come back as JS numbers on both.
 */
export interface Sql {
  /** Which engine runs the statements (a transaction's handle knows it too). */
  readonly engine: Engine;
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], opts?: QueryOptions): Promise<R[]>;
  /** Runs a script of several statements (migrations). No parameters. */
  exec(script: string): Promise<void>;
  /**
   * Bulk insert (COPY on PostgreSQL, one JSON document on PGlite; see bulk-rows.ts): one value
   * per column per row. Inside a transaction it is part of it; a bad row fails the whole
   * insert and no row is stored.
   */
  copyInto(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<void>;
  /**
   * The encoding half of `copyInto`, CPU only, so a caller can do it before it waits for a
   * lock; undefined when there are no rows. Throws on a bad value, like `copyInto`.
   */
  encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined;
  /** The sending half of `copyInto`. */
  insertBulk(rows: BulkRows): Promise<void>;
}

export interface QueryOptions {
  /**
   * The statement runs often, with different parameters: keep it parsed and planned. On
   * PostgreSQL it becomes a named prepared statement on each connection that runs it (the name
   * is derived from the text, so two texts never share one); PGlite parses every time.
   */
  readonly prepare?: boolean;
  /**
   * A read run often with different values (a decision looked up by id, the console's poll): kept
   * parsed as a named statement on each connection that runs it. On PostgreSQL that is the pool
   * every other query uses, planned as the server decides (custom plans for the first runs, then
   * the generic plan once it costs no more), not `prepare`'s one held session, which is the
   * journal's batch statement's (postgres.ts). On PGlite (one session, every statement planned generically:
   * pglite-engine.ts) it is `prepare`.
   */
  readonly reuse?: boolean;
}

/** Whether PGlite keeps the statement prepared (see QueryOptions.reuse). */
export const preparedOnPGlite = (opts: QueryOptions | undefined): boolean => opts?.prepare === true || opts?.reuse === true;

/** The options of a read kept parsed (QueryOptions.reuse). */
export const REUSE: QueryOptions = Object.freeze({ reuse: true });

/** Rows encoded for one engine's bulk path by `encodeBulk`. */
export interface BulkRows {
  readonly engine: Engine;
  readonly statement: string;
  /** A JSON document (a statement parameter), or COPY data in one piece or in several. */
  readonly payload: string | Uint8Array | readonly Uint8Array[];
}


export interface Database extends Sql {
  /** The schema every table lives in (tests use one per run so runs never collide). */
  readonly schema: string;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * LISTEN on a channel; returns the function that stops listening. Notifications sent while the
   * LISTEN session was down are lost for good (PostgreSQL queues them for listening sessions
   * only), so a lost session is re-established and `onResync` then runs: the caller re-reads what
   * it keeps from the tables, as at start (docs/scaling.md, "What another server sees, and when").
   * PGlite runs in the process and never loses one.
   */
  listen(channel: string, onPayload: (payload: string) => void, onResync?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
  /**
   * CPU time (µs) of the thread that runs the database, when that is not the caller's: PGlite's
   * worker thread (pglite-proxy.ts). Absent otherwise; null where the platform cannot tell.
   */
  threadCpuMicros?(): Promise<number | null>;
  /**
   * PGlite's checkpoint scheduler (pglite-engine.ts startCheckpoints), in either placement: the
   * checks it completed and the checkpoints they took. Absent on PostgreSQL (its own checkpointer).
   */
  checkpointStats?(): Promise<{ readonly checks: number; readonly checkpoints: number }>;
}

/** Schema names are interpolated into DDL, so they are restricted to a safe alphabet. */
export function assertSchemaName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return name;
}

/** A handle from an engine's own parts: `copyInto` is always encode-then-insert. */
export function sqlHandle(parts: Omit<Sql, 'copyInto'>): Sql {
  return {
    ...parts,
    async copyInto(table, columns, rows) {
      const bulk = parts.encodeBulk(table, columns, rows);
      if (bulk) await parts.insertBulk(bulk);
    },
  };
}
