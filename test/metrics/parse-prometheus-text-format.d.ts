/** Types for parse-prometheus-text-format (the package ships none). */
declare module 'parse-prometheus-text-format' {
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.Family[];
  namespace parsePrometheusTextFormat {
    interface Sample {
      readonly labels?: Record<string, string>;
      /** Counters, gauges, untyped. */
      readonly value?: string;
      /** Histograms: upper bound → cumulative count. */
      readonly buckets?: Record<string, string>;
      readonly count?: string;
      readonly sum?: string;
    }
    interface Family {
      readonly name: string;
      readonly help: string;
      readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
      readonly metrics: readonly Sample[];
    }
  }
  export = parsePrometheusTextFormat;
}
