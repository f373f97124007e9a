-- Registry versions are immutable: a new document is a new row, identified by its content hash.
CREATE TABLE registry_versions (
  version     integer PRIMARY KEY,
  hash        text NOT NULL UNIQUE,
  source      text NOT NULL,
  document    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL
);

-- Exactly one row: which version is active. Activation is one UPDATE, so it is atomic.
CREATE TABLE registry_active (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version      integer NOT NULL REFERENCES registry_versions(version),
  activated_at timestamptz NOT NULL DEFAULT now(),
  activated_by text NOT NULL
);

CREATE TABLE registry_activations (
  seq          serial PRIMARY KEY,
  version      integer NOT NULL REFERENCES registry_versions(version),
  activated_at timestamptz NOT NULL DEFAULT now(),
  activated_by text NOT NULL
);

-- Individual members of a recipient class (e.g. one seller), registered through the API.
-- `seq` orders members for keyset pagination and lets other servers catch up after a NOTIFY.
CREATE TABLE recipient_members (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL UNIQUE,
  class_id    text NOT NULL,
  name        text NOT NULL,
  country     text NOT NULL,
  contact     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  disabled_at timestamptz
);
CREATE INDEX recipient_members_class ON recipient_members (class_id);

-- API keys: only a salted hash of the secret is kept.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('admin', 'recipient', 'subject')),
  principal    text NOT NULL,
  scopes       text[] NOT NULL,
  salt         bytea NOT NULL,
  secret_hash  bytea NOT NULL,
  label        text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL,
  expires_at   timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_principal ON api_keys (kind, principal);

-- Admin actions (registry activation, key changes, recipient registration). Each is also a
-- transparency-log leaf, written in the same transaction by the journal.
CREATE TABLE admin_actions (
  leaf_index  bigint PRIMARY KEY,
  action      text NOT NULL,
  actor       text NOT NULL,
  target      text NOT NULL,
  at          timestamptz NOT NULL
);

-- Small facts the server keeps about itself (e.g. that the first-start admin key was issued).
CREATE TABLE server_markers (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
