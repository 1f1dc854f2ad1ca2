-- The desk's own store: what reception needs while the clinic's server is away, the writes made
-- meanwhile, and forms being filled. Never clinical notes. STRICT tables: SQLite checks types.

-- The patient directory: enough to find and call a patient. Search reads it online and offline.
CREATE TABLE directory (
    id BLOB PRIMARY KEY NOT NULL,
    full_name TEXT NOT NULL,
    birth_date TEXT,
    phone TEXT NOT NULL,
    at_risk INTEGER NOT NULL,
    -- Lowercase without accents (the server's search_name), and the phone's digits.
    search_name TEXT NOT NULL,
    search_phone TEXT NOT NULL,
    -- Registered at this desk while the server was away, not yet on it.
    pending INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The agenda from today to a week ahead, every podiatrist: each appointment whole (JSON), with
-- its place in time (minutes since the Unix epoch) for range reads.
CREATE TABLE agenda (
    id BLOB PRIMARY KEY NOT NULL,
    podiatrist_id BLOB NOT NULL,
    starts_min INTEGER NOT NULL,
    ends_min INTEGER NOT NULL,
    body TEXT NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX agenda_by_time ON agenda (starts_min);

-- Whole answers kept as they came (podiatrists, schedules, catalog, the desk's cash session):
-- `key` names the view, `fetched_at` says how old it is.
CREATE TABLE views (
    key TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    fetched_at TEXT NOT NULL
) STRICT;

-- Writes made while the server was away, in the order they were made. `id` is the write's own
-- client-made id, so a replay the server already has changes nothing. A write the server refuses
-- stays as a conflict (with the refusal) until a person resolves it; nothing is deleted.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE,
    user_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'conflict', 'landed', 'discarded')),
    refusal TEXT,
    settled_at TEXT
) STRICT;
CREATE INDEX outbox_open ON outbox (state, seq);

-- Forms being filled, per user: brought back after a lock, an expired session, a crash.
CREATE TABLE drafts (
    user_id BLOB NOT NULL,
    form TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (user_id, form, subject)
) STRICT;

-- Who may sign in at this desk while the server is away: users who signed in here with it, their
-- password's hash (argon2, as the server keeps it) and their grants as they were then.
CREATE TABLE sign_ins (
    username TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    idle_minutes INTEGER NOT NULL,
    saved_at TEXT NOT NULL
) STRICT;
