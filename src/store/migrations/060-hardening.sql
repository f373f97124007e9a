-- Mutual TLS for recipients: a recipient with a bound certificate must present it (SHA-256
-- fingerprint of the DER certificate, lower-case hex) on every request with its API key.
CREATE TABLE recipient_certificates (
  principal    text PRIMARY KEY,
  fingerprint  text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  bound_at     timestamptz NOT NULL,
  bound_by     text NOT NULL
);
