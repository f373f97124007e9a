/** One statutory-lint result. `code` is stable; `articles` cite e.g. "PIPA 28-8(1)", "GDPR 46". */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable rule code, e.g. `OVERSEAS_NO_GROUND`. */
  readonly code: string;
  readonly severity: Severity;
  readonly articles: readonly string[];
  readonly message: string;
  readonly message_ko?: string;
  /** Path of the offending field, e.g. `declarations[2].transfer`. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}

export const hasErrors = (findings: readonly Finding[]): boolean => findings.some((f) => f.severity === 'error');
