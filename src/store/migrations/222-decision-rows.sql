-- A release decision is written once, as its ledger leaf (src/app/decision-entry.ts: canonical
-- JSON of every field but the trace's free text and the order reference). release_decisions
-- repeated nearly every field of that entry in a second row, parsed and stored again by the
-- database on every release (docs/release.md, 2026-12-07 "Decisions written once"). It now holds
-- what the entry lacks and what queries find rows by without reading entries:
--   id          `get` and token redemption look decisions up by it (primary key);
--   leaf_index  the join to the entry, and the stream/console cursors (unique);
--   trace_id    the trace with its free text (decision_traces, migration 221);
--   order_ref   not in the entry (kept out of the public log);
--   recipient, allow, decided_at, retention_until  what reports, the console, breach queries
--               and the retention sweep filter on: without them each such query would parse
--               every entry it scans, not only those it returns.
--   handed_over whether the decision released at least one item (its entry's `released` is not
--               empty): the provision report counts and pages those without parsing entries
--               (a 100-day report read every allowed entry, ~12x main's time, without it).
-- Every other field comes back from the entry through release_decision_records, with the
-- column names and types the table had.

DROP VIEW release_decision_records;

-- Nothing is dropped unless the entry gives back exactly what the row held: an existing row
-- without its leaf, or whose leaf says anything else, fails the migration (its transaction
-- rolls back and the database stays as it was) instead of losing what only the row had.
CREATE TEMP TABLE decision_rows_unmatched (n bigint CONSTRAINT release_decisions_rows_must_match_their_ledger_entries CHECK (n = 0)) ON COMMIT DROP;
INSERT INTO decision_rows_unmatched
  SELECT count(*) FROM release_decisions d
    LEFT JOIN ledger_entries e ON e.idx = d.leaf_index
    LEFT JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(
      kind text, decision_id text, recipient text, subject text, purpose text, requested jsonb, released jsonb, allow boolean,
      code text, article text, basis text, declaration text, registry_hash text, notice_hash text, consent_event_id text,
      retention_until timestamptz, at timestamptz, via_decision text) ON true
   WHERE e.idx IS NULL OR x.kind IS DISTINCT FROM 'release_decision'
      OR (d.id, d.recipient, d.subject_pseudonym, d.purpose, d.requested, d.released, d.allow, d.code, d.article, d.basis,
          d.declaration_id, d.registry_hash, d.notice_hash, d.consent_event_id, d.retention_until, d.decided_at, d.via_decision)
         IS DISTINCT FROM
         (x.decision_id, x.recipient, x.subject, x.purpose, x.requested, x.released, x.allow, x.code, x.article, x.basis,
          x.declaration, x.registry_hash, x.notice_hash, x.consent_event_id, x.retention_until, x.at, x.via_decision);

-- A new table rather than DROP COLUMN: PostgreSQL would keep the dropped columns' bytes in
-- every old row and a slot for each in every new one.
ALTER TABLE release_decisions RENAME TO release_decisions_wide;
ALTER INDEX release_decisions_pkey RENAME TO release_decisions_wide_pkey;
ALTER INDEX release_decisions_leaf_index_key RENAME TO release_decisions_wide_leaf_index_key;
CREATE TABLE release_decisions (
  id           text PRIMARY KEY,
  leaf_index   bigint NOT NULL UNIQUE,
  recipient    text NOT NULL,
  allow        boolean NOT NULL,
  trace_id     bytea NOT NULL,
  order_ref    text,
  retention_until timestamptz,
  decided_at   timestamptz NOT NULL,
  handed_over  boolean NOT NULL
);
INSERT INTO release_decisions (id, leaf_index, recipient, allow, trace_id, order_ref, retention_until, decided_at, handed_over)
  SELECT id, leaf_index, recipient, allow, trace_id, order_ref, retention_until, decided_at, jsonb_array_length(released) > 0 FROM release_decisions_wide;
DROP TABLE release_decisions_wide;

-- The record as release_decisions held it before, column for column and type for type: the
-- row's own columns, the rest from the entry (its JSON null is SQL NULL), the trace from
-- decision_traces. An inner join on the leaf: every decision has one, written in the same
-- transaction. json_to_record, not jsonb_to_record: it keeps the entry's top-level fields as
-- text and parses only the two arrays the record has as jsonb, where jsonb would first build
-- the whole entry (its checks too) as a tree; about a quarter less per row on PGlite.
CREATE VIEW release_decision_records AS
  SELECT d.id, d.leaf_index, d.recipient, x.subject AS subject_pseudonym, x.purpose, x.requested, x.released, d.allow, x.code,
         x.article, x.basis, x.declaration AS declaration_id, t.trace, x.registry_hash, x.notice_hash, x.consent_event_id, d.order_ref,
         d.retention_until, d.decided_at, x.via_decision
  FROM release_decisions d
  JOIN ledger_entries e ON e.idx = d.leaf_index
  CROSS JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(
    subject text, purpose text, requested jsonb, released jsonb, code text, article text, basis text, declaration text,
    registry_hash text, notice_hash text, consent_event_id text, via_decision text)
  LEFT JOIN decision_traces t ON t.id = d.trace_id;
