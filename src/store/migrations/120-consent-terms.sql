-- Consents go stale (PIPA 15(2), 17(2), 28-8(3); GDPR 7): each grant records the fingerprint of
-- the declaration's terms as its notice showed them (src/core/notice/terms.ts). The gate compares
-- it with the active registry's; NULL (events recorded before this column) never matches, so such
-- consents count as stale and the subject is asked again. Appended last: the batch writer inserts
-- consent_events positionally (json_to_recordset column list in consent-repo.ts).
ALTER TABLE consent_events ADD COLUMN fingerprint text;
ALTER TABLE consent_state ADD COLUMN fingerprint text;
