-- The spine: roles, users, lockout, the append-only audit log and the clinic profile.
-- Released migrations are never edited; later changes go in new files.

CREATE TABLE roles (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL,
    -- Built-in roles are recognised by this key, never by their (translatable) name.
    builtin     text        UNIQUE CHECK (builtin IN ('admin', 'reception', 'podiatrist')),
    permissions text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_name_not_blank CHECK (length(btrim(name)) > 0)
);
CREATE UNIQUE INDEX roles_name_key ON roles (lower(name));

INSERT INTO roles (id, name, builtin, permissions) VALUES
    ('00000000-0000-7000-8000-000000000001', 'admin', 'admin', '{}'),
    ('00000000-0000-7000-8000-000000000002', 'recepción', 'reception', ARRAY[
        'podiatrists.read', 'patients.read', 'patients.write', 'schedules.read',
        'appointments.read', 'appointments.write', 'payments.read', 'payments.write',
        'expenses.write', 'cash.operate', 'cash.close', 'suppliers.read', 'inventory.read',
        'inventory.write', 'stats.read']),
    ('00000000-0000-7000-8000-000000000003', 'podólogo', 'podiatrist', ARRAY[
        'podiatrists.read', 'patients.read', 'patients.write', 'schedules.read',
        'appointments.read', 'appointments.write', 'clinical.read', 'clinical.write',
        'inventory.read']);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    username       text        NOT NULL,
    display_name   text        NOT NULL,
    password_hash  text        NOT NULL,
    role_id        uuid        NOT NULL REFERENCES roles (id),
    active         boolean     NOT NULL DEFAULT true,
    -- Lockout lives here so that it holds on every desk.
    locked_until   timestamptz,
    lockout_count  integer     NOT NULL DEFAULT 0 CHECK (lockout_count >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_format CHECK (username ~ '^[a-z0-9._-]{3,40}$'),
    CONSTRAINT users_display_name_not_blank CHECK (length(btrim(display_name)) > 0)
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE login_failures (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid        NOT NULL REFERENCES users (id),
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_user_at ON login_failures (user_id, at);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id     uuid,
    username    text,
    desk        text        NOT NULL,
    action      text        NOT NULL,
    entity      text        NOT NULL,
    entity_id   text,
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_append_only';
END;
$$;
CREATE TRIGGER audit_log_append_only_row BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE TABLE clinic_profile (
    id                boolean     PRIMARY KEY DEFAULT true CHECK (id),
    name              text        NOT NULL CHECK (length(btrim(name)) > 0),
    address           text        NOT NULL DEFAULT '',
    phone             text        NOT NULL DEFAULT '',
    rfc               text        NOT NULL DEFAULT '',
    timezone          text        NOT NULL DEFAULT 'America/Mexico_City',
    currency          text        NOT NULL DEFAULT 'MXN' CHECK (currency ~ '^[A-Z]{3}$'),
    idle_lock_minutes integer     NOT NULL DEFAULT 5 CHECK (idle_lock_minutes BETWEEN 1 AND 240),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO clinic_profile (name) VALUES ('Mi clínica');

-- Accounts as the admin window lists them: no hash, lockout only while it is in force.
CREATE VIEW user_accounts AS
    SELECT u.id, u.username, u.display_name, u.role_id, r.name AS role_name, u.active,
           CASE WHEN u.locked_until > now() THEN u.locked_until END AS locked_until
    FROM users u JOIN roles r ON r.id = u.role_id;
