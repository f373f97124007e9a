import { PGlite, types } from '@electric-sql/pglite';
import { assertSchemaName, type Database, type Sql } from './sql.ts';

const toNumber = (v: string) => Number(v);

/**
 * Embedded PostgreSQL (WASM). `dataDir` undefined means in memory. PGlite has a single
 * connection, so `search_path` is set once and stays.
 */
export async function openPGlite(opts: { dataDir?: string; schema?: string } = {}): Promise<Database> {
  const schema = assertSchemaName(opts.schema ?? 'public');
  const pg = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    parsers: { [types.INT8]: toNumber },
  });
  if (schema !== 'public') await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);

  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<R>(text: string, params: readonly unknown[] = []) {
      const res = await q.query<R>(text, params as unknown[]);
      return res.rows;
    },
    async exec(script: string) {
      await q.exec(script);
    },
  });

  return {
    engine: 'pglite',
    schema,
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return () => unlisten();
    },
    async notify(channel, payload) {
      await pg.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    close: () => pg.close(),
  };
}
