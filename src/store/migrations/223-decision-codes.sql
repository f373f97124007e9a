-- The deny statistics (reports) and the console's deny codes group denied decisions by their code
-- and article, which migration 222 left in the ledger entry only: each such query parsed every
-- denied entry in its period (deny statistics 5.8 -> 12.0 ms, deny codes 2.4 -> 5.3 ms at 10,000
-- decisions on PostgreSQL; docs/release.md, 2026-12-07 "Deny codes on the row"). The row keeps
-- them again: two short texts, NULL for every allowed release (the gate gives an allow neither),
-- so an allowed row is no wider (its null bitmap already exists). The writer stores the
-- decision's own code and article; rows stored before are filled from their entries here.
-- The deny statistics count distinct subjects from ledger_entries.subject, the entry's subject
-- as the appender indexes it (src/store/ledger-appender.ts subjectOf; NULL when it is not a
-- 1..200-character text, and then the reader falls back to the entry).

-- Nothing changes unless every decision has its leaf, of kind release_decision, and the leaf's
-- indexed subject (when there is one) is the entry's: otherwise the migration fails here, its
-- transaction rolls back and the database stays as it was.
CREATE TEMP TABLE decision_codes_unmatched (n bigint CONSTRAINT release_decisions_leaves_must_index_their_subjects CHECK (n = 0)) ON COMMIT DROP;
INSERT INTO decision_codes_unmatched
  SELECT count(*) FROM release_decisions d
    LEFT JOIN ledger_entries e ON e.idx = d.leaf_index
    LEFT JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(kind text, subject text) ON true
   WHERE e.idx IS NULL OR x.kind IS DISTINCT FROM 'release_decision'
      OR (e.subject IS NOT NULL AND e.subject IS DISTINCT FROM x.subject);

ALTER TABLE release_decisions ADD COLUMN code text, ADD COLUMN article text;
UPDATE release_decisions d SET code = x.code, article = x.article
  FROM ledger_entries e
  CROSS JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(code text, article text)
 WHERE e.idx = d.leaf_index AND (x.code IS NOT NULL OR x.article IS NOT NULL);

-- Same columns, names, order and types as 222's view; code and article now from the row.
CREATE OR REPLACE VIEW release_decision_records AS
  SELECT d.id, d.leaf_index, d.recipient, x.subject AS subject_pseudonym, x.purpose, x.requested, x.released, d.allow, d.code,
         d.article, x.basis, x.declaration AS declaration_id, t.trace, x.registry_hash, x.notice_hash, x.consent_event_id, d.order_ref,
         d.retention_until, d.decided_at, x.via_decision
  FROM release_decisions d
  JOIN ledger_entries e ON e.idx = d.leaf_index
  CROSS JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(
    subject text, purpose text, requested jsonb, released jsonb, basis text, declaration text,
    registry_hash text, notice_hash text, consent_event_id text, via_decision text)
  LEFT JOIN decision_traces t ON t.id = d.trace_id;
