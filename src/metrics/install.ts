import type { AppContext } from '../app/context.ts';
import { observeJournal } from './journal-metrics.ts';
import { observeState, type StateMetricsOptions } from './state-metrics.ts';

const installed = new WeakSet<object>();

/**
 * The privacy team's metrics on the app's registry (docs/deploy.md "Metrics"): counters from the
 * journal's committed batches and group-commit timings (journal-metrics.ts), gauges of the
 * shared state read at scrape time (state-metrics.ts). Outbox attempts are counted through the
 * dispatcher's hook (outbox-metrics.ts, wired in create.ts). HTTP metrics: src/http/metrics.ts.
 */
export function installDomainMetrics(ctx: Pick<AppContext, 'db' | 'journal' | 'metrics'>, opts: StateMetricsOptions = {}): void {
  if (installed.has(ctx.metrics)) return;
  installed.add(ctx.metrics);
  observeJournal(ctx.journal, ctx.metrics);
  observeState(ctx.db, ctx.metrics, opts);
}
