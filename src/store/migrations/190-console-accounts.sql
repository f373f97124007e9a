-- People who sign in to the officer console (issue 19): a role each, an optional local password
-- (scrypt, self-describing string) and an optional OpenID Connect binding (issuer + subject).
-- Creating, disabling and changing an account are admin actions in the transparency log.
CREATE TABLE console_accounts (
  id             text PRIMARY KEY,
  login          text NOT NULL,
  display_name   text NOT NULL,
  role           text NOT NULL CHECK (role IN ('officer', 'auditor', 'support')),
  password_hash  text,
  oidc_issuer    text,
  oidc_subject   text,
  created_at     timestamptz NOT NULL,
  created_by     text NOT NULL,
  disabled_at    timestamptz,
  -- Bumped when the password or the OpenID binding changes: sessions opened before end.
  credentials_version integer NOT NULL DEFAULT 0,
  CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL))
);
-- Logins compare case-insensitively (they are usually e-mail addresses): stored lower-case.
CREATE UNIQUE INDEX console_accounts_login ON console_accounts (login);
CREATE UNIQUE INDEX console_accounts_oidc ON console_accounts (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;
