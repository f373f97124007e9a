import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { Wire, type WireOptions } from './pglite-wire.ts';
import { encodeJsonRows, jsonRowsStatement, type CopyValue } from './bulk-rows.ts';
import type { BulkRows } from './sql.ts';

/**
 * PGlite as ConsentGate configures it, whichever thread it runs in (src/store/pglite.ts runs it
 * in a worker thread by default, in the caller's own thread on request): the instance with its
 * type parsers and serializers, and how one statement is run on it. Both threads import this, so
 * the two placements read and write exactly the same values.
 */

/** What starts an instance; `dataDir` undefined means in memory. */
export interface EngineOptions {
  readonly dataDir?: string | undefined;
  readonly schema: string;
  /** When checkpoints are checked and taken (tests shorten them); see startCheckpoints. */
  readonly checkpoints?: CheckpointOptions | undefined;
}

export interface CheckpointOptions {
  /** How often the WAL written since the last checkpoint is looked at (default 10 s). */
  readonly checkMs?: number;
  /** WAL since the last checkpoint's redo point that calls for one (default: as PostgreSQL's checkpointer, below). */
  readonly walBytes?: number;
  /** Time since the last checkpoint that calls for one when any WAL was written (default: `checkpoint_timeout`). */
  readonly maxAgeMs?: number;
  /**
   * Age of the database's oldest unfrozen transaction id that calls for `VACUUM (FREEZE)`
   * (default: `autovacuum_freeze_max_age`, 200 million, where autovacuum would force one).
   */
  readonly freezeAge?: number;
}

const toNumber = (v: string) => Number(v);

/**
 * Extra server settings. `wal_init_zero=off`: a new 16 MB WAL segment is created by writing its
 * last byte instead of 16 MB of zeros. The WASM build runs without fsync (PGlite's `-F`), so a
 * commit is durable once its WAL is written to the file, and the zero-fill protects nothing
 * that a sparse file does not: it only doubled the WAL's write volume (docs/scaling.md).
 *
 * `plan_cache_mode=force_generic_plan`: a prepared statement (QueryOptions.prepare: the journal's
 * batch statement) is planned once. By default PostgreSQL plans it again for every run whenever a
 * plan for the actual values looks cheaper than the generic one — and for the batch it always
 * does, because it can count the rows of an `unnest` over constant arrays but not over parameters
 * — so the planner ran for every batch, a fifth of the database thread's time at 1,000
 * releases/s. The setting holds for every statement with parameters, named or not (checked with
 * auto_explain on PostgreSQL 15: an unnamed `relname = $1` keeps `$1` in its index condition), so
 * every query of the embedded database is planned without its values. That is safe for this
 * schema: the queries are key lookups and ranges on indexed columns, and the partial indexes
 * (migrations 030, 040, 170, 190) have constant predicates or `IS NOT NULL`, which a strict `=`
 * on a parameter still implies. PostgreSQL deployments keep the server's default.
 *
 * `track_activities=off`, `track_counts=off`: the statistics a multi-backend server keeps for its
 * monitoring views and its autovacuum launcher, paid on every statement — the running query's text
 * copied into the backend's status entry and its state reported at start and end, and per-table
 * tuple counters merged at every commit and flushed to shared memory. PGlite has one backend (the
 * query running is always ours) and no autovacuum, and nothing here reads pg_stat_activity's text
 * or pg_stat_*_tables on PGlite. Measured with callgrind on the worker thread, batches of five as
 * at 1,000 releases/s: about 1.5 % fewer instructions per batch (docs/release-history.md, 2026-12-07
 * h-pglw). What a commit makes durable, and when, is unchanged.
 */
const SETTINGS = ['-c', 'wal_init_zero=off', '-c', 'plan_cache_mode=force_generic_plan', '-c', 'track_activities=off', '-c', 'track_counts=off'];

/** Starts PGlite, with `search_path` set to `schema` (PGlite has one connection: it stays). */
export async function startPGlite(opts: EngineOptions): Promise<PGlite> {
  let pg: PGlite | undefined;
  try {
    pg = await PGlite.create({
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      startParams: [...PGlite.defaultStartParams, ...SETTINGS],
      parsers: { [types.INT8]: toNumber, [types.BYTEA]: byteaFromHex },
      serializers: { [types.JSON]: jsonParam },
    });
    if (opts.schema !== 'public') await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}; SET search_path TO ${opts.schema}`);
    return pg;
  } catch (e) {
    await pg?.close().catch(() => {});
    throw e;
  }
}

/**
 * Checkpoints, which PGlite never takes by itself. PostgreSQL's checkpointer is a process of its
 * own that the postmaster starts; PGlite runs the backend alone (single-user mode), where a
 * checkpoint happens only at start-up, at close, or on `CHECKPOINT`. Without one, nothing before
 * the last checkpoint's redo point can be recycled: pg_wal grew by every byte written (224 MB
 * after 100,000 durable decisions, 14 segments, measured 2026-12-07) for as long as the server
 * ran, and after a crash the next start replays all of it. So this does what the checkpointer
 * would, with the server's own settings: a checkpoint once the WAL written since the last one
 * reaches `max_wal_size / (1 + checkpoint_completion_target)` (PostgreSQL's trigger, ~539 MB by
 * default), or once `checkpoint_timeout` (5 min) passed with WAL written. A checkpoint writes the
 * dirty shared buffers (~200 ms after 100,000 decisions on a 2-core Xeon) and blocks statements
 * meanwhile: PGlite has one backend, so it cannot be spread as the checkpointer spreads it. It
 * changes nothing that is acknowledged: a commit is durable once its WAL is written, before and
 * after, and recovery replays from the newer redo point.
 *
 * Statements wait for it as for any other (PGlite's exclusive lock, taken by `run`), so it never
 * runs inside a transaction. The same tick also keeps transaction ids from wrapping around
 * (`freezeIfOld` below), autovacuum's other job that PGlite lacks. Returns the stop function
 * (call it before closing the instance) and the counts of checks made and checkpoints taken, so
 * that a test can tell "no checkpoint" from "not checked yet".
 */
export function startCheckpoints(pg: PGlite, run: StatementRunner, opts: CheckpointOptions = {}): Checkpoints {
  let stopped = false;
  let busy = false;
  let limits: { walBytes: number; maxAgeMs: number; freezeAge: number } | undefined;
  const stats = { checks: 0, checkpoints: 0 };
  const check = async () => {
    await decide();
    stats.checks++;
  };
  const decide = async () => {
    limits ??= await checkpointLimits(pg, run, opts);
    if (!stopped) await freezeIfOld(pg, run, limits.freezeAge);
    const [w] = await run.query<{ since: number; age_ms: number }>(
      pg,
      `SELECT (pg_current_wal_insert_lsn() - redo_lsn)::int8 AS since,
              (extract(epoch FROM now() - checkpoint_time) * 1000)::int8 AS age_ms
         FROM pg_control_checkpoint()`,
    );
    // A checkpoint's own record (and nothing else) follows its redo point when nothing was written since.
    const written = w!.since > CHECKPOINT_RECORD_MAX;
    if (stopped || !written || (w!.since < limits.walBytes && w!.age_ms < limits.maxAgeMs)) return;
    await run.query(pg, 'CHECKPOINT');
    stats.checkpoints++;
  };
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    // A failed check (the instance closing under it) is retried at the next tick, or never once stopped.
    check()
      .catch(() => {})
      .finally(() => (busy = false));
  }, opts.checkMs ?? 10_000);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    stats: () => ({ ...stats }),
  };
}

/** A running checkpoint scheduler (startCheckpoints). */
export interface Checkpoints {
  stop(): void;
  /** Checks completed (each looked at the WAL and decided), and checkpoints they took, so far. */
  stats(): CheckpointStats;
}

export interface CheckpointStats {
  readonly checks: number;
  readonly checkpoints: number;
}

/** Bytes of WAL a checkpoint itself writes after its redo point (its record, ~200 B; a page header at most besides). */
const CHECKPOINT_RECORD_MAX = 1024;

/**
 * Transaction-id wraparound, which autovacuum prevents on PostgreSQL and nothing did on PGlite
 * (no autovacuum launcher in single-user mode): every group-commit batch is a transaction, so at
 * ~200 batches/s the 2^31 ids of the window pass in ~124 days, after which PostgreSQL refuses
 * every write until someone vacuums by hand. Once the database's oldest unfrozen id is older
 * than `freezeAge` (autovacuum_freeze_max_age, where autovacuum would force an anti-wraparound
 * vacuum), the whole database is vacuumed with FREEZE, which moves datfrozenxid up to about now.
 * Statements wait for it (seconds on a large database: 2.8 s for 250 MB measured on a 2-core
 * Xeon), once per ~freezeAge transactions — rare, and far cheaper than a database that stops.
 */
async function freezeIfOld(pg: PGlite, run: StatementRunner, freezeAge: number): Promise<void> {
  const [d] = await run.query<{ age: number }>(pg, 'SELECT age(datfrozenxid)::int8 AS age FROM pg_database WHERE datname = current_database()');
  if (d && d.age > freezeAge) await run.query(pg, 'VACUUM (FREEZE)');
}

async function checkpointLimits(pg: PGlite, run: StatementRunner, opts: CheckpointOptions): Promise<{ walBytes: number; maxAgeMs: number; freezeAge: number }> {
  if (opts.walBytes !== undefined && opts.maxAgeMs !== undefined && opts.freezeAge !== undefined) return { walBytes: opts.walBytes, maxAgeMs: opts.maxAgeMs, freezeAge: opts.freezeAge };
  const rows = await run.query<{ name: string; v: number }>(
    pg,
    `SELECT name, setting::float8 * CASE unit WHEN 'MB' THEN 1048576 WHEN 's' THEN 1000 ELSE 1 END AS v
       FROM pg_settings WHERE name IN ('max_wal_size', 'checkpoint_completion_target', 'checkpoint_timeout', 'autovacuum_freeze_max_age')`,
  );
  const get = (n: string) => rows.find((r) => r.name === n)!.v;
  return {
    walBytes: opts.walBytes ?? Math.floor(get('max_wal_size') / (1 + get('checkpoint_completion_target'))),
    maxAgeMs: opts.maxAgeMs ?? get('checkpoint_timeout'),
    freezeAge: opts.freezeAge ?? get('autovacuum_freeze_max_age'),
  };
}

/** Something that runs statements: the instance itself or one of its transactions. */
export type Runner = PGlite | Transaction;

export interface StatementRunner {
  query<R>(on: Runner, text: string, params?: readonly unknown[], opts?: WireOptions): Promise<R[]>;
  /**
   * A statement outside a transaction run at once, in this turn, when nothing else is using the
   * instance and the statement was run before (its description known): its rows, or its error
   * thrown (a promise only for a failure of PGlite itself). Undefined otherwise: then `query`.
   * Only for a runner made with `owned` (see statementRunner).
   */
  queryNow<R>(text: string, params?: readonly unknown[], opts?: WireOptions): R[] | Promise<never> | undefined;
  exec(on: Runner, script: string): Promise<void>;
  /** LISTEN through PGlite, so notifications reach `onPayload` whichever way a statement ran. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Marks the instance in use until `work` settles: every other call into PGlite (its
   * `transaction`, `close`) that may take its locks goes through here, so `queryNow` knows them free.
   */
  hold<T>(work: Promise<T>): Promise<T>;
}

/**
 * Runs statements the way every caller of the Sql interface expects, through the wire
 * (pglite-wire.ts) instead of PGlite's `query`, under PGlite's own locks exactly as `query` takes
 * them: a statement outside a transaction waits until an open transaction ended, one inside runs
 * in its turn. Transactions themselves (BEGIN, COMMIT or ROLLBACK, and COMMIT of an aborted
 * transaction failing) stay PGlite's, as do scripts (`exec`: migrations).
 *
 * `owned`: every use of the instance goes through this runner (its statements, scripts and
 * listeners) or its `hold` (PGlite's `transaction` and `close`) — PGlite's worker thread
 * (pglite-thread.ts). Then the runner knows when PGlite's locks are free: while nothing it
 * started is still running or waiting. A statement asked for then can run at once without taking
 * them (`queryNow`): one JavaScript turn runs it to the end, so nothing can take a lock or run a
 * statement in between — the same order and isolation as taking and releasing both locks, without
 * their two queued promises and generator turns per statement (a group-commit batch's round trip
 * in the worker, docs/release-history.md). Without `owned` (the caller's thread, where the Database hands
 * out PGlite's `transaction` itself), `queryNow` always answers undefined.
 */
export function statementRunner(pg: PGlite, { owned = false }: { owned?: boolean } = {}): StatementRunner {
  // Listeners by channel as PostgreSQL names it: a notification that arrives with a statement
  // run through the wire is delivered here; one that arrives through PGlite's own calls (COMMIT),
  // by PGlite, to the same callbacks.
  const listeners = new Map<string, Set<(payload: string) => void>>();
  const wire = new Wire(pg, (channel, payload) => {
    for (const cb of listeners.get(channel) ?? []) cb(payload);
  });
  const inTx = (on: Runner) => on !== pg;
  /** Calls into PGlite started and not yet settled (only counted when `owned`). */
  let busy = 0;
  const settled = () => void busy--;
  const hold = <T>(work: Promise<T>): Promise<T> => {
    busy++;
    // Decremented after PGlite released its locks: its runExclusive releases before it settles.
    return work.finally(settled);
  };
  const runQuery = async <R>(on: Runner, text: string, params: readonly unknown[], opts: WireOptions | undefined): Promise<R[]> => {
    // PGlite's own `query` refuses once closed ("PGlite is closing"/"closed"); the wire path
    // must too: a late timer's statement would otherwise fail inside the WASM backend with an
    // error nobody can recognise.
    await pg._checkReady();
    if (!inTx(on)) return pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => wire.query<R>(text, params, opts)));
    if ((on as Transaction).closed) throw new Error('Transaction is closed');
    return pg._runExclusiveQuery(() => wire.query<R>(text, params, opts));
  };
  return {
    query<R>(on: Runner, text: string, params: readonly unknown[] = [], opts?: WireOptions) {
      return hold(runQuery<R>(on, text, params, opts));
    },
    queryNow<R>(text: string, params: readonly unknown[] = [], opts?: WireOptions) {
      // `ready`: started, and neither closing nor closed (what _checkReady checks).
      if (!owned || busy !== 0 || !pg.ready) return undefined;
      return wire.queryNow<R>(text, params, opts);
    },
    exec(on: Runner, script: string) {
      return hold(
        (async () => {
          try {
            await on.exec(script);
          } finally {
            // A script may change what a statement's parameters and columns are (DDL).
            await pg._runExclusiveQuery(() => wire.forget());
          }
        })(),
      );
    },
    async listen(channel, onPayload) {
      const name = channel.startsWith('"') && channel.endsWith('"') ? channel.slice(1, -1) : channel.toLowerCase();
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(onPayload);
      try {
        const unlisten = await hold(pg.listen(channel, onPayload));
        return async () => {
          set.delete(onPayload);
          await hold(unlisten());
        };
      } catch (e) {
        set.delete(onPayload);
        throw e;
      }
    },
    hold,
  };
}

/**
 * A bytea result (`\x` and hex) as a Uint8Array of its own: decoded natively instead of by
 * PGlite's parser, which calls parseInt once per byte. Its own buffer, exactly its size, so
 * it can be handed to another thread without copying anything else (pglite-messages.ts).
 */
export function byteaFromHex(text: string): Uint8Array {
  const out = new Uint8Array((text.length - 2) >>> 1);
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text.slice(2), 'hex');
  return out;
}

/** From this length on, a json parameter travels as UTF-8 bytes (see jsonParam). */
export const BINARY_JSON_MIN = 512;
const defaultJson = types.serializers[types.JSON]!;

/**
 * A json parameter: a long text (a batch's rows as one JSON document, bulk-rows.ts) is sent as
 * its UTF-8 bytes in the binary parameter format, which json_recv takes as the text itself.
 * PGlite sends text parameters by first counting their UTF-8 length in a JavaScript loop, one
 * character at a time: for a group-commit batch's documents that loop alone was a fifth of the
 * durable write path's time (docs/scaling.md). `Buffer.from` encodes natively; the server still
 * checks the bytes are valid UTF-8 and valid JSON, exactly as for text. Short values keep the
 * text form (encoding them to bytes would cost more than the loop).
 */
function jsonParam(v: unknown): string {
  return typeof v === 'string' && v.length >= BINARY_JSON_MIN ? (Buffer.from(v, 'utf8') as unknown as string) : defaultJson(v);
}

/** Not COPY on PGlite: see bulk-rows.ts for why it takes one JSON document instead. */
export function encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined {
  const statement = jsonRowsStatement(table, columns);
  const payload = encodeJsonRows(rows, columns);
  return payload === '' ? undefined : { engine: 'pglite', statement, payload };
}

/** The sending half of `copyInto` on PGlite: one statement with the document as its parameter. */
export function bulkStatement(bulk: BulkRows): { text: string; params: [string] } {
  if (bulk.engine !== 'pglite' || typeof bulk.payload !== 'string') throw new Error('bulk rows were encoded for another engine');
  return { text: bulk.statement, params: [bulk.payload] };
}
