import type { BreachFacts } from '../core/report/breach.ts';
import type { ConsentStat, DenyStat, Granularity, TimelineRow, ProvisionRow, RightsStat, TransferRow, VolumeRow } from '../core/report/stored.ts';
import { refusalRate } from '../core/report/stored.ts';
import type { Jurisdiction } from '../core/registry/schema.ts';
import type { Sql } from './sql.ts';

/**
 * Read-only SQL behind the reports. Every query over ledgered rows (release decisions, consent
 * events) takes `belowLeaf` — the size of the checkpoint the report embeds — and counts only
 * rows whose leaf index is below it, so the report is consistent with one signed tree even while
 * the gate keeps writing. Periods are inclusive epoch-ms bounds.
 */
export interface Period {
  readonly from: number;
  readonly to: number;
  readonly belowLeaf: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Where a release went: a class member's own country, else the registry recipient's country. */
export type RecipientCountries = Readonly<Record<string, string>>;

/**
 * Allowed releases with their destination and the subject's jurisdiction. `$4` maps registry
 * recipient ids to countries; `$5` is the jurisdiction assumed when the subject row is missing.
 * The subject, declaration and items are the ledger entry's (migration 222): the entry of each
 * release in the period is parsed once for the whole report (a MATERIALIZED CTE that the three
 * answers read), not once per answer, and only for the fields the report uses (`released` as
 * `json`: its items are only walked, never compared). `handed_over` is the row's own "released
 * at least one item" (migration 222), so the entries of releases that handed nothing over are
 * not read at all.
 */
const RELEASES = `
  SELECT d.recipient, x.declaration AS declaration_id, x.subject AS subject_pseudonym, x.released, m.class_id,
         COALESCE(m.country, (SELECT $4::jsonb) ->> d.recipient) AS country, COALESCE(s.jurisdiction, $5) AS jurisdiction
  FROM release_decisions d
  JOIN ledger_entries e ON e.idx = d.leaf_index
  CROSS JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(subject text, declaration text, released json)
  LEFT JOIN recipient_members m ON m.id = d.recipient
  LEFT JOIN subjects s ON s.pseudonym = x.subject
  WHERE d.allow AND d.handed_over AND x.declaration IS NOT NULL
    AND d.leaf_index < $3 AND d.decided_at >= $1::timestamptz AND d.decided_at <= $2::timestamptz`;

/** One statement, three answers, each a json array in its own order (as three statements returned them before). */
const TRANSFERS = `
  WITH r AS MATERIALIZED (${RELEASES})
  SELECT
    (SELECT coalesce(json_agg(g ORDER BY g.country, g.recipient, g.declaration_id, g.jurisdiction), '[]')
       FROM (SELECT recipient, class_id, declaration_id, country, jurisdiction, count(*)::int8 AS releases, count(DISTINCT subject_pseudonym)::int8 AS subjects
               FROM r WHERE country IS NOT NULL GROUP BY recipient, class_id, declaration_id, country, jurisdiction) g) AS groups,
    (SELECT coalesce(json_agg(i ORDER BY i.recipient, i.declaration_id, i.category), '[]')
       FROM (SELECT r.recipient, r.declaration_id, x->>'category' AS category FROM r, json_array_elements(r.released) x GROUP BY 1, 2, 3) i) AS items,
    (SELECT coalesce(json_agg(v ORDER BY v.declaration_id, v.country, v.jurisdiction), '[]')
       FROM (SELECT declaration_id, country, jurisdiction, count(*)::int8 AS releases, count(DISTINCT subject_pseudonym)::int8 AS subjects
               FROM r WHERE country IS NOT NULL GROUP BY declaration_id, country, jurisdiction) v) AS volumes`;

export async function transferRows(sql: Sql, p: Period, countries: RecipientCountries, fallback: Jurisdiction): Promise<{ transfers: TransferRow[]; volumes: VolumeRow[] }> {
  const params = [iso(p.from), iso(p.to), p.belowLeaf, JSON.stringify(countries), fallback];
  const [r] = await sql.query<{
    groups: Array<{ recipient: string; class_id: string | null; declaration_id: string; country: string; jurisdiction: Jurisdiction; releases: number; subjects: number }>;
    items: Array<{ recipient: string; declaration_id: string; category: string }>;
    volumes: VolumeRow[];
  }>(TRANSFERS, params);
  const { groups, items, volumes } = r!;
  const itemsOf = new Map<string, string[]>();
  for (const i of items) {
    const k = `${i.recipient}\u0000${i.declaration_id}`;
    itemsOf.set(k, [...(itemsOf.get(k) ?? []), i.category]);
  }
  return {
    transfers: groups.map((g) => ({ ...g, items: itemsOf.get(`${g.recipient}\u0000${g.declaration_id}`) ?? [] })),
    volumes: volumes.map((v) => ({ declaration_id: v.declaration_id, country: v.country, jurisdiction: v.jurisdiction, releases: v.releases, subjects: v.subjects })),
  };
}

export async function decisionCounts(sql: Sql, p: Period): Promise<{ allowed: number; denied: number }> {
  const [r] = await sql.query<{ allowed: number; denied: number }>(
    `SELECT count(*) FILTER (WHERE allow)::int8 AS allowed, count(*) FILTER (WHERE NOT allow)::int8 AS denied
     FROM release_decisions WHERE leaf_index < $3 AND decided_at >= $1::timestamptz AND decided_at <= $2::timestamptz`,
    [iso(p.from), iso(p.to), p.belowLeaf],
  );
  return { allowed: r?.allowed ?? 0, denied: r?.denied ?? 0 };
}

/** PIPA 17 provision records, oldest first; `limit` bounds memory (the caller states the total). */
export async function provisionRows(sql: Sql, p: Period, limit: number): Promise<{ total: number; rows: ProvisionRow[] }> {
  // Counted and paged on the decision table alone (handed_over, migration 222): only the page's
  // rows are read back from their ledger entries.
  const where = `allow AND handed_over AND leaf_index < $3 AND decided_at >= $1::timestamptz AND decided_at <= $2::timestamptz`;
  const [c] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM release_decisions WHERE ${where}`, [iso(p.from), iso(p.to), p.belowLeaf]);
  const rows = await sql.query<{ id: string; leaf_index: number; recipient: string; subject_pseudonym: string; purpose: string; declaration_id: string | null; basis: string | null; released: Array<{ category: string }>; decided_at: Date | string }>(
    `SELECT r.id, r.leaf_index, r.recipient, r.subject_pseudonym, r.purpose, r.declaration_id, r.basis, r.released, r.decided_at
     FROM (SELECT leaf_index FROM release_decisions WHERE ${where} ORDER BY decided_at, leaf_index LIMIT $4) AS page
     JOIN release_decision_records r ON r.leaf_index = page.leaf_index
     ORDER BY r.decided_at, r.leaf_index`,
    [iso(p.from), iso(p.to), p.belowLeaf, limit],
  );
  return {
    total: c?.n ?? 0,
    rows: rows.map((r) => ({
      at: new Date(r.decided_at).toISOString(),
      recipient: r.recipient,
      subject: r.subject_pseudonym,
      purpose: r.purpose,
      declaration_id: r.declaration_id,
      basis: r.basis,
      items: r.released.map((i) => i.category),
      leaf_index: r.leaf_index,
      decision_id: r.id,
    })),
  };
}

/**
 * A refusal is a "no" answered on a notice (a withdraw event carrying a collection point) by a
 * subject with no earlier grant of that declaration; any other withdraw event is a withdrawal.
 */
const CONSENT_EVENTS = `
  SELECT e.purpose_id, e.action, e.at,
    (e.action = 'withdraw' AND e.collection_point IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM consent_events g
       WHERE g.subject_id = e.subject_id AND g.declaration_id = e.declaration_id AND g.action = 'grant'
         AND (g.leaf_index < e.leaf_index OR (g.leaf_index = e.leaf_index AND g.pos < e.pos)))) AS refusal
  FROM consent_events e
  WHERE e.leaf_index < $3 AND e.at >= $1 AND e.at <= $2`;

export async function consentStats(sql: Sql, p: Period): Promise<ConsentStat[]> {
  const rows = await sql.query<{ purpose: string; grants: number; withdrawals: number; refusals: number; objections: number }>(
    `WITH e AS (${CONSENT_EVENTS})
     SELECT purpose_id AS purpose,
       count(*) FILTER (WHERE action = 'grant')::int8 AS grants,
       count(*) FILTER (WHERE action = 'withdraw' AND NOT refusal)::int8 AS withdrawals,
       count(*) FILTER (WHERE refusal)::int8 AS refusals,
       count(*) FILTER (WHERE action = 'object')::int8 AS objections
     FROM e GROUP BY purpose_id ORDER BY purpose_id`,
    [p.from, p.to, p.belowLeaf],
  );
  return rows.map((r) => ({ ...r, refusal_rate: refusalRate(r.grants, r.refusals) }));
}

/** Denies by code and article, with their distinct subjects: the row's columns alone (migration 223), no entry is read. */
export async function denyStats(sql: Sql, p: Period): Promise<DenyStat[]> {
  return sql.query<DenyStat>(
    `SELECT COALESCE(code, 'UNKNOWN') AS code, COALESCE(article, '') AS article, count(*)::int8 AS denies, count(DISTINCT denied_subject)::int8 AS subjects
     FROM release_decisions WHERE NOT allow AND leaf_index < $3 AND decided_at >= $1::timestamptz AND decided_at <= $2::timestamptz
     GROUP BY 1, 2 ORDER BY denies DESC, code, article`,
    [iso(p.from), iso(p.to), p.belowLeaf],
  );
}

/** Counts per UTC day or month present in the data; the caller fills buckets without any. */
export async function timelineRows(sql: Sql, p: Period, g: Granularity): Promise<Map<string, TimelineRow>> {
  const fmt = g === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM';
  const consents = await sql.query<{ bucket: string; grants: number; withdrawals: number; refusals: number }>(
    `WITH e AS (${CONSENT_EVENTS})
     SELECT to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', '${fmt}') AS bucket,
       count(*) FILTER (WHERE action = 'grant')::int8 AS grants,
       count(*) FILTER (WHERE action = 'withdraw' AND NOT refusal)::int8 AS withdrawals,
       count(*) FILTER (WHERE refusal)::int8 AS refusals
     FROM e GROUP BY 1`,
    [p.from, p.to, p.belowLeaf],
  );
  const decisions = await sql.query<{ bucket: string; allowed: number; denied: number }>(
    `SELECT to_char(decided_at AT TIME ZONE 'UTC', '${fmt}') AS bucket,
       count(*) FILTER (WHERE allow)::int8 AS allowed, count(*) FILTER (WHERE NOT allow)::int8 AS denied
     FROM release_decisions WHERE leaf_index < $3 AND decided_at >= $1::timestamptz AND decided_at <= $2::timestamptz GROUP BY 1`,
    [iso(p.from), iso(p.to), p.belowLeaf],
  );
  const out = new Map<string, TimelineRow>();
  for (const c of consents) out.set(c.bucket, { ...(out.get(c.bucket) ?? emptyBucket(c.bucket)), grants: c.grants, withdrawals: c.withdrawals, refusals: c.refusals });
  for (const d of decisions) out.set(d.bucket, { ...(out.get(d.bucket) ?? emptyBucket(d.bucket)), allowed: d.allowed, denied: d.denied });
  return out;
}

export const emptyBucket = (bucket: string): TimelineRow => ({ bucket, grants: 0, withdrawals: 0, refusals: 0, allowed: 0, denied: 0 });

/**
 * Rights requests received in the period. A closed request met its deadline when it was closed
 * (its last update) at or before `due_before`; an open one is overdue once `asOf` passes it.
 */
export async function rightsStats(sql: Sql, p: { from: number; to: number }, asOf: number): Promise<RightsStat[]> {
  return sql.query<RightsStat>(
    `SELECT type, count(*)::int8 AS received,
       count(*) FILTER (WHERE state IN ('completed', 'rejected') AND updated_at <= due_before)::int8 AS closed_in_time,
       count(*) FILTER (WHERE state IN ('completed', 'rejected') AND updated_at > due_before)::int8 AS closed_late,
       count(*) FILTER (WHERE state NOT IN ('completed', 'rejected') AND due_before > $3::timestamptz)::int8 AS open_in_time,
       count(*) FILTER (WHERE state NOT IN ('completed', 'rejected') AND due_before <= $3::timestamptz)::int8 AS open_overdue
     FROM rights_requests WHERE received_at >= $1::timestamptz AND received_at <= $2::timestamptz
     GROUP BY type ORDER BY type`,
    [iso(p.from), iso(p.to), iso(asOf)],
  );
}

/** Is `id` a class member the database knows (registered, even if disabled since)? */
export async function memberClass(sql: Sql, id: string): Promise<string | null | undefined> {
  const [r] = await sql.query<{ class_id: string }>('SELECT class_id FROM recipient_members WHERE id = $1', [id]);
  return r ? r.class_id : undefined;
}

/**
 * Releases matching a breach query: to `recipient` (a recipient, a member, or any member of a
 * class of that id) and/or within [from, to]. Pseudonyms are capped at `maxPseudonyms`.
 */
export async function breachFacts(
  sql: Sql,
  q: { recipient: string | null; from: number | null; to: number | null; belowLeaf: number },
  maxPseudonyms = 1_000_000,
): Promise<BreachFacts> {
  // One statement: each matching release's entry is parsed once (a MATERIALIZED CTE read by the
  // four answers), for its subject and items only; `handed_over` (migration 222) leaves out the
  // releases that handed nothing over without reading their entries.
  const [r] = await sql.query<{ releases: number; subjects: number; kr: number; eu: number; items: string[]; recipients: string[]; pseudonyms: string[] }>(
    `WITH r AS MATERIALIZED (
       SELECT d.recipient, x.subject AS subject_pseudonym, x.released, s.jurisdiction
       FROM release_decisions d
       JOIN ledger_entries e ON e.idx = d.leaf_index
       CROSS JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(subject text, released json)
       LEFT JOIN recipient_members m ON m.id = d.recipient
       LEFT JOIN subjects s ON s.pseudonym = x.subject
       WHERE d.allow AND d.handed_over AND d.leaf_index < $4
         AND ($1::text IS NULL OR d.recipient = $1 OR m.class_id = $1)
         AND ($2::timestamptz IS NULL OR d.decided_at >= $2::timestamptz)
         AND ($3::timestamptz IS NULL OR d.decided_at <= $3::timestamptz))
     SELECT c.releases, c.subjects, c.kr, c.eu,
       (SELECT coalesce(json_agg(category ORDER BY category), '[]') FROM (SELECT DISTINCT x->>'category' AS category FROM r, json_array_elements(r.released) x) i) AS items,
       (SELECT coalesce(json_agg(recipient ORDER BY recipient), '[]') FROM (SELECT DISTINCT recipient FROM r) q) AS recipients,
       (SELECT coalesce(json_agg(p ORDER BY p), '[]') FROM (SELECT DISTINCT subject_pseudonym AS p FROM r ORDER BY 1 LIMIT $5) q) AS pseudonyms
     FROM (SELECT count(*)::int8 AS releases, count(DISTINCT subject_pseudonym)::int8 AS subjects,
             count(DISTINCT subject_pseudonym) FILTER (WHERE jurisdiction = 'KR')::int8 AS kr,
             count(DISTINCT subject_pseudonym) FILTER (WHERE jurisdiction = 'EU')::int8 AS eu FROM r) c`,
    [q.recipient, q.from === null ? null : iso(q.from), q.to === null ? null : iso(q.to), q.belowLeaf, maxPseudonyms],
  );
  return {
    releases: r?.releases ?? 0,
    subjects: r?.subjects ?? 0,
    krSubjects: r?.kr ?? 0,
    euSubjects: r?.eu ?? 0,
    items: r?.items ?? [],
    recipients: r?.recipients ?? [],
    pseudonyms: r?.pseudonyms ?? [],
  };
}
