-- Console OpenID sign-ins under way (src/http/oidc.ts): what the browser that started one must
-- bring back — state, nonce, PKCE verifier — keyed by the SHA-256 of the random id in that
-- browser's short-lived cookie (never the id itself). In the database, not in one server's memory,
-- so the provider's redirect back may land on any server. Single use: the callback takes its row
-- with DELETE … RETURNING. Rows past `expires_at` are refused and purged.
CREATE TABLE oidc_pending (
  id_digest text PRIMARY KEY,
  state text NOT NULL,
  nonce text NOT NULL,
  verifier text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_pending_expires ON oidc_pending (expires_at);
