import { entryText } from './decision-json.ts';
import { REUSE, type Sql } from './sql.ts';

/**
 * Read-only queries behind the officer console: the newest release decisions (for the live
 * stream) and per-day counts (for the charts). Identifiers and codes only — no personal data
 * leaves these queries but the subject pseudonym, which the console shortens further.
 */
export interface DecisionSummary {
  readonly id: string;
  readonly leaf_index: number;
  readonly recipient: string;
  readonly subject_pseudonym: string;
  readonly purpose: string;
  readonly declaration_id: string | null;
  readonly allow: boolean;
  readonly code: string | null;
  readonly article: string | null;
  readonly basis: string | null;
  readonly decided_at: Date;
}

export interface DayCount {
  readonly day: string;
  readonly a: number;
  readonly b: number;
}

export class ConsoleQueries {
  constructor(private readonly sql: Sql) {}

  /**
   * Decisions with a ledger leaf above `after`, newest first (the stream polls with the last one it
   * saw): the columns of `release_decision_records`, with the entry's text parsed here once per
   * decision (decision-json.ts) rather than by the view's `json_to_record` in the database.
   */
  async recentDecisions(after: number, limit: number): Promise<DecisionSummary[]> {
    const rows = await this.sql.query<Omit<DecisionSummary, 'subject_pseudonym' | 'purpose' | 'declaration_id' | 'basis'> & { entry: string }>(
      `SELECT d.id, d.leaf_index, d.recipient, d.allow, d.code, d.article, d.decided_at, convert_from(e.entry, 'UTF8') AS entry
       FROM release_decisions d JOIN ledger_entries e ON e.idx = d.leaf_index
       WHERE d.leaf_index > $1 ORDER BY d.leaf_index DESC LIMIT $2`,
      [after, limit],
      REUSE,
    );
    return rows.map((r) => {
      const x = JSON.parse(r.entry) as Record<string, unknown>;
      return {
        id: r.id,
        leaf_index: r.leaf_index,
        recipient: r.recipient,
        subject_pseudonym: entryText(x, 'subject')!,
        purpose: entryText(x, 'purpose')!,
        declaration_id: entryText(x, 'declaration'),
        allow: r.allow,
        code: r.code,
        article: r.article,
        basis: entryText(x, 'basis'),
        decided_at: r.decided_at,
      };
    });
  }

  /** Allowed (a) and denied (b) decisions per UTC day since `since`. */
  decisionsPerDay(since: Date): Promise<DayCount[]> {
    return this.sql.query<DayCount>(
      `SELECT to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE allow)::int8 AS a, count(*) FILTER (WHERE NOT allow)::int8 AS b
       FROM release_decisions WHERE decided_at >= $1 GROUP BY 1 ORDER BY 1`,
      [since.toISOString()],
    );
  }

  /** Deny counts by code since `since`, most frequent first (the row's code, migration 223: no entry is read). */
  denyCodes(since: Date): Promise<Array<{ code: string; n: number }>> {
    return this.sql.query<{ code: string; n: number }>(
      `SELECT coalesce(code, '?') AS code, count(*)::int8 AS n FROM release_decisions
       WHERE NOT allow AND decided_at >= $1 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
      [since.toISOString()],
    );
  }

  /** Consent grants (a) and withdrawals (b) per UTC day since `since` (event times are epoch ms). */
  consentsPerDay(since: Date): Promise<DayCount[]> {
    return this.sql.query<DayCount>(
      `SELECT to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE action = 'grant')::int8 AS a, count(*) FILTER (WHERE action = 'withdraw')::int8 AS b
       FROM consent_events WHERE at >= $1 GROUP BY 1 ORDER BY 1`,
      [since.getTime()],
    );
  }
}
