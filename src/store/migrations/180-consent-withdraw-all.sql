-- A withdrawal asked as "everything granted" (no declarationIds) is told apart from one naming
-- the same declarations: only the identical request may replay an event id (EVENT_ID_CONFLICT).
-- NULL (events stored before this column, and every other event) reads as a named request.
-- Appended last: the batch writer inserts consent_events positionally (consent-repo.ts).
ALTER TABLE consent_events ADD COLUMN withdraw_all boolean;
