import type { UsageRelease } from '../core/law/kr/usage-notice.ts';
import type { Sql } from './sql.ts';

/**
 * Read-only SQL for the PIPA 20-2 usage-history notice (src/app/usage-notice-service.ts). Subjects
 * are read by id only to address their notices; releases by pseudonym through the decisions'
 * subject index (migration 020). Nothing here writes.
 */
const iso = (ms: number) => new Date(ms).toISOString();
const DAY_S = 86_400;

/**
 * What the decree's daily average is computed from: subjects whose data was held when the
 * window opened (created before it, not erased before it), and creations and erasures per day of
 * the window (day 0 = its first day; a day ends at `from + (d + 1) days`).
 */
export async function subjectCountsByDay(
  sql: Sql,
  window: { from: number; to: number },
): Promise<{ baseline: number; created: Map<number, number>; erased: Map<number, number>; current: number }> {
  const [b] = await sql.query<{ baseline: number; current: number }>(
    `SELECT count(*) FILTER (WHERE created_at < $1 AND (erased_at IS NULL OR erased_at >= $1))::int8 AS baseline,
            count(*) FILTER (WHERE erased_at IS NULL)::int8 AS current
       FROM subjects`,
    [iso(window.from)],
  );
  const perDay = async (column: 'created_at' | 'erased_at') => {
    const rows = await sql.query<{ day: number; n: number }>(
      `SELECT floor(extract(epoch FROM ${column} - $1::timestamptz) / ${DAY_S})::int4 AS day, count(*)::int8 AS n
         FROM subjects WHERE ${column} >= $1 AND ${column} < $2 GROUP BY 1`,
      [iso(window.from), iso(window.to)],
    );
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  };
  return { baseline: Number(b?.baseline ?? 0), created: await perDay('created_at'), erased: await perDay('erased_at'), current: Number(b?.current ?? 0) };
}

/** Subjects to notify for a year, keyset-paged by id: created by the year's end, not erased. */
export async function subjectsPage(sql: Sql, q: { after: string | null; createdBy: number; limit: number }): Promise<Array<{ id: string; pseudonym: string }>> {
  return sql.query<{ id: string; pseudonym: string }>(
    `SELECT id, pseudonym FROM subjects
      WHERE erased_at IS NULL AND created_at <= $1 AND ($2::text IS NULL OR id > $2)
      ORDER BY id LIMIT $3`,
    [iso(q.createdBy), q.after, q.limit],
  );
}

/** Allowed releases with items of the given pseudonyms in `from..to`, grouped by pseudonym. */
export async function releasesOf(sql: Sql, pseudonyms: readonly string[], from: number, to: number): Promise<Map<string, UsageRelease[]>> {
  const out = new Map<string, UsageRelease[]>();
  if (pseudonyms.length === 0) return out;
  const rows = await sql.query<{
    subject_pseudonym: string;
    leaf_index: number;
    recipient: string;
    purpose: string;
    basis: string | null;
    declaration_id: string | null;
    released: Array<{ category: string }>;
    decided_at: Date;
  }>(
    // Through the ledger's subject index (migration 030): decisions have none of their own.
    `SELECT r.subject_pseudonym, r.leaf_index, r.recipient, r.purpose, r.basis, r.declaration_id, r.released, r.decided_at
       FROM ledger_entries e JOIN release_decision_records r ON r.leaf_index = e.idx
      WHERE e.subject = ANY($1::text[]) AND r.subject_pseudonym = ANY($1::text[]) AND r.decided_at >= $2 AND r.decided_at <= $3
        AND r.allow AND jsonb_array_length(r.released) > 0
      ORDER BY r.decided_at, r.leaf_index`,
    [pseudonyms, iso(from), iso(to)],
  );
  for (const r of rows) {
    const list = out.get(r.subject_pseudonym) ?? [];
    list.push({
      recipient: r.recipient,
      declarationId: r.declaration_id,
      purpose: r.purpose,
      basis: r.basis,
      items: r.released.map((i) => i.category),
      at: new Date(r.decided_at).getTime(),
      ledgerIndex: Number(r.leaf_index),
    });
    out.set(r.subject_pseudonym, list);
  }
  return out;
}

/** Class members among `ids`: name, country and class, to name the seller in the notice. */
export async function membersOf(sql: Sql, ids: readonly string[]): Promise<Map<string, { name: string; country: string; classId: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; name: string; country: string; class_id: string }>(
    'SELECT id, name, country, class_id FROM recipient_members WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { name: r.name, country: r.country, classId: r.class_id }]));
}
