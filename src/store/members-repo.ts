import type { Sql } from './sql.ts';

/** An individual recipient registered under a registry class (e.g. one seller). */
export interface MemberRow {
  readonly id: string;
  readonly seq: number;
  readonly classId: string;
  readonly name: string;
  readonly country: string;
  readonly contact: Record<string, string>;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly disabledAt: Date | null;
  /** The version of the class's agreement the member accepted (PIPA 28-8(4)); null: none. */
  readonly agreementVersion: string | null;
  readonly agreementAcceptedAt: Date | null;
}

const cols = `id, seq, class_id AS "classId", name, country, contact, created_at AS "createdAt",
  created_by AS "createdBy", disabled_at AS "disabledAt", agreement_version AS "agreementVersion",
  agreement_accepted_at AS "agreementAcceptedAt"`;

export interface MemberFilter {
  classId?: string;
  country?: string;
  /** Keyset pagination: members with `seq` greater than this. */
  after?: number;
  limit?: number;
}

export class MembersRepo {
  constructor(private readonly sql: Sql) {}

  async get(id: string): Promise<MemberRow | undefined> {
    const [row] = await this.sql.query<MemberRow>(`SELECT ${cols} FROM recipient_members WHERE id = $1`, [id]);
    return row;
  }

  async list(f: MemberFilter = {}): Promise<MemberRow[]> {
    return this.sql.query<MemberRow>(
      `SELECT ${cols} FROM recipient_members
       WHERE ($1::text IS NULL OR class_id = $1) AND ($2::text IS NULL OR country = $2) AND seq > $3
       ORDER BY seq LIMIT $4`,
      [f.classId ?? null, f.country ?? null, f.after ?? 0, f.limit ?? 1000],
    );
  }

  /**
   * Inserts inside the caller's transaction. `ON CONFLICT DO NOTHING` keeps a racing duplicate
   * from failing a shared group-commit batch; the result says whether this insert made the row
   * (false: a racing registration of the same id won).
   */
  static async insert(
    tx: Sql,
    m: Pick<MemberRow, 'id' | 'classId' | 'name' | 'country' | 'contact' | 'createdBy'> & { createdAt: Date; agreementVersion?: string | null },
  ): Promise<boolean> {
    const version = m.agreementVersion ?? null;
    const rows = await tx.query(
      `INSERT INTO recipient_members (id, class_id, name, country, contact, created_at, created_by, agreement_version, agreement_accepted_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [m.id, m.classId, m.name, m.country, JSON.stringify(m.contact), m.createdAt, m.createdBy, version, version === null ? null : m.createdAt],
    );
    return rows.length === 1;
  }

  /** Records that member `id` accepted agreement version `version` (inside the caller's transaction). */
  static async acceptAgreement(tx: Sql, id: string, version: string, at: Date): Promise<void> {
    await tx.query('UPDATE recipient_members SET agreement_version = $2, agreement_accepted_at = $3 WHERE id = $1', [id, version, at]);
  }
}
