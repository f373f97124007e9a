/**
 * The one SQL interface every repository is written against. Both engines — embedded PGlite
 * and a real PostgreSQL server — speak the same dialect, so every statement runs unchanged
 * on either. Parameters are `$1`-style; int8 columns come back as JS numbers on both.
 */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements (migrations). No parameters. */
  exec(script: string): Promise<void>;
}

export type Engine = 'pglite' | 'postgres';

export interface Database extends Sql {
  readonly engine: Engine;
  /** The schema every table lives in (tests use one per run so runs never collide). */
  readonly schema: string;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; returns the function that stops listening. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Schema names are interpolated into DDL, so they are restricted to a safe alphabet. */
export function assertSchemaName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return name;
}
