-- Agenda: podiatrists, patients, weekly schedules with exceptions, and appointments that can
-- never overlap for one podiatrist.

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary makes it safe
-- to use in generated columns and indexes.
CREATE FUNCTION f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- Reception books for every podiatrist; a podiatrist's own role may be limited to their agenda.
UPDATE roles SET permissions = array_append(permissions, 'appointments.write_others')
    WHERE builtin = 'reception' AND NOT 'appointments.write_others' = ANY (permissions);

CREATE TABLE podiatrists (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL CHECK (length(btrim(name)) > 0),
    license     text        NOT NULL DEFAULT '',
    color       text        NOT NULL DEFAULT '#0f766e' CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    active      boolean     NOT NULL DEFAULT true,
    user_id     uuid        REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT podiatrists_user_key UNIQUE (user_id)
);

CREATE TABLE patients (
    id                 uuid PRIMARY KEY,
    first_name         text        NOT NULL CHECK (length(btrim(first_name)) > 0),
    last_names         text        NOT NULL DEFAULT '',
    birth_date         date,
    sex                text        CHECK (sex IN ('female', 'male', 'other')),
    phone              text        NOT NULL DEFAULT '',
    phone_alt          text        NOT NULL DEFAULT '',
    email              text        NOT NULL DEFAULT '',
    address            text        NOT NULL DEFAULT '',
    emergency_contact  text        NOT NULL DEFAULT '',
    emergency_phone    text        NOT NULL DEFAULT '',
    diabetes           text        NOT NULL DEFAULT 'none'
                                   CHECK (diabetes IN ('none', 'type1', 'type2', 'gestational', 'other')),
    vascular_disease   boolean     NOT NULL DEFAULT false,
    anticoagulants     boolean     NOT NULL DEFAULT false,
    allergies          text        NOT NULL DEFAULT '',
    history_notes      text        NOT NULL DEFAULT '',
    archived_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- What search matches: names without accents or case, and phone digits.
    search_name        text GENERATED ALWAYS AS (lower(f_unaccent(first_name || ' ' || last_names))) STORED,
    search_phone       text GENERATED ALWAYS AS
                           (regexp_replace(phone, '[^0-9]', '', 'g') || ' ' || regexp_replace(phone_alt, '[^0-9]', '', 'g')) STORED
);
CREATE INDEX patients_search_name_trgm ON patients USING gin (search_name gin_trgm_ops);
CREATE INDEX patients_search_phone_trgm ON patients USING gin (search_phone gin_trgm_ops);
CREATE INDEX patients_birth_date ON patients (birth_date);
-- Lets search walk names in order and stop at the first 20 when a word is very common.
-- A fine histogram tells the planner how common a typed word is, so it can choose that walk.
ALTER TABLE patients ALTER COLUMN search_name SET STATISTICS 1000;
CREATE INDEX patients_search_name_order ON patients (search_name) WHERE archived_at IS NULL;

-- Every distinct word of patients' names: a small list where a mistyped word ("gonzales") finds
-- its nearest real one ("gonzalez") quickly, before the indexed search over all patients.
CREATE TABLE patient_name_words (word text PRIMARY KEY);
CREATE INDEX patient_name_words_trgm ON patient_name_words USING gist (word gist_trgm_ops);
CREATE FUNCTION patients_collect_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO patient_name_words (word)
        SELECT DISTINCT w FROM regexp_split_to_table(NEW.search_name, '[^[:alnum:]]+') AS w
        WHERE length(w) >= 3
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER patients_collect_words AFTER INSERT OR UPDATE OF first_name, last_names ON patients
    FOR EACH ROW EXECUTE FUNCTION patients_collect_words();

-- Patients are never deleted (NOM-004 keeps records 5 years): archive instead.
CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_never_deleted';
END;
$$;
CREATE TRIGGER patients_never_deleted BEFORE DELETE ON patients FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER podiatrists_never_deleted BEFORE DELETE ON podiatrists FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Weekly working blocks in the clinic's wall-clock time: ISO weekday (1 = Monday), minutes from midnight.
CREATE TABLE schedule_blocks (
    id              uuid PRIMARY KEY,
    podiatrist_id   uuid     NOT NULL REFERENCES podiatrists (id),
    weekday         smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute    integer  NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute      integer  NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CONSTRAINT schedule_blocks_order CHECK (end_minute > start_minute),
    CONSTRAINT schedule_blocks_no_overlap EXCLUDE USING gist
        (podiatrist_id WITH =, weekday WITH =, int4range(start_minute, end_minute) WITH &&)
);

-- Time off: one podiatrist's (vacation, sick, course) or the whole clinic's (holiday, podiatrist_id NULL).
CREATE TABLE schedule_exceptions (
    id             uuid PRIMARY KEY,
    podiatrist_id  uuid REFERENCES podiatrists (id),
    kind           text      NOT NULL CHECK (kind IN ('vacation', 'sick', 'course', 'holiday', 'other')),
    during         tstzrange NOT NULL CHECK (NOT isempty(during)),
    note           text      NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedule_exceptions_during ON schedule_exceptions USING gist (podiatrist_id, during);

CREATE TABLE appointments (
    id                uuid PRIMARY KEY,
    patient_id        uuid        NOT NULL REFERENCES patients (id),
    -- Copied from the patient (kept current by triggers) so calendar views need no join.
    patient_name      text        NOT NULL DEFAULT '',
    patient_at_risk   boolean     NOT NULL DEFAULT false,
    podiatrist_id     uuid        NOT NULL REFERENCES podiatrists (id),
    during            tstzrange   NOT NULL,
    reason            text        NOT NULL DEFAULT '',
    status            text        NOT NULL DEFAULT 'scheduled' CHECK (status IN
                          ('scheduled', 'confirmed', 'arrived', 'in_consultation', 'completed', 'cancelled', 'no_show')),
    cancel_reason     text,
    cancelled_by      uuid REFERENCES users (id),
    cancelled_at      timestamptz,
    series_id         uuid,
    outside_schedule  boolean     NOT NULL DEFAULT false,
    created_by        uuid REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appointments_range_shape CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)
        AND NOT lower_inf(during) AND NOT upper_inf(during)),
    CONSTRAINT appointments_max_length CHECK (upper(during) - lower(during) <= interval '8 hours'),
    CONSTRAINT appointments_cancel_reason CHECK (status <> 'cancelled' OR length(btrim(coalesce(cancel_reason, ''))) > 0),
    -- The rule staff care most about: one podiatrist, two live appointments, never at once.
    -- Half-open ranges: back-to-back appointments do not overlap.
    CONSTRAINT appointments_no_overlap EXCLUDE USING gist (podiatrist_id WITH =, during WITH &&)
        WHERE (status NOT IN ('cancelled', 'no_show'))
);
CREATE INDEX appointments_patient ON appointments (patient_id, lower(during));
-- Calendar views read by start time (b-tree range scans are much cheaper than GiST overlap on
-- millions of rows); the length limit makes "starts within [from - 8 h, to)" exact.
CREATE INDEX appointments_start ON appointments (lower(during));
CREATE INDEX appointments_podiatrist_start ON appointments (podiatrist_id, lower(during));

CREATE FUNCTION appointments_copy_patient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT btrim(first_name || ' ' || last_names), (diabetes <> 'none' OR vascular_disease OR anticoagulants)
        INTO NEW.patient_name, NEW.patient_at_risk
        FROM patients WHERE id = NEW.patient_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER appointments_copy_patient BEFORE INSERT OR UPDATE OF patient_id ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_copy_patient();

CREATE FUNCTION patients_propagate_to_appointments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE appointments
       SET patient_name = btrim(NEW.first_name || ' ' || NEW.last_names),
           patient_at_risk = (NEW.diabetes <> 'none' OR NEW.vascular_disease OR NEW.anticoagulants)
     WHERE patient_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER patients_propagate_to_appointments
    AFTER UPDATE OF first_name, last_names, diabetes, vascular_disease, anticoagulants ON patients
    FOR EACH ROW EXECUTE FUNCTION patients_propagate_to_appointments();

-- Only the workflow's transitions, whatever the client.
CREATE FUNCTION appointments_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        IF NEW.status IN ('completed', 'cancelled', 'no_show') AND
           (NEW.during <> OLD.during OR NEW.podiatrist_id <> OLD.podiatrist_id OR NEW.patient_id <> OLD.patient_id) THEN
            RAISE EXCEPTION 'a closed appointment cannot be moved'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_closed';
        END IF;
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN (
        ('scheduled', 'confirmed'), ('scheduled', 'arrived'), ('confirmed', 'arrived'),
        ('arrived', 'in_consultation'), ('in_consultation', 'completed'),
        ('scheduled', 'cancelled'), ('confirmed', 'cancelled'),
        ('scheduled', 'no_show'), ('confirmed', 'no_show')) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'appointment status cannot go from % to %', OLD.status, NEW.status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_transition';
END;
$$;
CREATE TRIGGER appointments_transition BEFORE UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_check_transition();
CREATE TRIGGER appointments_never_deleted BEFORE DELETE ON appointments FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Live updates between desks: every change to an appointment tells listening desks which
-- podiatrist's agenda to refresh. (A desk that was disconnected re-reads everything.)
CREATE FUNCTION appointments_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('agenda_changed', NEW.podiatrist_id::text);
    IF TG_OP = 'UPDATE' AND OLD.podiatrist_id <> NEW.podiatrist_id THEN
        PERFORM pg_notify('agenda_changed', OLD.podiatrist_id::text);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER appointments_notify AFTER INSERT OR UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_notify();
