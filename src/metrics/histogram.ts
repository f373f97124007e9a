import type { Registry } from 'prom-client';

/**
 * A histogram as a registry metric of its own, exposed exactly as prom-client's `Histogram`
 * writes one (`_bucket` with `le`, `_sum`, `_count`; test/http/http-metrics.property.test.ts holds
 * the two to each other line for line), for observations on the request path.
 *
 * prom-client's `observe` builds a closure and a label hash per call, and keeps bucket counts as
 * properties named by the bounds ("0.0005"), which V8 reads and writes through the runtime: a few
 * µs per observation. Here an observation is a short loop over the bounds and three numbers
 * bumped in the series the caller holds (found once per label set, by the caller).
 */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
  sum: number;
  /** buckets[i]: observations with bounds[i-1] < v ≤ bounds[i]; the last one, above every bound. */
  readonly buckets: Float64Array;
}

export class BucketHistogram {
  private readonly all: HistogramSeries[] = [];
  private readonly bounds: Float64Array;
  /** The series without labels (a histogram declared without label names has it from the start, as in prom-client). */
  readonly unlabeled: HistogramSeries | undefined;

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
    labelled = false,
  ) {
    this.bounds = Float64Array.from([...bounds].sort((a, b) => a - b));
    this.unlabeled = labelled ? undefined : this.series({});
    registry.registerMetric(this.asMetric() as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** A new series for `labels` (the caller keeps it: one per label set). */
  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const s: HistogramSeries = { labels, count: 0, sum: 0, buckets: new Float64Array(this.bounds.length + 1) };
    this.all.push(s);
    return s;
  }

  observeIn(s: HistogramSeries, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let b = 0;
    while (b < bounds.length && value > bounds[b]!) b++;
    s.buckets[b]!++;
    s.count++;
    s.sum += value;
  }

  /** An observation of the unlabeled series. */
  observe(value: number): void {
    this.observeIn(this.unlabeled!, value);
  }

  private values() {
    const out: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.buckets[i]!;
        out.push({ labels: { le: this.bounds[i]!, ...s.labels }, value: cumulative, metricName: bucket });
      }
      out.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket });
      out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      out.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return out;
  }

  /** The object the registry reads (what prom-client's metrics offer it: name, help, type, get, reset). */
  private asMetric() {
    return {
      name: this.name,
      help: this.help,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ name: this.name, help: this.help, type: 'histogram', values: this.values(), aggregator: 'sum' }),
      reset: () => {
        for (const s of this.all) {
          s.count = s.sum = 0;
          s.buckets.fill(0);
        }
      },
    };
  }
}
