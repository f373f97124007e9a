import { z } from 'zod';
import type { Finding } from '../core/lint/finding.ts';

/**
 * A lint finding as every HTTP answer shows it (registry validation, activation, the console's
 * overview and editor): one schema — the OpenAPI component `Finding` — and one mapping, so the
 * API and the console can never describe the same finding differently.
 */
export const findingSchema = z
  .object({
    code: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    articles: z.array(z.string()),
    message: z.string(),
    message_ko: z.string().optional(),
    path: z.string(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'Finding' });

export type FindingJson = z.infer<typeof findingSchema>;

export const findingJson = (f: Finding): FindingJson => ({
  code: f.code,
  severity: f.severity,
  articles: [...f.articles],
  message: f.message,
  ...(f.message_ko ? { message_ko: f.message_ko } : {}),
  path: f.path,
  ...(f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {}),
});

/** How many findings of each severity; `info` findings are the console's notes. */
export function findingCounts(fs: readonly { severity: string }[]): { errors: number; warnings: number; notes: number } {
  const n = { errors: 0, warnings: 0, notes: 0 };
  for (const f of fs) {
    if (f.severity === 'error') n.errors++;
    else if (f.severity === 'warning') n.warnings++;
    else if (f.severity === 'info') n.notes++;
  }
  return n;
}
