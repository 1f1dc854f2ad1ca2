-- The patient's data under the LFPDPPP (2025): the clinic's privacy notice in versions, each
-- patient's express consent for health data and their choices of the voluntary purposes, the
-- register of ARCO requests, and cancellation as a block the database holds.

-- The aviso de privacidad as the clinic publishes it: the integral text and the simplified one
-- shown at the desk. Each publication is a new version; one a patient accepted is never rewritten.
CREATE TABLE privacy_notices (
    id            uuid PRIMARY KEY,
    version       integer     NOT NULL CONSTRAINT privacy_notices_version_key UNIQUE CHECK (version > 0),
    simplified    text        NOT NULL CONSTRAINT privacy_notices_simplified_not_blank CHECK (length(btrim(simplified)) > 0),
    integral      text        NOT NULL CONSTRAINT privacy_notices_integral_not_blank CHECK (length(btrim(integral)) > 0),
    published_by  uuid        NOT NULL REFERENCES users (id),
    published_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT privacy_notices_simplified_len CHECK (char_length(simplified) <= 4000),
    CONSTRAINT privacy_notices_integral_len CHECK (char_length(integral) <= 40000)
);

-- A patient's answers, each recording a new row (the current one is the latest): which notice
-- they were shown, their express consent for health data (NULL: never asked, as on rows carried
-- over from before notices existed), and yes or no for each voluntary purpose.
CREATE TABLE privacy_consents (
    id               uuid PRIMARY KEY,
    patient_id       uuid        NOT NULL REFERENCES patients (id),
    notice_id        uuid        REFERENCES privacy_notices (id),
    health_data      boolean,
    teaching_photos  boolean     NOT NULL,
    promotions       boolean     NOT NULL,
    reminders        boolean     NOT NULL,
    recorded_by      uuid        REFERENCES users (id),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT privacy_consents_notice_answered CHECK ((notice_id IS NULL) = (health_data IS NULL))
);
CREATE INDEX privacy_consents_patient ON privacy_consents (patient_id, recorded_at DESC, id DESC);

-- The reminders opt-out (migration 18) becomes one of the voluntary purposes.
INSERT INTO privacy_consents (id, patient_id, teaching_photos, promotions, reminders, recorded_at)
    SELECT gen_random_uuid(), id, false, false, false, updated_at FROM patients WHERE reminders_opt_out;
ALTER TABLE patients DROP COLUMN reminders_opt_out;

-- The register of ARCO requests: who asked for what and when, the legal due date, the answer.
CREATE TABLE arco_requests (
    id           uuid PRIMARY KEY,
    patient_id   uuid        NOT NULL REFERENCES patients (id),
    kind         text        NOT NULL CONSTRAINT arco_requests_kind CHECK (kind IN ('access', 'rectification', 'cancellation', 'opposition')),
    requester    text        NOT NULL CONSTRAINT arco_requests_requester_not_blank CHECK (length(btrim(requester)) > 0),
    details      text        NOT NULL DEFAULT '',
    received_on  date        NOT NULL,
    due_on       date        NOT NULL,
    outcome      text        CONSTRAINT arco_requests_outcome CHECK (outcome IN ('granted', 'denied')),
    answer       text        NOT NULL DEFAULT '',
    answered_on  date,
    answered_by  uuid        REFERENCES users (id),
    created_by   uuid        NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT arco_requests_due CHECK (due_on >= received_on),
    CONSTRAINT arco_requests_answered CHECK ((outcome IS NULL) = (answered_on IS NULL) AND (outcome IS NULL) = (answered_by IS NULL)),
    CONSTRAINT arco_requests_answered_after CHECK (answered_on IS NULL OR answered_on >= received_on),
    CONSTRAINT arco_requests_requester_len CHECK (char_length(requester) <= 200),
    CONSTRAINT arco_requests_details_len CHECK (char_length(details) <= 2000),
    CONSTRAINT arco_requests_answer_len CHECK (char_length(answer) <= 2000)
);
CREATE INDEX arco_requests_open ON arco_requests (due_on) WHERE outcome IS NULL;
CREATE INDEX arco_requests_patient ON arco_requests (patient_id);

-- Cancellation (ARCO's C) is a block: the patient is archived for good, hidden from every list,
-- and read only through the granted request, until the legal retention ends.
ALTER TABLE patients ADD COLUMN blocked_at timestamptz;
ALTER TABLE patients ADD COLUMN blocked_by_request uuid REFERENCES arco_requests (id);
ALTER TABLE patients ADD CONSTRAINT patients_blocked_archived
    CHECK (blocked_at IS NULL OR (archived_at IS NOT NULL AND blocked_by_request IS NOT NULL));

-- How a patient is named on the clinic's other records (charges, the drawer's entries, the
-- agenda's copies): by name, or by a dash once blocked. One rule, here.
CREATE FUNCTION patient_label(p patients) RETURNS text LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    RETURN CASE WHEN p.blocked_at IS NULL THEN btrim(p.first_name || ' ' || p.last_names) ELSE '—' END;

-- Notices and consents are written once; requests are answered once and never deleted.
CREATE FUNCTION privacy_append_only() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% rows are written once', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_append_only';
END;
$$;
CREATE TRIGGER privacy_notices_append_only BEFORE UPDATE OR DELETE ON privacy_notices
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_consents_append_only BEFORE UPDATE OR DELETE ON privacy_consents
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();

CREATE FUNCTION arco_requests_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.outcome IS NOT NULL
       OR (NEW.id, NEW.patient_id, NEW.kind, NEW.requester, NEW.details, NEW.received_on, NEW.due_on, NEW.created_by, NEW.created_at)
          IS DISTINCT FROM (OLD.id, OLD.patient_id, OLD.kind, OLD.requester, OLD.details, OLD.received_on, OLD.due_on, OLD.created_by, OLD.created_at)
    THEN
        RAISE EXCEPTION 'an ARCO request is answered once and kept'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'arco_requests_append_only';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER arco_requests_guard BEFORE UPDATE OR DELETE ON arco_requests
    FOR EACH ROW EXECUTE FUNCTION arco_requests_guard();

-- A block needs a granted cancellation of this patient, and is never lifted (deletion after the
-- retention is its end). Whoever writes the row.
CREATE FUNCTION patients_block_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF OLD.blocked_at IS NOT NULL AND (NEW.blocked_at IS DISTINCT FROM OLD.blocked_at
                                       OR NEW.blocked_by_request IS DISTINCT FROM OLD.blocked_by_request) THEN
        RAISE EXCEPTION 'a blocked patient stays blocked'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patients_blocked';
    END IF;
    IF OLD.blocked_at IS NOT NULL AND ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        RAISE EXCEPTION 'a blocked patient''s record is not changed'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patients_blocked';
    END IF;
    IF NEW.blocked_at IS NOT NULL AND OLD.blocked_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM public.arco_requests r
        WHERE r.id = NEW.blocked_by_request AND r.patient_id = NEW.id
          AND r.kind = 'cancellation' AND r.outcome = 'granted'
    ) THEN
        RAISE EXCEPTION 'a block needs a granted cancellation request'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patients_block_needs_request';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER patients_block_guard BEFORE UPDATE ON patients
    FOR EACH ROW EXECUTE FUNCTION patients_block_guard();
CREATE FUNCTION patients_block_on_insert() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'a patient is blocked by a request, not created blocked'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patients_block_needs_request';
END;
$$;
CREATE TRIGGER patients_block_on_insert BEFORE INSERT ON patients
    FOR EACH ROW WHEN (NEW.blocked_at IS NOT NULL OR NEW.blocked_by_request IS NOT NULL)
    EXECUTE FUNCTION patients_block_on_insert();

-- Nothing new is written about a blocked patient: no appointment, visit, history or consent. (What
-- they owe is the clinic's own record: charges and payments stay possible.)
CREATE FUNCTION refuse_blocked_patient() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.patients WHERE id = NEW.patient_id AND blocked_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the patient''s record is blocked'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patients_blocked';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER appointments_refuse_blocked BEFORE INSERT ON appointments
    FOR EACH ROW EXECUTE FUNCTION refuse_blocked_patient();
CREATE TRIGGER visits_refuse_blocked BEFORE INSERT ON visits
    FOR EACH ROW EXECUTE FUNCTION refuse_blocked_patient();
CREATE TRIGGER patient_histories_refuse_blocked BEFORE INSERT ON patient_histories
    FOR EACH ROW EXECUTE FUNCTION refuse_blocked_patient();
CREATE TRIGGER privacy_consents_refuse_blocked BEFORE INSERT ON privacy_consents
    FOR EACH ROW EXECUTE FUNCTION refuse_blocked_patient();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT SELECT, INSERT ON privacy_notices, privacy_consents TO podoclinic_app;
        GRANT SELECT, INSERT, UPDATE ON arco_requests TO podoclinic_app;
    END IF;
END;
$$;
