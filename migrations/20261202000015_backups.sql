-- Backups: the clinic's settings for them (one row, shared by the desks) and the record of each
-- backup taken. The recovery key's private half is stored only sealed with the clinic's
-- passphrase (age's scrypt recipient): the database never holds what reads a backup.
CREATE TABLE backup_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- The desk that takes the scheduled backups (its name as the audit log records it); NULL
    -- until an admin sets backups up.
    runner_desk text CHECK (char_length(runner_desk) BETWEEN 1 AND 80),
    -- Where that desk writes them: a folder of its own (a USB disk, a mounted NAS share).
    folder text CHECK (char_length(folder) BETWEEN 1 AND 1024),
    -- When, in the clinic's time zone, the daily backup is due.
    daily_at time NOT NULL DEFAULT '21:00',
    enabled boolean NOT NULL DEFAULT true,
    -- The age recipient every backup is encrypted to, and its identity sealed with the passphrase.
    recipient text CHECK (recipient LIKE 'age1%' AND char_length(recipient) < 100),
    sealed_key bytea CHECK (octet_length(sealed_key) < 4096),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((recipient IS NULL) = (sealed_key IS NULL))
);
INSERT INTO backup_settings DEFAULT VALUES;

-- One row per backup attempt, written when it ends. What a backup held (its counts and the audit
-- chain's head) is what its verification compared; `verified_at` is set only when the restored
-- copy matched. Retention removes files, never rows: `pruned_at` says when the file went.
CREATE TABLE backups (
    id uuid PRIMARY KEY,
    desk text NOT NULL CHECK (char_length(desk) BETWEEN 1 AND 80),
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('verified', 'differs', 'failed')),
    -- The file's name in the folder (no path: the folder may be mounted elsewhere later).
    file_name text CHECK (char_length(file_name) BETWEEN 1 AND 255),
    folder text CHECK (char_length(folder) BETWEEN 1 AND 1024),
    bytes bigint CHECK (bytes >= 0),
    sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    row_counts jsonb,
    audit_rows bigint,
    audit_hash text,
    server_major int,
    verified_at timestamptz,
    -- Why it failed or what differed (no patient data: table names and counts, a program's error).
    detail text CHECK (char_length(detail) <= 4000),
    pruned_at timestamptz,
    CHECK ((outcome = 'verified') = (verified_at IS NOT NULL)),
    CHECK (outcome = 'failed' OR (file_name IS NOT NULL AND sha256 IS NOT NULL AND row_counts IS NOT NULL))
);
CREATE INDEX backups_started ON backups (started_at DESC);

-- A backup's record is what it was: only the moment its file was pruned may be set, once.
CREATE FUNCTION backups_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a backup''s record is kept' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.pruned_at IS NOT NULL OR NEW.pruned_at IS NULL
       OR (to_jsonb(NEW) - 'pruned_at') IS DISTINCT FROM (to_jsonb(OLD) - 'pruned_at') THEN
        RAISE EXCEPTION 'a backup''s record changes only when its file is pruned'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER backups_guard BEFORE UPDATE OR DELETE ON backups FOR EACH ROW EXECUTE FUNCTION backups_guard();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT SELECT, UPDATE ON backup_settings TO podoclinic_app;
        GRANT SELECT, INSERT ON backups TO podoclinic_app;
        GRANT UPDATE (pruned_at) ON backups TO podoclinic_app;
    END IF;
END;
$$;
