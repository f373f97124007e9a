import type { Sql } from './sql.ts';

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
  readonly createdAt: Date;
}

type Row = { size: number; root: Uint8Array; note: string; created_at: Date };
const toCheckpoint = (r: Row): StoredCheckpoint => ({ size: r.size, root: new Uint8Array(r.root), note: r.note, createdAt: r.created_at });

/** Every checkpoint ever issued; one per size (a second root for a size would be a fork). */
export class CheckpointStore {
  constructor(private readonly db: Sql) {}

  /** Stores a checkpoint; returns false if one of that size already exists (another server won). */
  async insert(size: number, root: Uint8Array, note: string): Promise<boolean> {
    const rows = await this.db.query('INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING RETURNING size', [
      size,
      Buffer.from(root),
      note,
    ]);
    return rows.length === 1;
  }

  async latest(): Promise<StoredCheckpoint | null> {
    const [row] = await this.db.query<Row>('SELECT size, root, note, created_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1');
    return row ? toCheckpoint(row) : null;
  }

  async atSize(size: number): Promise<StoredCheckpoint | null> {
    const [row] = await this.db.query<Row>('SELECT size, root, note, created_at FROM ledger_checkpoints WHERE size = $1', [size]);
    return row ? toCheckpoint(row) : null;
  }

  /** Newest first, sizes below `before` (paging). */
  async list(opts: { before?: number; limit?: number } = {}): Promise<StoredCheckpoint[]> {
    const rows = await this.db.query<Row>('SELECT size, root, note, created_at FROM ledger_checkpoints WHERE size < $1 ORDER BY size DESC LIMIT $2', [
      opts.before ?? Number.MAX_SAFE_INTEGER,
      Math.min(opts.limit ?? 100, 1000),
    ]);
    return rows.map(toCheckpoint);
  }
}
