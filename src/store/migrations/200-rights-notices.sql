-- What the data subject was told at each step of a rights request (src/core/rights/notice.ts):
-- shown in the privacy centre and, when the operator registered a subject-notice webhook, queued
-- in the outbox (outbox_id) in the same transaction as the request's change.
CREATE TABLE rights_notices (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL UNIQUE,
  request_id  text NOT NULL,
  subject     text NOT NULL,                 -- the operator's subject id (the privacy centre's key)
  action      text NOT NULL,                 -- the lifecycle step: receive | verify | start | extend | complete | reject
  lang        text NOT NULL,                 -- ko | en
  title       text NOT NULL,
  body        text NOT NULL,
  outbox_id   text,                          -- NULL when no delivery channel is registered
  created_at  timestamptz NOT NULL
);
CREATE INDEX rights_notices_subject ON rights_notices (subject, seq);
CREATE INDEX rights_notices_request ON rights_notices (request_id, seq);
