-- PIPA 28-9: the PIPC may lift a suspension order. Lifting is recorded, never a deletion: the
-- order stays, with the instant from which it no longer applies, the PIPC decision lifting it,
-- and who recorded that (a journaled admin action with its own ledger leaf).
ALTER TABLE transfer_suspensions ADD COLUMN lifted_from timestamptz;
ALTER TABLE transfer_suspensions ADD COLUMN lift_reference text;
ALTER TABLE transfer_suspensions ADD COLUMN lifted_at timestamptz;
ALTER TABLE transfer_suspensions ADD COLUMN lifted_by text;
