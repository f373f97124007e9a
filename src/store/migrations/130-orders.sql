-- Orders (PIPA 17(2)1, 18): which customer ordered from which class member (one seller), under
-- which declarations. The gate releases to a member only for the subject of one of its orders.
-- Written with its admin_actions leaf in one journal transaction; idempotent on `id` (the
-- canonical request's hash tells a replay from a conflicting reuse of the id).
CREATE TABLE orders (
  id            text PRIMARY KEY,
  seq           bigserial NOT NULL UNIQUE,
  subject       text NOT NULL,
  recipient     text NOT NULL,
  declarations  jsonb NOT NULL,
  placed_at     timestamptz NOT NULL,
  request_hash  text NOT NULL,
  created_at    timestamptz NOT NULL,
  created_by    text NOT NULL
);
CREATE INDEX orders_subject ON orders (subject, recipient);
