import { summarize, type CheckReport } from '../report.ts';

/**
 * Machine-readable report. Stable shape: `{ file, status, registry_hash?, summary, findings, error? }`;
 * every finding has both `message` and, where written, `message_ko`.
 */
export function formatJson(report: CheckReport): string {
  const out = {
    file: report.file,
    status: report.status,
    ...(report.registryHash ? { registry_hash: report.registryHash } : {}),
    summary: summarize(report.findings),
    findings: report.findings,
    ...(report.error ? { error: report.error } : {}),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
