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

