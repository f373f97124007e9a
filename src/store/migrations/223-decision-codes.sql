-- The deny statistics (reports) and the console's deny codes group denied decisions by their code
-- and article and count their distinct subjects, which migration 222 left in the ledger entry
-- only: each such query parsed every denied entry in its period (deny statistics 5.8 -> 12.0 ms,
-- deny codes 2.4 -> 5.3 ms at 10,000 decisions on PostgreSQL; docs/release.md, 2026-12-07
-- "Deny codes on the row"). The row keeps them again for a deny: `code` and `article` (the
-- decision's own, NULL for every allowed release: the gate gives an allow neither) and
-- `denied_subject` (the subject pseudonym of a deny, NULL for an allow). An allowed row is no
-- wider (its null bitmap already exists); a denied one carries three short texts. The writer
-- stores them; rows stored before are filled from their entries here.

-- Nothing changes unless every decision has its leaf, of kind release_decision: otherwise the
-- migration fails here, its transaction rolls back and the database stays as it was (a row
-- without its entry could not be filled, and would read back as allowed-looking NULLs).
CREATE TEMP TABLE decision_codes_unmatched (n bigint CONSTRAINT release_decisions_rows_must_have_their_ledger_entries CHECK (n = 0)) ON COMMIT DROP;
INSERT INTO decision_codes_unmatched
  SELECT count(*) FROM release_decisions d
    LEFT JOIN ledger_entries e ON e.idx = d.leaf_index
    LEFT JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(kind text) ON true
   WHERE e.idx IS NULL OR x.kind IS DISTINCT FROM 'release_decision';

ALTER TABLE release_decisions ADD COLUMN code text, ADD COLUMN article text, ADD COLUMN denied_subject text;
UPDATE release_decisions d SET code = x.code, article = x.article, denied_subject = CASE WHEN d.allow THEN NULL ELSE x.subject END
  FROM ledger_entries e
  CROSS JOIN LATERAL json_to_record(convert_from(e.entry, 'UTF8')::json) AS x(code text, article text, subject text)
 WHERE e.idx = d.leaf_index AND (x.code IS NOT NULL OR x.article IS NOT NULL OR NOT d.allow);

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
