-- PIPA 28-8(4): the version of its class's agreement a member accepted (NULL: none yet).
ALTER TABLE recipient_members ADD COLUMN IF NOT EXISTS agreement_version text;
ALTER TABLE recipient_members ADD COLUMN IF NOT EXISTS agreement_accepted_at timestamptz;
