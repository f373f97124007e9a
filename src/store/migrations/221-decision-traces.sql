-- A decision's rule trace, stored once per distinct text instead of in every decision row
-- (src/store/decision-traces.ts). Allowed decisions of one recipient and purpose share one
-- trace: a release then sends and stores a 32-byte reference instead of about 0.7 kB of JSON.
-- `id` is the SHA-256 of the trace's JSON text (UTF-8) as stored; json keeps the text as sent.
CREATE TABLE decision_traces (
  id    bytea PRIMARY KEY,
  trace json NOT NULL
);

-- Existing rows: each distinct trace text moves to decision_traces, the row keeps its hash.
-- No foreign key: checking one would lock the trace row against every decision that uses it.
ALTER TABLE release_decisions ADD COLUMN trace_id bytea;
INSERT INTO decision_traces (id, trace)
  SELECT DISTINCT ON (h) h, trace FROM (SELECT sha256(convert_to(trace::text, 'UTF8')) AS h, trace FROM release_decisions) AS t;
ALTER TABLE release_decisions ALTER COLUMN trace DROP NOT NULL;
UPDATE release_decisions SET trace_id = sha256(convert_to(trace::text, 'UTF8')), trace = NULL;
ALTER TABLE release_decisions DROP COLUMN trace;
ALTER TABLE release_decisions ALTER COLUMN trace_id SET NOT NULL;

-- The record as release_decisions held it before, column for column: what an auditor, an
-- export or DecisionsRepo reads when it wants the trace. A LEFT JOIN on the key, so a query of
-- the view that does not ask for the trace does not join at all (the planner removes it).
CREATE VIEW release_decision_records AS
  SELECT d.id, d.leaf_index, d.recipient, d.subject_pseudonym, d.purpose, d.requested, d.released, d.allow, d.code,
         d.article, d.basis, d.declaration_id, t.trace, d.registry_hash, d.notice_hash, d.consent_event_id, d.order_ref,
         d.retention_until, d.decided_at, d.via_decision
  FROM release_decisions d LEFT JOIN decision_traces t ON t.id = d.trace_id;
