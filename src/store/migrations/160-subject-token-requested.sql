-- A subject's row and its token key are written one after the other (the key is its own admin
-- action and ledger leaf). `token_requested` records, with the subject, that its create asked for
-- a token: a create cut off between the two (a crash) can then be retried and completed — the
-- identical request issues the missing token — instead of answering 409 SUBJECT_EXISTS forever.
ALTER TABLE subjects ADD COLUMN token_requested boolean NOT NULL DEFAULT false;
