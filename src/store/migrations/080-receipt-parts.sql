-- The parts every receipt of one notice repeats (controller, withdrawal text, a declaration's
-- purpose label, retention and transfer terms), stored once under their content hash; a
-- receipt body refers to them as {"$part": id} (src/core/consent/receipt-parts.ts). Bodies
-- written before this migration have no references and read back as they are.
CREATE TABLE consent_receipt_parts (
  id   text PRIMARY KEY,
  body text NOT NULL
);

-- Receipts are read by id only (GET …/receipts/:id, idempotent retries); a subject's consents
-- are listed from consent_events. This index was written on every consent and never read.
DROP INDEX consent_receipts_subject;
