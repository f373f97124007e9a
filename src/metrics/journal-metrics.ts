import { Counter, Histogram, type Registry } from 'prom-client';
import { DENY_CODES } from '../core/gate/types.ts';
import { RIGHTS_STATES, RIGHTS_TYPES } from '../core/rights/request.ts';
import { metric } from '../http/metrics.ts';
import { CONSENT_KIND } from '../store/consent-repo.ts';
import { DECISION_KIND } from '../store/decisions-repo.ts';
import type { Committed, Journal } from '../store/journal.ts';
import { DELETION_CONFIRMED_KIND, DELETION_ESCALATED_KIND, DELETION_REQUEST_KIND, RIGHTS_REQUEST_KIND } from '../store/rights-repo.ts';
import { Tally } from './tally.ts';

/**
 * What the privacy team counts, observed where it becomes true: the journal's committed batches.
 * A release decision, consent event or rights step is counted once its record is durable —
 * exactly when the caller is told — and never from a batch that failed. Every label comes from
 * a closed set (deny codes, consent actions, request types and states): no subject, member or
 * recipient id ever becomes a label, so the number of series stays bounded.
 *
 * Counters are per server; Prometheus sums them over servers. Batches that failed are counted
 * by `consentgate_group_commit_failed_items_total`: every such item was a 5xx to its caller.
 */
const CONSENT_ACTIONS = ['grant', 'withdraw', 'object'] as const;
const CONSENT_ACTORS = ['subject', 'guardian', 'admin'] as const;
const DELETION_EVENTS: Readonly<Record<string, string>> = {
  [DELETION_REQUEST_KIND]: 'requested',
  [DELETION_CONFIRMED_KIND]: 'confirmed',
  [DELETION_ESCALATED_KIND]: 'escalated',
};

/** Group commit: items per batch, from 1 up to the journal's batch limit (2000). */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function observeJournal(journal: Journal, registry: Registry): void {
  const decisions = tally(registry, 'consentgate_release_decisions_total', 'Release decisions recorded, by outcome (allow, deny) and deny code', ['outcome', 'code']);
  const consents = tally(registry, 'consentgate_consent_events_total', 'Consent events recorded, by kind (grant, withdraw, object) and who acted (subject, guardian, admin)', ['kind', 'actor']);
  const rights = tally(registry, 'consentgate_rights_request_steps_total', 'Data-subject rights requests: each recorded step by request type and the state it left the request in (state="received" counts new requests)', ['type', 'state']);
  const deletions = tally(registry, 'consentgate_deletion_propagation_total', 'Deletion requests to recipients: requested, confirmed by the recipient, escalated for want of confirmation', ['event']);

  decisions.zero('allow', { outcome: 'allow' });
  for (const code of DENY_CODES) decisions.zero(code, { outcome: 'deny', code });
  for (const kind of CONSENT_ACTIONS) for (const actor of CONSENT_ACTORS) consents.zero(`${kind}:${actor}`, { kind, actor });
  for (const type of RIGHTS_TYPES) for (const state of RIGHTS_STATES) rights.zero(`${type}:${state}`, { type, state });
  for (const event of Object.values(DELETION_EVENTS)) deletions.zero(event, { event });

  journal.onCommitted((batch: readonly Committed[]) => {
    // Indexed: for-of made an iterator result per batch here (seen in the bench server's heap profile).
    for (let i = 0; i < batch.length; i++) {
      const c = batch[i]!;
      switch (c.kind) {
        case DECISION_KIND: {
          const d = c.row as { allow: boolean; code: string | null };
          if (d.allow) decisions.inc('allow');
          else if (!decisions.inc(d.code ?? 'UNKNOWN')) decisions.add(d.code ?? 'UNKNOWN', { outcome: 'deny', code: d.code ?? 'UNKNOWN' });
          break;
        }
        case CONSENT_KIND:
          for (const e of (c.row as { events: ReadonlyArray<{ action: string; actor: string }> }).events) {
            const k = `${e.action}:${e.actor}`;
            if (!consents.inc(k)) consents.add(k, { kind: e.action, actor: e.actor });
          }
          break;
        case RIGHTS_REQUEST_KIND: {
          const r = (c.row as { request: { type: string; state: string } }).request;
          const k = `${r.type}:${r.state}`;
          if (!rights.inc(k)) rights.add(k, { type: r.type, state: r.state });
          break;
        }
        default: {
          const event = DELETION_EVENTS[c.kind];
          if (event) deletions.inc(event);
        }
      }
    }
  });

  const size = metric(registry, Histogram, { name: 'consentgate_group_commit_batch_size', help: 'Records per committed group-commit batch (one database transaction)', buckets: BATCH_BUCKETS });
  const wait = metric(registry, Histogram, {
    name: 'consentgate_group_commit_wait_seconds',
    help: 'Per committed batch: from its oldest record being submitted until the batch was durable (the longest any caller of the batch waited)',
    buckets: SECONDS_BUCKETS,
  });
  const commit = metric(registry, Histogram, { name: 'consentgate_group_commit_duration_seconds', help: 'Per committed batch: time spent writing and committing it', buckets: SECONDS_BUCKETS });
  const failed = metric(registry, Counter, { name: 'consentgate_group_commit_failed_items_total', help: 'Records whose batch failed to commit: each was refused to its caller (5xx), nothing of it stored' });
  journal.onBatch((b) => {
    if (!b.ok) return failed.inc(b.size);
    size.observe(b.size);
    wait.observe(b.waitMs / 1000);
    commit.observe(b.commitMs / 1000);
  });
}

function tally<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Tally<L> {
  let t: Tally<L> | undefined;
  const counter = metric(registry, Counter<L>, { name, help, labelNames, collect: () => t?.flush() });
  t = new Tally(counter);
  return t;
}
