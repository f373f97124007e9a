-- Data subjects. Only what the consent ledger and the gate need: no name, no contact data.
-- Later migrations add columns (e.g. erased_at); readers select by name and tolerate extras.
CREATE TABLE subjects (
  id           text PRIMARY KEY,
  pseudonym    text NOT NULL UNIQUE,
  jurisdiction text NOT NULL CHECK (jurisdiction IN ('KR', 'EU')),
  birth_date   date,
  is_child     boolean,
  guardian     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Notice versions: immutable, identified by the SHA-256 of the notice's JCS form.
CREATE TABLE notice_versions (
  hash             text PRIMARY KEY,
  collection_point text NOT NULL,
  notice           jsonb NOT NULL,
  leaf_index       bigint NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notice_versions_cp ON notice_versions (collection_point, leaf_index);

-- The consent ledger: append-only events, the only facts. Ordered by (leaf_index, pos): the
-- ledger leaf of the request that made them, then their place in that request.
CREATE TABLE consent_events (
  event_id         text PRIMARY KEY,
  leaf_index       bigint NOT NULL,
  pos              integer NOT NULL,
  receipt_id       text NOT NULL,
  subject_id       text NOT NULL,
  action           text NOT NULL CHECK (action IN ('grant', 'withdraw', 'object')),
  declaration_id   text,
  purpose_id       text NOT NULL,
  recipient_id     text,
  notice_hash      text,
  collection_point text,
  items            jsonb NOT NULL,
  expires_at       bigint,
  at               bigint NOT NULL,
  channel          text NOT NULL,
  actor            text NOT NULL CHECK (actor IN ('subject', 'guardian', 'admin')),
  evidence         jsonb NOT NULL,
  UNIQUE (leaf_index, pos)
);
CREATE INDEX consent_events_subject ON consent_events (subject_id, leaf_index, pos);

-- Current state, maintained by the same transaction as the events (for queries and reports;
-- the gate reads the in-memory projection). scope '' = every recipient of the declaration.
CREATE TABLE consent_state (
  subject_id     text NOT NULL,
  declaration_id text NOT NULL,
  scope          text NOT NULL,
  action         text NOT NULL,
  event_id       text NOT NULL,
  purpose_id     text NOT NULL,
  notice_hash    text,
  items          jsonb NOT NULL,
  expires_at     bigint,
  at             bigint NOT NULL,
  leaf_index     bigint NOT NULL,
  pos            integer NOT NULL,
  PRIMARY KEY (subject_id, declaration_id, scope)
);

CREATE TABLE consent_objections (
  subject_id text NOT NULL,
  purpose_id text NOT NULL,
  objected   boolean NOT NULL,
  event_id   text NOT NULL,
  leaf_index bigint NOT NULL,
  pos        integer NOT NULL,
  PRIMARY KEY (subject_id, purpose_id)
);

-- The signed content of every receipt (signatures are deterministic and re-made on read, so a
-- key rotation never leaves a stored receipt without a current signature).
CREATE TABLE consent_receipts (
  receipt_id text PRIMARY KEY,
  subject_id text NOT NULL,
  leaf_index bigint NOT NULL UNIQUE,
  -- JSON text, not jsonb: stored once, read back whole, never queried inside.
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_receipts_subject ON consent_receipts (subject_id, leaf_index);

-- Public halves of the receipt-signing keys of every server (secrets stay in env / key files),
-- so any server can serve every key id a receipt may carry.
CREATE TABLE receipt_keys (
  kid        text PRIMARY KEY,
  public_key text NOT NULL,
  status     text NOT NULL CHECK (status IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now()
);
