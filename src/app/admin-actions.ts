import type { Journal } from '../store/journal.ts';
import type { Sql } from '../store/sql.ts';

/** What the transparency log says about an admin action: who did what to which object, when. */
export interface AdminAction {
  /** e.g. `registry.activate`, `key.create`, `key.revoke`, `recipient.register`. */
  readonly action: string;
  /** The acting API key id (or `system` for start-up seeding). */
  readonly actor: string;
  /** The object acted on (version, key id, member id) — never personal data. */
  readonly target: string;
  /** Extra non-personal facts for the log entry (hashes, scopes, class). */
  readonly facts?: Record<string, string | number | boolean | readonly string[]>;
}

interface Row {
  action: AdminAction;
  at: Date;
  apply: (tx: Sql) => Promise<void>;
}

/**
 * Every admin action becomes durable through the journal: its effect (`apply`) and its log
 * leaf are committed in one transaction, so the log never misses an activation or key change.
 * `apply` runs inside a group-commit batch shared with other writers: it MUST NOT fail on
 * foreseeable input (check first, write conflict-free SQL), or the whole batch is rejected.
 */
export class AdminActions {
  constructor(
    private readonly journal: Journal,
    private readonly now: () => Date = () => new Date(),
  ) {
    journal.register<Row>('admin_action', async (tx, rows) => {
      for (const { row } of rows) await row.apply(tx);
      await tx.query(
        `INSERT INTO admin_actions (leaf_index, action, actor, target, at)
         SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`,
        [
          rows.map((r) => r.leafIndex),
          rows.map((r) => r.row.action.action),
          rows.map((r) => r.row.action.actor),
          rows.map((r) => r.row.action.target),
          rows.map((r) => r.row.at.toISOString()),
        ],
      );
    });
  }

  async record(action: AdminAction, apply: (tx: Sql, at: Date) => Promise<void>): Promise<{ leafIndex: number; at: Date }> {
    const at = this.now();
    const entry = { action: action.action, actor: action.actor, target: action.target, at: at.toISOString(), ...(action.facts ? { facts: action.facts } : {}) };
    const { leafIndex } = await this.journal.append<Row>('admin_action', { action, at, apply: (tx) => apply(tx, at) }, entry);
    return { leafIndex, at };
  }
}
