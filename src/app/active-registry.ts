import type { AppConfig } from '../config.ts';
import { CgError } from '../core/errors.ts';
import type { Registry } from '../core/registry/schema.ts';
import { Journal } from '../store/journal.ts';
import { sqlLedgerAppender } from '../store/ledger-appender.ts';
import { openDatabase } from '../store/open.ts';
import { AdminActions } from './admin-actions.ts';
import { RegistryService } from './registry-service.ts';

/**
 * The active registry of a ConsentGate database (PostgreSQL, or a stopped server's PGlite
 * directory), for CLI commands that only read it (`export fides`). Opens, reads, closes.
 */
export async function readActiveRegistry(config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'schema'>): Promise<Registry> {
  const db = await openDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.dataDir && !config.databaseUrl ? { dataDir: config.dataDir } : {}),
    ...(config.schema ? { schema: config.schema } : {}),
  });
  const journal = new Journal(db, sqlLedgerAppender);
  const registry = new RegistryService(db, new AdminActions(journal));
  let started = false;
  try {
    await registry.start();
    started = true;
    const model = registry.model;
    if (!model) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active in this database', 409);
    return model.doc;
  } finally {
    if (started) await registry.stop().catch(() => {});
    await journal.close().catch(() => {});
    await db.close();
  }
}
