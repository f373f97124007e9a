import { createHash } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { COPY_MIN_ROWS, copyStatement, encodeCopyBytes, encodeJsonRows, jsonRowsStatement, type CopyValue } from './bulk-rows.ts';
import { assertSchemaName, sqlHandle, type BulkRows, type Database, type QueryOptions, type Sql } from './sql.ts';

const INT8 = 20;
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A PostgreSQL server reached through a pool; every connection pins `search_path` to the schema. */
export async function openPostgres(url: string, opts: { schema?: string; max?: number } = {}): Promise<Database> {
  const schema = assertSchemaName(opts.schema ?? 'public');
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    types: typeParsers,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Named prepared statements (QueryOptions.prepare: the journal's one-statement batch) run on
  // a session of their own that plans them once. With the server's default plan_cache_mode,
  // PostgreSQL plans such a statement again for every run whenever a plan for the actual values
  // looks cheaper than the generic one, and for the batch it always does: it counts the rows of
  // an `unnest` over constant arrays, not over parameters. Measured at 1,000 decisions/s
  // (bench/decision-write-ab.ts): planning was a fifth of the backend's samples, and forcing the
  // generic plan took 29 % off the backend's CPU per decision. The setting is the session's and
  // holds for every statement with parameters, so it is confined to this session: the other
  // queries keep plans made for their values. PGlite sets it for its one session (pglite-engine.ts).
  const prepared = new PreparedSession({
    connectionString: url,
    types: typeParsers,
    options: `-c search_path=${schema} -c plan_cache_mode=force_generic_plan`,
    connectionTimeoutMillis: 5_000,
  });
  if (schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);

  const listeners: ListenSession[] = [];
  const wrap = (c: pg.Pool | pg.PoolClient): Sql => {
    const insertBulk = async (bulk: BulkRows) => {
      if (bulk.engine !== 'postgres') throw new Error('bulk rows were encoded for another engine');
      if (typeof bulk.payload === 'string') return void (await c.query(bulk.statement, [bulk.payload]));
      if (!(c instanceof pg.Pool)) return copyIn(c, bulk.statement, bulk.payload);
      // Outside a transaction COPY needs a connection of its own for its copy-in exchange.
      const client = await c.connect();
      client.on('error', ignore); // as in `transaction`: a lost connection fails the copy, not the process
      try {
        await copyIn(client, bulk.statement, bulk.payload);
      } finally {
        client.removeListener('error', ignore);
        client.release();
      }
    };
    return sqlHandle({
      engine: 'postgres',
      async query<R>(text: string, params: readonly unknown[] = [], opts?: QueryOptions) {
        // Inside a transaction the statement stays on its connection (the journal's locked way, rare).
        if (opts?.prepare && c === pool) return prepared.query<R>(statementName(text), text, params);
        // `reuse`: a named statement on this pool's (or transaction's) connection (QueryOptions.reuse).
        const res = opts?.prepare || opts?.reuse ? await c.query({ name: statementName(text), text, values: params as unknown[] }) : await c.query(text, params as unknown[]);
        return res.rows as R[];
      },
      async exec(script: string) {
        await c.query(script);
      },
      encodeBulk,
      insertBulk,
    });
  };

  return {
    schema,
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a connection lost mid-transaction (a network
      // cut, a failover) would otherwise be an uncaught 'error' that ends the process. The
      // statement in flight fails with it, and the transaction with that.
      client.on('error', ignore);
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.removeListener('error', ignore);
        client.release(); // the pool discards a client whose connection ended
      }
    },
    async listen(channel, onPayload, onResync) {
      // LISTEN needs a dedicated connection that is never returned to the pool.
      const session = await listenSession(url, schema, channel, onPayload, onResync);
      listeners.push(session);
      return () => session.end();
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      await Promise.all(listeners.map((c) => c.end()));
      await Promise.all([pool.end(), prepared.end()]);
    },
  };
}

/**
 * The session of the journal's batch statement (`prepared` in openPostgres): one connection,
 * held for the process's life instead of checked out of a pool for every batch, and in pg's
 * pipeline mode, so a second batch the journal sends while the first commits (Journal
 * maxInFlight) is written at once and runs right after it on the same backend — in the order
 * sent, which is the order the journal cut them; the second then finds the head the first left,
 * as it did when it waited for the first's row lock in a session of its own. Each statement is
 * its own implicit transaction (pg ends each with a Sync), so one that fails leaves the next to
 * run. A connection that fails or ends fails what was sent on it (the journal rejects those
 * callers; nothing of theirs is acknowledged) and the next statement opens a new one.
 *
 * Statements go as pg.Query objects (pg's own Submittable) made from their text, so pg neither
 * copies a config object per statement (`cloneQueryConfig`: getOwnPropertyDescriptors and
 * defineProperties, ~2 µs) nor wraps the answer in a promise with a stack capture of its own.
 */
class PreparedSession {
  private client: pg.Client | undefined;
  private opening: Promise<pg.Client> | undefined;
  private ended = false;

  constructor(private readonly config: pg.ClientConfig) {}

  query<R>(name: string, text: string, values: readonly unknown[]): Promise<R[]> {
    const client = this.client;
    if (client) return this.run<R>(client, name, text, values);
    return this.open().then((c) => this.run<R>(c, name, text, values));
  }

  private run<R>(client: pg.Client, name: string, text: string, values: readonly unknown[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      client.query(
        new NamedQuery(name, text, values, (error, result) => {
          if (!error) return resolve(result.rows as R[]);
          // The server ending the session (a restart, pg_terminate_backend: FATAL) or the
          // connection failing: the next statement must not be sent on it, as it would be
          // before its 'end' arrives. A statement's own error (a constraint, say) keeps it.
          if (!(error instanceof pg.DatabaseError) || error.severity === 'FATAL' || error.severity === 'PANIC') this.discard(client);
          reject(error);
        }),
      );
    });
  }

  private discard(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => {});
  }

  private open(): Promise<pg.Client> {
    if (this.ended) return Promise.reject(new Error('the database is closed'));
    this.opening ??= (async () => {
      const c = new pg.Client({ ...this.config, pipeline: true });
      // Without a listener a lost connection would be an uncaught 'error' that ends the process;
      // the statements sent on it fail with it (pg rejects them), and the session is dropped.
      const drop = () => {
        if (this.client === c) this.client = undefined;
      };
      c.on('error', drop);
      c.on('end', drop);
      try {
        await c.connect();
      } catch (e) {
        await c.end().catch(() => {});
        throw e;
      } finally {
        this.opening = undefined;
      }
      if (this.ended) {
        await c.end().catch(() => {});
        throw new Error('the database is closed');
      }
      this.client = c;
      return c;
    })();
    return this.opening;
  }

  async end(): Promise<void> {
    this.ended = true;
    const c = this.client ?? (await this.opening?.catch(() => undefined));
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}

/** A named statement made from its text (no config object to copy), answered through its callback. */
class NamedQuery extends pg.Query {
  constructor(name: string, text: string, values: readonly unknown[], callback: (error: Error | undefined, result: { rows: unknown[] }) => void) {
    super(text, values as unknown[], callback as never);
    // What a QueryConfig's `name` sets (pg's Query#prepare parses a named statement once per
    // connection); test/store/prepared-plans.test.ts fails if the statement is not kept prepared.
    (this as unknown as { name: string }).name = name;
  }
}


// Named prepared statements, one name per text: parsing and planning a statement of several
// CTEs costs the server more than executing it for a small batch. Names are kept so the hash
// is taken once per text.
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = 'cg_' + createHash('sha256').update(text).digest('hex').slice(0, 32);
    if (statementNames.size >= 256) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/** Settles when the server has acknowledged the whole COPY (or refused it). */
function copyIn(client: pg.PoolClient, statement: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(statement));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    if (data instanceof Uint8Array) return void stream.end(data);
    for (const chunk of data) stream.write(chunk);
    stream.end();
  });
}

function encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined {
  const list = Array.isArray(rows) ? (rows as ReadonlyArray<readonly CopyValue[]>) : [...rows];
  if (list.length === 0) return undefined;
  if (list.length < COPY_MIN_ROWS) return { engine: 'postgres', statement: jsonRowsStatement(table, columns), payload: encodeJsonRows(list, columns) };
  const statement = copyStatement(table, columns);
  return { engine: 'postgres', statement, payload: encodeCopyBytes(list, columns.length) };
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

const ignore = () => {};

interface ListenSession {
  end(): Promise<void>;
}

/** Longest wait between two attempts to re-establish a lost LISTEN session. */
const LISTEN_RETRY_MAX_MS = 2_000;

/**
 * A LISTEN session that outlives its connection: when the server ends it (a restart, a failover,
 * `pg_terminate_backend`, a network cut), it reconnects — 50 ms, then doubling up to
 * LISTEN_RETRY_MAX_MS — and, once listening again, calls `onResync`, since whatever was notified
 * in between is gone. The first connection's failure is the caller's (start-up fails loudly).
 */
async function listenSession(
  url: string,
  schema: string,
  channel: string,
  onPayload: (payload: string) => void,
  onResync: (() => void) | undefined,
): Promise<ListenSession> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 50;

  const open = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}`, connectionTimeoutMillis: 5_000 });
    c.on('error', () => {}); // followed by 'end', which is where the session is re-established
    c.on('notification', (n) => {
      if (n.channel === channel) onPayload(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    c.once('end', () => {
      if (client === c) client = undefined;
      if (!stopped) reconnectSoon();
    });
    return c;
  };

  const reconnectSoon = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void open().then(
        async (c) => {
          if (stopped) return void (await c.end().catch(() => {}));
          client = c;
          delay = 50;
          onResync?.();
        },
        () => {
          delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
          reconnectSoon();
        },
      );
    }, delay);
    retry.unref();
  };

  client = await open();
  return {
    async end() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = undefined;
      await client?.end().catch(() => {});
    },
  };
}
