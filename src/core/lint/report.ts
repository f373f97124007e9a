import type { CgError } from '../errors.ts';
import type { Finding } from './finding.ts';
import { hasErrors } from './finding.ts';

/**
 * What `consentgate check` reports, whichever the format. An unreadable registry (bad YAML, schema,
 * structure, size, encoding) is `invalid` and its problems are listed as error findings, so every
 * consumer reads one list with one shape.
 */
export interface CheckReport {
  /** The file as the user named it (or a SARIF-ready relative URI). */
  readonly file: string;
  readonly status: 'clean' | 'findings' | 'invalid';
  /** SHA-256 content hash of the registry; absent when it could not be read. */
  readonly registryHash?: string;
  readonly findings: readonly Finding[];
  /** The input error, when `status` is `invalid`. */
  readonly error?: { readonly code: string; readonly message: string };
}

export function lintReport(file: string, registryHash: string, findings: readonly Finding[]): CheckReport {
  return { file, registryHash, findings, status: hasErrors(findings) ? 'findings' : 'clean' };
}

/** Turns a `CgError` from reading or parsing into an `invalid` report: one finding per detail. */
export function invalidReport(file: string, error: CgError): CheckReport {
  const details = error.details.length > 0 ? error.details : [{ code: error.code, message: error.message }];
  const findings: Finding[] = details.map((d) => ({
    code: d.code,
    severity: 'error',
    articles: [],
    message: d.message,
    path: d.path ?? '',
    ...(d.line !== undefined ? { line: d.line, column: d.column ?? 1 } : {}),
  }));
  return { file, status: 'invalid', findings, error: { code: error.code, message: error.message } };
}

export function summarize(findings: readonly { readonly severity: string }[]): { errors: number; warnings: number; notes: number } {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else notes++;
  }
  return { errors, warnings, notes };
}

export type Lang = 'en' | 'ko';

export const messageIn = (f: Finding, lang: Lang): string => (lang === 'ko' && f.message_ko ? f.message_ko : f.message);
