-- Transparency log: an RFC 9162 Merkle tree over every journal entry (consent events, release
-- decisions, admin actions). Leaves live in ledger_entries; every complete subtree of level ≥ 1
-- in ledger_nodes, so any inclusion or consistency proof is O(log n) rows fetched in one query.
CREATE TABLE ledger_entries (
  idx        bigint PRIMARY KEY,
  entry      bytea NOT NULL,                 -- canonical JSON (RFC 8785), no plaintext personal data
  leaf_hash  bytea NOT NULL,                 -- SHA-256(0x00 ‖ entry)
  subject    text,                           -- the entry's subject pseudonym, to serve /v1/subjects/:id/ledger
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_subject ON ledger_entries (subject, idx) WHERE subject IS NOT NULL;

-- Complete subtrees: the 2^level leaves starting at idx·2^level. Written once, never updated.
CREATE TABLE ledger_nodes (
  level smallint NOT NULL CHECK (level > 0),
  idx   bigint NOT NULL,
  hash  bytea NOT NULL,
  PRIMARY KEY (level, idx)
);

-- One row; locked FOR UPDATE by every append so servers sharing the database take turns and
-- the index sequence never gaps or forks. `frontier` is the concatenated hashes of the complete
-- subtrees making up [0, size), largest first: all an appender needs, O(log n) bytes.
CREATE TABLE ledger_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  size      bigint NOT NULL,
  frontier  bytea NOT NULL
);
INSERT INTO ledger_head (size, frontier) VALUES (0, '\x'::bytea);

-- Every signed checkpoint ever issued (C2SP tlog-checkpoint signed notes). One per size: a
-- second root for a size would be a fork, which the primary key refuses.
CREATE TABLE ledger_checkpoints (
  size       bigint PRIMARY KEY,
  root       bytea NOT NULL,
  note       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The log's Ed25519 checkpoint signing key, shared by every server on this database. Generated
-- on first start unless the operator supplies one (CONSENTGATE_LEDGER_KEY); see docs/ledger.md.
CREATE TABLE ledger_keys (
  name       text PRIMARY KEY,               -- key name = checkpoint origin
  seed       bytea,                          -- 32-byte Ed25519 seed; NULL when the operator holds the key
  verifier   text NOT NULL,                  -- <name>+<hash>+<base64 key>, public
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
