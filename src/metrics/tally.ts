import type { Counter } from 'prom-client';

/**
 * Counts kept as plain numbers where events happen and handed to a prom-client counter when it
 * is scraped (the counter's `collect`). prom-client hashes the label object on every `inc`; the
 * write path then only bumps a number found by a short string key (as HttpMetrics does).
 */
export class Tally<L extends string> {
  private readonly counts = new Map<string, { readonly labels: Partial<Record<L, string>>; n: number }>();

  constructor(private readonly counter: Counter<L>) {}

  /**
   * One more (or `n` more) for the label set `key` names, with `labels` the first time it is seen.
   * The labels are built by the caller only when this returns false — no allocation per event.
   */
  inc(key: string, n = 1): boolean {
    const c = this.counts.get(key);
    if (c === undefined) return false;
    c.n += n;
    return true;
  }

  /** Starts counting the label set `key` (at `n`). */
  add(key: string, labels: Partial<Record<L, string>>, n = 1): void {
    if (!this.inc(key, n)) this.counts.set(key, { labels, n });
  }

  /** Makes the series exist at 0 before the first event, so `increase()` sees that event. */
  zero(key: string, labels: Partial<Record<L, string>>): void {
    this.add(key, labels, 0);
  }

  /** Hands everything counted since the last flush to the counter. */
  flush(): void {
    for (const c of this.counts.values()) {
      this.counter.inc(c.labels, c.n);
      c.n = 0;
    }
  }
}
