import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ReplaySummary } from '../core/audit/summary.ts';
import { AUDIT_CODES } from '../core/audit/types.ts';
import { CgError, formatPath } from '../core/errors.ts';
import { openInput } from './input.ts';

/** A replay summary written by `consentgate replay --out`, read back for reports. */
export const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

const count = z.number().int().nonnegative();
const bucket = z.object({ records: count, violating_records: count, subjects: count, affected_subjects: count });
const summarySchema = z.object({
  records: count,
  violating_records: count,
  subjects: count,
  affected_subjects: count,
  by_rule: z.object(Object.fromEntries(AUDIT_CODES.map((c) => [c, z.object({ records: count, subjects: count, article: z.string() })]))),
  by_recipient: z.record(z.string(), bucket.extend({ class: z.string().optional(), country: z.string().nullable() })),
  by_country: z.record(z.string(), bucket),
  by_declaration: z.record(z.string(), bucket.extend({ countries: z.record(z.string(), bucket) })),
  by_month: z.record(z.string(), z.object({ records: count, violating_records: count })),
  // Absent from summaries written before law by date: filled in below.
  code_occurrences: count.optional(),
  by_law: z
    .record(
      z.string(),
      z.object({
        title: z.string(),
        from: z.string().nullable(),
        to: z.string().nullable(),
        records: count,
        violating_records: count,
        by_rule: z.object(Object.fromEntries(AUDIT_CODES.map((c) => [c, z.object({ records: count, subjects: count, article: z.string() })]))),
      }),
    )
    .optional(),
  retention_unchecked: count,
  out_of_order: count,
  period: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  bad_rows: z.object({ count, lines: z.array(z.object({ line: count, field: z.string().optional(), message: z.string() })) }),
  jurisdiction: z.enum(['KR', 'EU']),
  registry_hash: z.string(),
});

export function loadReplaySummary(file: string, registryHash: string): ReplaySummary {
  openInput(file, 'replay summary', MAX_SUMMARY_BYTES).stream.destroy();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CgError('INVALID_SUMMARY', `replay summary ${file}: not valid JSON (${(e as Error).message})`, 400);
  }
  const parsed = summarySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = formatPath(issue.path.filter((p): p is string | number => typeof p !== 'symbol'));
    throw new CgError('INVALID_SUMMARY', `replay summary ${file}: ${path || '(root)'}: ${issue.message}`, 400, [{ code: 'INVALID_SUMMARY', message: issue.message, path }]);
  }
  const d = parsed.data as Omit<ReplaySummary, 'code_occurrences' | 'by_law'> & Partial<Pick<ReplaySummary, 'code_occurrences' | 'by_law'>>;
  // An older summary says nothing about law versions (by_law {}); its code total is the sum.
  const s: ReplaySummary = {
    ...d,
    code_occurrences: d.code_occurrences ?? AUDIT_CODES.reduce((n, c) => n + d.by_rule[c].records, 0),
    by_law: d.by_law ?? {},
  };
  if (s.registry_hash !== registryHash) {
    throw new CgError('REPLAY_REGISTRY_MISMATCH', `replay summary ${file} was computed against registry ${s.registry_hash.slice(0, 16)}…, not the given one (${registryHash.slice(0, 16)}…)`, 400);
  }
  return s;
}
