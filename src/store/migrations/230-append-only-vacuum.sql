-- The two tables every release appends to (ledger_entries: its leaf; release_decisions: its row)
-- are insert-only. PostgreSQL's defaults vacuum an insert-only table once inserts since the last
-- vacuum reach 1,000 + 20 % of its rows, and freeze only rows older than 50 M transactions: each
-- pass grows with the table (at 100 M rows, one pass over the 20 M rows since the last, long
-- out of the cache), and the pages it leaves all-visible but not frozen are read and written
-- again, all at once, by the anti-wraparound vacuum that every table must get every 200 M
-- transactions (a journal batch is one: ~12 days at 1,000 releases/s in batches of ~5). Both run
-- beside the release path on the same disk and WAL (the batch session was seen waiting for the
-- WAL write lock while a vacuum ran: docs/release.md, 2026-12-07 "What a slow batch statement is
-- made of on the Zen 5 host").
-- Here each table is vacuumed after a fixed 10,000 inserts (so, with autovacuum's one-minute
-- visits, once a minute at the release rate: the rows written since the last visit, still in
-- the cache), and that pass freezes what it finds, so a page is written by vacuum once and no
-- later vacuum has to read it. Storage parameters only: no lock beyond ALTER TABLE's moment, no
-- rewrite, nothing changes in what is stored; PGlite (no autovacuum) keeps them and ignores them.
ALTER TABLE ledger_entries SET (autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_freeze_min_age = 0);
ALTER TABLE release_decisions SET (autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_freeze_min_age = 0);
