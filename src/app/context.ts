import type { Database } from '../store/sql.ts';
import type { Journal } from '../store/journal.ts';

/**
 * The running application: every service an adapter (HTTP, CLI, console) may call.
 * Each feature adds its service here and constructs it in `create.ts`.
 */
export interface AppContext {
  readonly db: Database;
  readonly journal: Journal;
}
