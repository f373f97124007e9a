import type { Sql } from './sql.ts';

/**
 * NOTIFY `prefix + <the session's schema>` from inside the writing transaction. PostgreSQL sends
 * it when, and only if, that transaction commits — so no server can store a fact and die before
 * telling the others (a NOTIFY sent after the COMMIT can be lost that way), and nobody is told of
 * a write that was rolled back. The schema is the connection's `search_path`, as `db.schema`.
 */
export async function notifyOnCommit(tx: Sql, prefix: string, payload: string): Promise<void> {
  await tx.query('SELECT pg_notify($1 || current_schema(), $2)', [prefix, payload]);
}
