-- PIPA 28-9: suspension orders of the PIPC as the operator records them, for a destination
-- country or one recipient (registry recipient, class or member), in force from a date.
CREATE TABLE transfer_suspensions (
  id              text PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  country         text,
  recipient       text,
  effective_from  timestamptz NOT NULL,
  reference       text NOT NULL,
  note            text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL,
  created_by      text NOT NULL,
  CHECK ((country IS NULL) <> (recipient IS NULL))
);
