-- Erasure is also marked on the subject (the consent ledger's 010 leaves room for it).
ALTER TABLE subjects ADD COLUMN IF NOT EXISTS erased_at timestamptz;

-- Vault: one data key per subject, wrapped by a master key. Erasure sets wrapped_key to NULL
-- (crypto-shredding): the subject's ciphertexts stay where they are and no key opens them.
-- The row itself remains as the erasure tombstone the gate reads (SUBJECT_ERASED).
CREATE TABLE vault_keys (
  subject       text PRIMARY KEY,
  key_version   integer NOT NULL,
  master_key_id text,
  wrapped_key   bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  destroyed_at  timestamptz,
  CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);

-- Sealed items: AES-256-GCM under the subject's data key; no plaintext column anywhere.
CREATE TABLE vault_items (
  subject     text NOT NULL REFERENCES vault_keys (subject),
  category    text NOT NULL,
  key_version integer NOT NULL,
  sealed      bytea NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, category)
);

-- Every release decision, allow or deny, written by the journal together with its ledger leaf.
-- Subjects appear only as pseudonyms; released values never.
CREATE TABLE release_decisions (
  id               text PRIMARY KEY,
  leaf_index       bigint NOT NULL UNIQUE,
  recipient        text NOT NULL,
  subject_pseudonym text NOT NULL,
  purpose          text NOT NULL,
  requested        jsonb,
  released         jsonb NOT NULL,
  allow            boolean NOT NULL,
  code             text,
  article          text,
  basis            text,
  declaration_id   text,
  trace            jsonb NOT NULL,
  registry_hash    text NOT NULL,
  notice_hash      text,
  consent_event_id text,
  order_ref        text,
  retention_until  timestamptz,
  decided_at       timestamptz NOT NULL,
  -- A token redemption points at the decision that issued the token.
  via_decision     text
);
CREATE INDEX release_decisions_subject ON release_decisions (subject_pseudonym, decided_at);
CREATE INDEX release_decisions_recipient ON release_decisions (recipient, decided_at);

-- Opaque tokens (form `token`): only a hash of the token is kept; redeeming decrypts the
-- current vault value, so erasure or revocation ends every token at once.
CREATE TABLE release_tokens (
  token_hash       bytea PRIMARY KEY,
  recipient        text NOT NULL,
  subject          text NOT NULL,
  category         text NOT NULL,
  declaration_id   text NOT NULL,
  decision_id      text NOT NULL,
  issued_at        timestamptz NOT NULL,
  expires_at       timestamptz,
  revoked_at       timestamptz,
  last_redeemed_at timestamptz
);
CREATE INDEX release_tokens_binding ON release_tokens (recipient, subject);
CREATE INDEX release_tokens_subject ON release_tokens (subject);

-- Relay numbers (form `safe_number`): a 050 number or a proxy e-mail per (recipient, subject,
-- category), routed by looking the real value up in the vault, never stored here.
CREATE TABLE safe_numbers (
  relay      text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('phone', 'email')),
  recipient  text NOT NULL,
  subject    text NOT NULL,
  category   text NOT NULL,
  issued_at  timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  UNIQUE (recipient, subject, category)
);
CREATE INDEX safe_numbers_subject ON safe_numbers (subject);
