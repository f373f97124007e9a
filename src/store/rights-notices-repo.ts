import type { Sql } from './sql.ts';

/**
 * Notices to data subjects about their rights requests (migration 200). Rows are written by the
 * rights-request batch writer (rights-repo.ts), in the transaction that records the step.
 */
export interface StoredRightsNotice {
  readonly id: string;
  readonly requestId: string;
  readonly subject: string;
  readonly action: string;
  readonly lang: string;
  readonly title: string;
  readonly body: string;
  readonly outboxId: string | null;
  readonly createdAt: number;
}

export async function insertRightsNotices(tx: Sql, notices: readonly StoredRightsNotice[]): Promise<void> {
  if (notices.length === 0) return;
  await tx.query(
    `INSERT INTO rights_notices (id, request_id, subject, action, lang, title, body, outbox_id, created_at)
     SELECT id, request_id, subject, action, lang, title, body, outbox_id, created_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, request_id text, subject text, action text, lang text, title text, body text, outbox_id text, created_at timestamptz)
     ON CONFLICT (id) DO NOTHING`,
    [
      JSON.stringify(
        notices.map((n) => ({
          id: n.id,
          request_id: n.requestId,
          subject: n.subject,
          action: n.action,
          lang: n.lang,
          title: n.title,
          body: n.body,
          outbox_id: n.outboxId,
          created_at: new Date(n.createdAt).toISOString(),
        })),
      ),
    ],
  );
}

interface Row {
  id: string;
  request_id: string;
  subject: string;
  action: string;
  lang: string;
  title: string;
  body: string;
  outbox_id: string | null;
  created_at: Date | string;
}

const toNotice = (r: Row): StoredRightsNotice => ({
  id: r.id,
  requestId: r.request_id,
  subject: r.subject,
  action: r.action,
  lang: r.lang,
  title: r.title,
  body: r.body,
  outboxId: r.outbox_id,
  createdAt: new Date(r.created_at).getTime(),
});

/** A subject's notices, newest first. */
export async function noticesOfSubject(sql: Sql, subject: string, limit: number): Promise<StoredRightsNotice[]> {
  const rows = await sql.query<Row>('SELECT * FROM rights_notices WHERE subject = $1 ORDER BY seq DESC LIMIT $2', [subject, limit]);
  return rows.map(toNotice);
}

/** One request's notices, oldest first. */
export async function noticesOfRequest(sql: Sql, requestId: string): Promise<StoredRightsNotice[]> {
  const rows = await sql.query<Row>('SELECT * FROM rights_notices WHERE request_id = $1 ORDER BY seq', [requestId]);
  return rows.map(toNotice);
}
