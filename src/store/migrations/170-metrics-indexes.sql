-- /metrics counts unconfirmed deletion requests at every scrape (src/metrics/state-metrics.ts).
-- Requested ones are found through deletion_requests_escalate (migration 040); escalated ones had
-- no index, so each scrape would have read the whole table. Escalations are rare and stay few
-- (a recipient that never confirms), so this partial index is small and costs nothing on writes
-- of other states.
CREATE INDEX deletion_requests_escalated ON deletion_requests (escalated_at) WHERE state = 'escalated';
