-- A release decision is written once and read rarely; its indexes are paid on every release.
-- Measured on PostgreSQL 15 (200k decision rows): the table with its four indexes took 22 µs a
-- row, 12 µs without these two. A subject's decisions are found through the ledger instead:
-- every decision's log entry carries the subject pseudonym, indexed by ledger_entries_subject
-- (migration 030), and joins back on leaf_index (unique). Nothing queries decisions by
-- recipient through an index: reports and the console scan by time or leaf.
DROP INDEX release_decisions_subject;
DROP INDEX release_decisions_recipient;
