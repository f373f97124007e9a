import type { Notice, NoticeVersion } from '../core/notice/types.ts';
import type { BatchWriter } from './journal.ts';
import type { Sql } from './sql.ts';

/**
 * Notice versions, written through the journal so the transparency log records every notice
 * (by hash) the moment it can first be shown: "what were they told" is then provable too.
 */
export const NOTICE_KIND = 'notice_version';

export const noticeBatchWriter: BatchWriter<NoticeVersion> = async (tx, rows) => {
  await tx.query(
    `INSERT INTO notice_versions (hash, collection_point, notice, leaf_index)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(hash text, collection_point text, notice jsonb, leaf_index int8)
     ON CONFLICT (hash) DO NOTHING`,
    [JSON.stringify(rows.map(({ row, leafIndex }) => ({ hash: row.hash, collection_point: row.collectionPoint, notice: row.notice, leaf_index: leafIndex })))],
  );
};

export class NoticesRepo {
  constructor(private readonly sql: Sql) {}

  async all(): Promise<NoticeVersion[]> {
    const rows = await this.sql.query<{ hash: string; collection_point: string; notice: Notice }>(
      'SELECT hash, collection_point, notice FROM notice_versions ORDER BY leaf_index',
    );
    return rows.map((r) => ({ hash: r.hash, collectionPoint: r.collection_point, notice: r.notice }));
  }

  async get(hash: string): Promise<NoticeVersion | undefined> {
    const [r] = await this.sql.query<{ hash: string; collection_point: string; notice: Notice }>(
      'SELECT hash, collection_point, notice FROM notice_versions WHERE hash = $1',
      [hash],
    );
    return r ? { hash: r.hash, collectionPoint: r.collection_point, notice: r.notice } : undefined;
  }
}
