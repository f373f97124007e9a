-- Transactional outbox: a message is inserted in the same transaction as the business change
-- that caused it, so it exists if and only if that change committed. Dispatchers on any number
-- of servers claim due rows with FOR UPDATE SKIP LOCKED and hold a lease while delivering; a
-- lease that runs out (server died mid-delivery) makes the row claimable again.
CREATE TABLE outbox_messages (
  id               text PRIMARY KEY,          -- also the Idempotency-Key / Nats-Msg-Id
  seq              bigserial NOT NULL UNIQUE, -- enqueue order
  kind             text NOT NULL CHECK (kind IN ('webhook', 'nats')),
  destination      text NOT NULL,             -- webhook endpoint id, or NATS subject
  topic            text NOT NULL,             -- event type, e.g. deletion.requested
  body             text NOT NULL,             -- exact bytes that are signed and sent
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL CHECK (max_attempts > 0),
  next_attempt_at  timestamptz NOT NULL,
  lease_token      text,
  lease_until      timestamptz,
  last_error       text,
  last_status      integer,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz,
  dead_at          timestamptz
);
CREATE INDEX outbox_due ON outbox_messages (next_attempt_at, seq) WHERE state = 'pending';
CREATE INDEX outbox_dead ON outbox_messages (dead_at) WHERE state = 'dead';

-- Where a recipient receives webhooks. The secret signs every delivery (HMAC-SHA256); it is
-- shown to the recipient once, at registration.
CREATE TABLE webhook_endpoints (
  id            text PRIMARY KEY,
  recipient_id  text NOT NULL UNIQUE,
  url           text NOT NULL,
  secret        bytea NOT NULL,
  created_at    timestamptz NOT NULL,
  disabled_at   timestamptz
);

-- Data-subject requests (PIPA 35-37, GDPR 15-21) with their statutory deadline.
CREATE TABLE rights_requests (
  id                text PRIMARY KEY,
  seq               bigserial NOT NULL UNIQUE,
  type              text NOT NULL,
  subject           text NOT NULL,
  jurisdiction      text NOT NULL,
  state             text NOT NULL,
  received_at       timestamptz NOT NULL,
  due_before        timestamptz NOT NULL,
  document          jsonb NOT NULL,           -- the full request value, history included
  updated_at        timestamptz NOT NULL
);
CREATE INDEX rights_requests_subject ON rights_requests (subject, seq);
CREATE INDEX rights_requests_open_due ON rights_requests (due_before) WHERE state NOT IN ('completed', 'rejected');

-- Deletion requests sent to recipients when a basis ends (GDPR 17(2), 19; PIPA 21, 36, 37).
CREATE TABLE deletion_requests (
  id               text PRIMARY KEY,
  seq              bigserial NOT NULL UNIQUE,
  recipient_id     text NOT NULL,
  subject          text NOT NULL,            -- the operator's subject id (joins the vault and consent tables)
  cause            text NOT NULL,            -- withdrawal | objection | erasure | suspension | retention_end
  cause_ref        text NOT NULL,            -- what ended the basis: consent event id, rights request, decision
  rights_request   text,                     -- the rights request that caused it, if any
  decisions        jsonb NOT NULL,           -- release decision ids whose data is to be deleted
  declarations     jsonb NOT NULL,           -- declaration ids the data was released under
  items            jsonb NOT NULL,           -- categories released
  outbox_id        text,                     -- the webhook message; NULL when the recipient has no endpoint
  state            text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'confirmed', 'escalated')),
  created_at       timestamptz NOT NULL,
  escalate_at      timestamptz NOT NULL,
  escalated_at     timestamptz,
  confirmed_at     timestamptz,
  confirmed_by     text,
  leaf_index       bigint NOT NULL           -- transparency-log leaf of the request
);
CREATE INDEX deletion_requests_recipient ON deletion_requests (recipient_id, seq);
CREATE INDEX deletion_requests_subject ON deletion_requests (subject, seq);
CREATE UNIQUE INDEX deletion_requests_cause ON deletion_requests (cause_ref, recipient_id);
CREATE INDEX deletion_requests_escalate ON deletion_requests (escalate_at) WHERE state = 'requested';

-- How far a background sweep has read another table (e.g. consent events, by leaf index), so a
-- restart resumes where it stopped. Sweeps are idempotent: re-reading a little is harmless.
CREATE TABLE rights_cursors (
  name      text PRIMARY KEY,
  position  bigint NOT NULL
);
