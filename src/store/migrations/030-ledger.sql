-- Transparency log (RFC 9162 Merkle tree). The ledger issue extends this with stored nodes and checkpoints.
CREATE TABLE ledger_entries (
  idx        bigint PRIMARY KEY,
  entry      bytea NOT NULL,
  leaf_hash  bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row; locked FOR UPDATE by every append so servers sharing the database never fork the log.
CREATE TABLE ledger_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  size      bigint NOT NULL
);
INSERT INTO ledger_head (size) VALUES (0);
