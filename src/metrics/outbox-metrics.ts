import { Counter, type Registry } from 'prom-client';
import { metric } from '../http/metrics.ts';
import type { AttemptEvent } from '../outbox/dispatcher.ts';
import { Tally } from './tally.ts';

const KINDS = ['webhook', 'nats'] as const;
const OUTCOMES: ReadonlyArray<AttemptEvent['outcome']> = ['delivered', 'retry', 'dead', 'lease_lost'];

/**
 * Outbox delivery attempts by transport and outcome: `retry` is a failed attempt that will be
 * tried again, `dead` one that used the last attempt (a dead letter: a recipient was not told of
 * a deletion or withdrawal), `lease_lost` an outcome another dispatcher had already taken over.
 * The dispatcher's `onAttempt` hook calls the returned function; destinations never become labels.
 */
export function outboxAttemptMetrics(registry: Registry): (e: AttemptEvent) => void {
  let t: Tally<'kind' | 'outcome'> | undefined;
  const counter = metric(registry, Counter<'kind' | 'outcome'>, {
    name: 'consentgate_outbox_attempts_total',
    help: 'Outbox delivery attempts by transport (webhook, nats) and outcome (delivered, retry, dead, lease_lost)',
    labelNames: ['kind', 'outcome'] as const,
    collect: () => t?.flush(),
  });
  const tally = (t = new Tally(counter));
  for (const kind of KINDS) for (const outcome of OUTCOMES) tally.zero(`${kind}:${outcome}`, { kind, outcome });
  return (e) => tally.add(`${e.kind}:${e.outcome}`, { kind: e.kind, outcome: e.outcome });
}
