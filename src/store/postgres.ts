import pg from 'pg';
import { assertSchemaName, type Database, type Sql } from './sql.ts';

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
  if (schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);

  const listeners: pg.Client[] = [];
  const wrap = (c: pg.Pool | pg.PoolClient): Sql => ({
    async query<R>(text: string, params: readonly unknown[] = []) {
      const res = await c.query(text, params as unknown[]);
      return res.rows as R[];
    },
    async exec(script: string) {
      await c.query(script);
    },
  });

  return {
    engine: 'postgres',
    schema,
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      // LISTEN needs a dedicated connection that is never returned to the pool.
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      client.on('error', () => {});
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel === channel) onPayload(n.payload ?? '');
      });
      await client.query(`LISTEN ${quoteIdent(channel)}`);
      listeners.push(client);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      await Promise.all(listeners.map((c) => c.end().catch(() => {})));
      await pool.end();
    },
  };
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
