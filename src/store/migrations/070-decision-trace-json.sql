-- A decision's rule trace is stored once, read back whole (explain, access requests) and never
-- queried inside: json (kept as text, only validated), not jsonb. Parsing it into jsonb was the
-- largest single cost of recording a decision (about 12 µs of server time per row on
-- PostgreSQL 15, a third of the row).
ALTER TABLE release_decisions ALTER COLUMN trace TYPE json USING trace::json;
