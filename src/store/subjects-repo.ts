import type { SubjectRecord } from '../core/consent/subject.ts';
import type { Sql } from './sql.ts';

/**
 * The `subjects` table. Reads use `SELECT *` and map known columns, so a later migration that
 * adds columns (erased_at, …) needs no change here; `erased_at` is picked up when it exists.
 */
type Row = Record<string, unknown>;

const toEpoch = (v: unknown): number | null => (v === null || v === undefined ? null : new Date(v as string | Date).getTime());

function dateOnly(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.slice(0, 10);
  // A `date` column comes back as a Date at local midnight on node-postgres; keep the calendar day.
  const d = v as Date;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function subjectFromRow(r: Row): SubjectRecord {
  return {
    id: r.id as string,
    pseudonym: r.pseudonym as string,
    jurisdiction: r.jurisdiction as SubjectRecord['jurisdiction'],
    birthDate: dateOnly(r.birth_date),
    isChild: (r.is_child as boolean | null) ?? null,
    guardian: (r.guardian as Record<string, string> | null) ?? null,
    createdAt: toEpoch(r.created_at) ?? 0,
    erasedAt: toEpoch(r.erased_at),
  };
}

export class SubjectsRepo {
  constructor(private readonly sql: Sql) {}

  // birth_date is read as text so no engine or time zone can shift the calendar day.
  async all(): Promise<SubjectRecord[]> {
    return (await this.sql.query<Row>('SELECT *, birth_date::text AS birth_date FROM subjects')).map(subjectFromRow);
  }

  async get(id: string): Promise<SubjectRecord | undefined> {
    const [r] = await this.sql.query<Row>('SELECT *, birth_date::text AS birth_date FROM subjects WHERE id = $1', [id]);
    return r ? subjectFromRow(r) : undefined;
  }

  /** Whether the subject's create asked for a token (migration 160); false for an unknown id. */
  async tokenRequested(id: string): Promise<boolean> {
    const [r] = await this.sql.query<{ t: boolean }>('SELECT token_requested AS t FROM subjects WHERE id = $1', [id]);
    return r?.t === true;
  }

  /**
   * Inserts unless the id exists (a concurrent create elsewhere wins). Runs inside a journal batch.
   * True when this insert made the row.
   */
  static async insert(tx: Sql, s: SubjectRecord, tokenRequested = false): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO subjects (id, pseudonym, jurisdiction, birth_date, is_child, guardian, created_at, token_requested)
       VALUES ($1, $2, $3, $4::date, $5, $6::jsonb, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [s.id, s.pseudonym, s.jurisdiction, s.birthDate, s.isChild, s.guardian ? JSON.stringify(s.guardian) : null, new Date(s.createdAt), tokenRequested],
    );
    return rows.length === 1;
  }
}
