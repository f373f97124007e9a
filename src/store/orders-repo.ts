import type { Sql } from './sql.ts';

/** A registered order (migration 130): customer, class member, declarations. */
export interface OrderRow {
  readonly id: string;
  readonly seq: number;
  readonly subject: string;
  readonly recipient: string;
  readonly declarations: string[];
  readonly placedAt: Date;
  /** SHA-256 of the canonical request: an identical replay has the same, a conflicting reuse another. */
  readonly requestHash: string;
  readonly createdAt: Date;
  readonly createdBy: string;
}

const cols = `id, seq, subject, recipient, declarations, placed_at AS "placedAt", request_hash AS "requestHash",
  created_at AS "createdAt", created_by AS "createdBy"`;

export class OrdersRepo {
  constructor(private readonly sql: Sql) {}

  async get(id: string): Promise<OrderRow | undefined> {
    const [row] = await this.sql.query<OrderRow>(`SELECT ${cols} FROM orders WHERE id = $1`, [id]);
    return row && normalise(row);
  }

  /** Orders with `seq` greater than `after` (start-up load and catch-up), in seq order. */
  async after(after: number, limit: number): Promise<OrderRow[]> {
    const rows = await this.sql.query<OrderRow>(`SELECT ${cols} FROM orders WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit]);
    return rows.map(normalise);
  }

  /** Inside the caller's transaction; a racing insert of the same id does nothing (result false). */
  static async insert(tx: Sql, o: Omit<OrderRow, 'seq'>): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO orders (id, subject, recipient, declarations, placed_at, request_hash, created_at, created_by)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [o.id, o.subject, o.recipient, JSON.stringify(o.declarations), o.placedAt, o.requestHash, o.createdAt, o.createdBy],
    );
    return rows.length === 1;
  }
}

// bigserial comes back as text from some drivers; dates as Date or text.
function normalise(r: OrderRow): OrderRow {
  return { ...r, seq: Number(r.seq), placedAt: new Date(r.placedAt), createdAt: new Date(r.createdAt) };
}
