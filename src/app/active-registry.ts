import type { AppConfig } from '../config.ts';
import { CgError } from '../core/errors.ts';
import type { Registry } from '../core/registry/schema.ts';
import type { Database } from '../store/sql.ts';
import { Journal } from '../store/journal.ts';
import { sqlLedgerAppender } from '../store/ledger-appender.ts';
import { openDatabase } from '../store/open.ts';
import { AdminActions } from './admin-actions.ts';
import { RegistryService } from './registry-service.ts';

type DatabaseConfig = Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'schema'>;

/**
 * A ConsentGate database (PostgreSQL, or a stopped server's PGlite directory) with its active
 * registry loaded, for CLI commands that only read (`export fides`, `notify usage`): nothing
 * listens, nothing is written. `close` releases everything, also after a failed start.
 */
export async function openRegistryReader(
  config: DatabaseConfig,
): Promise<{ db: Database; registry: RegistryService; close(): Promise<void> }> {
  const db = await openDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.dataDir && !config.databaseUrl ? { dataDir: config.dataDir } : {}),
    ...(config.schema ? { schema: config.schema } : {}),
  });
  const journal = new Journal(db, sqlLedgerAppender);
  const registry = new RegistryService(db, new AdminActions(journal));
  const close = async () => {
    await registry.stop().catch(() => {});
    await journal.close().catch(() => {});
    await db.close();
  };
  try {
    await registry.start();
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  return { db, registry, close };
}

/** The active registry of a database: opens, reads, closes. */
export async function readActiveRegistry(config: DatabaseConfig): Promise<Registry> {
  const { registry, close } = await openRegistryReader(config);
  try {
    const model = registry.model;
    if (!model) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active in this database', 409);
    return model.doc;
  } finally {
    await close();
  }
}
