-- The desk's disk speaks for nobody (issue 32).
--
-- An offline sign-in no longer keeps a password hash: it keeps the user's outbox key (the
-- server's, for one generation of the user's credentials) sealed under a key derived from the
-- password (argon2id, then ChaCha20-Poly1305). Opening the seal is the password check; a row
-- forged here opens to a key the server does not know. Failures lock as at the server. The old
-- rows are dropped: each user signs in with the server once more.
DROP TABLE sign_ins;
CREATE TABLE sign_ins (
    username TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL,
    display_name TEXT NOT NULL,
    permissions TEXT NOT NULL,
    idle_minutes INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    generation INTEGER NOT NULL,
    salt BLOB NOT NULL,
    sealed_key BLOB NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
) STRICT;

-- Each kept write carries its proof: HMAC-SHA-256 under its author's outbox key of `generation`.
-- `typed_by`: who typed it first, when another user amended it and so became its author.
ALTER TABLE outbox ADD COLUMN generation INTEGER;
ALTER TABLE outbox ADD COLUMN proof BLOB;
ALTER TABLE outbox ADD COLUMN typed_by BLOB;
-- Made in a session the server has not confirmed yet (begun, or unlocked, without it): such a
-- write waits until its author has given the password to the server (or a person sends it as
-- theirs), even across a sign-out or a restart.
ALTER TABLE outbox ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;

-- A write the server has (or that a person gave up, audited there) leaves the desk's disk.
DELETE FROM outbox WHERE state IN ('landed', 'discarded');
