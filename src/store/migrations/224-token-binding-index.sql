-- release_tokens_binding (recipient, subject) was written on every token a release issued (and on
-- every redemption or revocation whose update could not stay on the heap page) and is read by no
-- statement: a token is found by its hash (primary key), and revocation — erasure, withdrawal,
-- objection, with or without a recipient — by its subject, which release_tokens_subject serves
-- and test/store/decision-index-reads.test.ts holds it to. Nothing lists a recipient's tokens.
-- docs/release.md, 2026-12-07 "Every index a release writes, and the read that needs it".
DROP INDEX release_tokens_binding;
