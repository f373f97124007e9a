import { Gauge, type Registry } from 'prom-client';
import { RIGHTS_TYPES } from '../core/rights/request.ts';
import { metric } from '../http/metrics.ts';
import type { Sql } from '../store/sql.ts';

/**
 * Gauges of the shared state, read when /metrics is scraped: ledger size and the newest signed
 * checkpoint, the outbox backlog and dead letters, open and overdue rights requests, unconfirmed
 * deletion requests. One statement per scrape, every part of it a single-row read or a count
 * over a partial index that holds only the rows counted (pending or dead outbox messages, open
 * rights requests, requested or escalated deletions) — never a scan of a table that grows with
 * history. Several gauges collected in one scrape share that statement.
 *
 * Every server of a deployment reads the same database, so these are deployment-wide values
 * reported by each server: aggregate them with max(), never sum() (deploy/prometheus/alerts.yaml).
 */
export interface StateMetricsOptions {
  /** The clock deadlines are compared with (the rights service's clock; tests move it). */
  readonly now?: () => number;
  /** "Due soon": open requests whose deadline is within this many ms (default two days). */
  readonly dueSoonMs?: number;
}

export const DUE_SOON_MS = 2 * 86_400_000;

interface StateRow {
  ledger_size: number;
  checkpoint_size: number | null;
  checkpoint_age: number | null;
  outbox_pending: number;
  outbox_oldest_age: number | null;
  outbox_dead: number;
  deletions_requested: number;
  deletions_escalated: number;
  rights: Array<{ type: string; open: number; overdue: number; due_soon: number }>;
}

// Ages come from the database clock (the timestamps were written by it, or by servers whose
// clocks it is the reference for); deadlines from the service clock they were computed with.
export const STATE_SQL = `
SELECT (SELECT size FROM ledger_head) AS ledger_size,
       cp.size AS checkpoint_size,
       extract(epoch FROM now() - cp.created_at)::float8 AS checkpoint_age,
       (SELECT count(*) FROM outbox_messages WHERE state = 'pending') AS outbox_pending,
       (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox_messages WHERE state = 'pending') AS outbox_oldest_age,
       (SELECT count(*) FROM outbox_messages WHERE state = 'dead') AS outbox_dead,
       (SELECT count(*) FROM deletion_requests WHERE state = 'requested') AS deletions_requested,
       (SELECT count(*) FROM deletion_requests WHERE state = 'escalated') AS deletions_escalated,
       (SELECT coalesce(json_agg(r), '[]'::json) FROM (
          SELECT type, count(*) AS open,
                 count(*) FILTER (WHERE due_before <= $1) AS overdue,
                 count(*) FILTER (WHERE due_before > $1 AND due_before <= $2) AS due_soon
            FROM rights_requests WHERE state NOT IN ('completed', 'rejected') GROUP BY type) r) AS rights
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT size, created_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1) AS cp ON true`;

export function observeState(db: Sql, registry: Registry, opts: StateMetricsOptions = {}): void {
  const now = opts.now ?? Date.now;
  const dueSoonMs = opts.dueSoonMs ?? DUE_SOON_MS;
  let inFlight: Promise<void> | undefined;
  // Every gauge's collect awaits the same read: one statement per scrape.
  const refresh = () => (inFlight ??= read().finally(() => (inFlight = undefined)));

  const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
    metric(registry, Gauge<L>, { name, help, labelNames, collect: refresh });

  const ok = gauge('consentgate_state_scrape_ok', '1 when the database answered the state read of this scrape; 0 means the state gauges kept their last values');
  const took = gauge('consentgate_state_scrape_seconds', 'How long the state read of this scrape took');
  const ledgerSize = gauge('consentgate_ledger_entries', 'Entries in the transparency log (its tree size)');
  const checkpointSize = gauge('consentgate_ledger_checkpoint_size', 'Tree size of the newest signed checkpoint');
  const checkpointAge = gauge('consentgate_ledger_checkpoint_age_seconds', 'Age of the newest signed checkpoint (it only moves on when there are new entries to cover)');
  const pending = gauge('consentgate_outbox_backlog', 'Outbox messages (webhooks, stream events) waiting for delivery, retries included');
  const oldest = gauge('consentgate_outbox_oldest_pending_age_seconds', 'Age of the oldest message waiting for delivery (0 when none waits)');
  const dead = gauge('consentgate_outbox_dead_letters', 'Outbox messages that used every attempt and wait for an operator (GET /v1/outbox)');
  const deletions = gauge('consentgate_deletion_requests_unconfirmed', 'Deletion requests to recipients not yet confirmed: requested, or escalated past the confirmation period', ['state'] as const);
  const open = gauge('consentgate_rights_requests_open', 'Open data-subject rights requests by type', ['type'] as const);
  const overdue = gauge('consentgate_rights_requests_overdue', 'Open rights requests past their statutory deadline, by type', ['type'] as const);
  const dueSoon = gauge('consentgate_rights_requests_due_soon', `Open rights requests whose deadline falls within the next ${dueSoonMs / 3_600_000} hours, by type`, ['type'] as const);

  async function read(): Promise<void> {
    const started = performance.now();
    let row: StateRow | undefined;
    try {
      const t = now();
      [row] = await db.query<StateRow>(STATE_SQL, [new Date(t), new Date(t + dueSoonMs)]);
    } catch {
      // The database is down or busy: the scrape still answers (HTTP metrics, counters), and
      // consentgate_state_scrape_ok says these gauges are stale. /readyz reports the outage.
    }
    took.set((performance.now() - started) / 1000);
    ok.set(row ? 1 : 0);
    if (!row) return;
    ledgerSize.set(Number(row.ledger_size));
    checkpointSize.set(row.checkpoint_size === null ? Number.NaN : Number(row.checkpoint_size));
    checkpointAge.set(row.checkpoint_age === null ? Number.NaN : Math.max(0, row.checkpoint_age));
    pending.set(Number(row.outbox_pending));
    oldest.set(row.outbox_oldest_age === null ? 0 : Math.max(0, row.outbox_oldest_age));
    dead.set(Number(row.outbox_dead));
    deletions.set({ state: 'requested' }, Number(row.deletions_requested));
    deletions.set({ state: 'escalated' }, Number(row.deletions_escalated));
    // Every known type is reported, 0 included, so a series never just vanishes when it empties.
    const byType = new Map(row.rights.map((r) => [r.type, r]));
    for (const type of new Set<string>([...RIGHTS_TYPES, ...byType.keys()])) {
      const r = byType.get(type);
      open.set({ type }, Number(r?.open ?? 0));
      overdue.set({ type }, Number(r?.overdue ?? 0));
      dueSoon.set({ type }, Number(r?.due_soon ?? 0));
    }
  }
}
