import { PGlite, types } from '@electric-sql/pglite';
import { encodeJsonRows, jsonRowsStatement, type CopyValue } from './bulk-rows.ts';
import { assertSchemaName, sqlHandle, type BulkRows, type Database, type Sql } from './sql.ts';

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

  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => {
    const insertBulk = async (bulk: BulkRows) => {
      if (bulk.engine !== 'pglite' || typeof bulk.payload !== 'string') throw new Error('bulk rows were encoded for another engine');
      await q.query(bulk.statement, [bulk.payload]);
    };
    return sqlHandle({
      engine: 'pglite',
      async query<R>(text: string, params: readonly unknown[] = []) {
        const res = await q.query<R>(text, params as unknown[]);
        return res.rows;
      },
      async exec(script: string) {
        await q.exec(script);
      },
      encodeBulk,
      insertBulk,
    });
  };

  return {
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

/** Not COPY on PGlite: see bulk-rows.ts for why it takes one JSON document instead. */
function encodeBulk(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): BulkRows | undefined {
  const statement = jsonRowsStatement(table, columns);
  const payload = encodeJsonRows(rows, columns);
  return payload === '' ? undefined : { engine: 'pglite', statement, payload };
}
