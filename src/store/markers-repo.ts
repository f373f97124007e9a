import type { Sql } from './sql.ts';

/** One-time facts about this installation ("the first admin key was issued", "demo seeded"). */
export class MarkersRepo {
  constructor(private readonly sql: Sql) {}

  /** Sets the marker unless it exists; true for the one caller (of several servers) that set it. */
  async claim(name: string, value: string): Promise<boolean> {
    const rows = await this.sql.query('INSERT INTO server_markers (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING name', [name, value]);
    return rows.length === 1;
  }

  async get(name: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ value: string }>('SELECT value FROM server_markers WHERE name = $1', [name]);
    return row?.value;
  }
}
