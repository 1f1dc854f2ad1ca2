-- The last step of an ARCO cancellation: when the legal retention of a blocked patient's record is
-- over (NOM-004 5.4: at least five years from the last act), a person with `records.purge`
-- deletes it, on purpose and one patient at a time (nothing is deleted by itself).
--
-- What goes: the patient's identity (the row stays as a tombstone, so the clinic's money keeps
-- its patient), the clinical record (histories, consent letters and revocations, privacy
-- consents, procedures, addenda, referrals; each visit keeps only its date, podiatrist and
-- signature, emptied of its content), the appointments' reasons, the ARCO requests' free text,
-- and what the audit log copied of any of it (the `before` and `after` of the rows about those
-- records, and her name from the rows about the charges and payments; the rows themselves and
-- their place in the chain stay). What stays: charges, payments and stock movements (fiscal
-- records with their own retention) and the audit entry of the deletion, which names how many
-- rows of each kind went and attests the hash of every audit row it changed (the chain's
-- verifier holds those rows to it).
--
-- The guards stay as they are: the deletion runs as the schema's owner and switches off, inside
-- its own transaction, the guard triggers of the tables it erases (ALTER TABLE ... DISABLE
-- TRIGGER, which no desk login may run, and which holds those tables against every other write
-- until it commits).

ALTER TABLE patients ADD COLUMN purged_at timestamptz;
ALTER TABLE patients ADD CONSTRAINT patients_purged_blocked CHECK (purged_at IS NULL OR blocked_at IS NOT NULL);

-- A visit emptied by the deletion keeps its signature without its content.
ALTER TABLE visits ADD COLUMN erased_at timestamptz;
ALTER TABLE visits DROP CONSTRAINT visits_sign_needs_risk;
ALTER TABLE visits ADD CONSTRAINT visits_sign_needs_risk
    CHECK (signed_at IS NULL OR erased_at IS NOT NULL OR risk_category IS NOT NULL) NOT VALID;
ALTER TABLE visits DROP CONSTRAINT visits_sign_needs_diagnosis;
ALTER TABLE visits ADD CONSTRAINT visits_sign_needs_diagnosis
    CHECK (signed_at IS NULL OR erased_at IS NOT NULL OR jsonb_array_length(diagnoses) > 0) NOT VALID;
ALTER TABLE visits DROP CONSTRAINT visits_sign_needs_plan;
ALTER TABLE visits ADD CONSTRAINT visits_sign_needs_plan
    CHECK (signed_at IS NULL OR erased_at IS NOT NULL OR length(btrim(plan)) > 0) NOT VALID;
-- Only the deletion marks a visit erased (it switches this trigger off while it runs).
CREATE FUNCTION visits_erased_by_purge() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'only the deletion of a record erases a visit'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visits_erased_by_purge';
END;
$$;
CREATE TRIGGER visits_erased_by_purge BEFORE INSERT OR UPDATE OF erased_at ON visits
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL) EXECUTE FUNCTION visits_erased_by_purge();

-- The patient's last act: the latest note, addendum, history, consent letter or revocation, or
-- attended appointment; the record's creation when there is none. One rule, here.
CREATE FUNCTION patient_last_act(patient uuid) RETURNS timestamptz LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT greatest(
        (SELECT p.created_at FROM public.patients p WHERE p.id = patient),
        (SELECT max(greatest(v.created_at, v.signed_at)) FROM public.visits v WHERE v.patient_id = patient),
        (SELECT max(a.created_at) FROM public.visit_addenda a JOIN public.visits v ON v.id = a.visit_id
         WHERE v.patient_id = patient),
        (SELECT max(h.recorded_at) FROM public.patient_histories h WHERE h.patient_id = patient),
        (SELECT max(l.signed_at) FROM public.consent_letters l WHERE l.patient_id = patient),
        (SELECT max(r.recorded_at) FROM public.consent_revocations r JOIN public.consent_letters l ON l.id = r.letter_id
         WHERE l.patient_id = patient),
        (SELECT max(upper(a.during)) FROM public.appointments a
         WHERE a.patient_id = patient AND a.status IN ('arrived', 'in_consultation', 'completed')))
$$;

-- When the record may be deleted: five years after the last act.
CREATE FUNCTION patient_retention_ends(patient uuid) RETURNS timestamptz LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT public.patient_last_act(patient) + interval '5 years'
$$;

-- The deletion. `request` is the granted cancellation that blocked the patient; `actor` an active
-- user whose role holds `records.purge` (the app checks who is signed in; the database checks
-- that the named user could). Answers the deletion's audit entry's `after`.
CREATE FUNCTION purge_patient(patient uuid, request uuid, actor uuid, desk text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    p          public.patients%ROWTYPE;
    last_act   timestamptz;
    actor_name text;
    ids        text[];
    erased     jsonb := '{}'::jsonb;
    kept       jsonb;
    redacted   jsonb;
    n          bigint;
    guard      text[];
    -- The guards switched off while the record is erased: (table, trigger).
    guards     text[] := ARRAY[
        ['patients', 'patients_block_guard'], ['visits', 'visits_guard'], ['visits', 'visits_erased_by_purge'],
        ['visit_procedures', 'visit_procedures_guard'], ['visit_addenda', 'visit_addenda_guard'],
        ['referrals', 'referrals_guard'], ['patient_histories', 'patient_histories_guard'],
        ['consent_letters', 'consent_letters_append_only'], ['consent_revocations', 'consent_revocations_append_only'],
        ['privacy_consents', 'privacy_consents_append_only'], ['arco_requests', 'arco_requests_guard'],
        ['audit_log', 'audit_log_append_only_row']];
    report     jsonb;
BEGIN
    PERFORM set_config('lock_timeout', '5s', true);
    SELECT u.username INTO actor_name
    FROM public.users u JOIN public.roles r ON r.id = u.role_id
    WHERE u.id = actor AND u.active AND (r.builtin = 'admin' OR 'records.purge' = ANY (r.permissions));
    IF actor_name IS NULL THEN
        RAISE EXCEPTION 'the deletion needs an active user allowed to delete records'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'purge_needs_permission';
    END IF;
    SELECT * INTO p FROM public.patients WHERE id = patient FOR UPDATE;
    IF NOT FOUND OR p.blocked_at IS NULL OR p.blocked_by_request IS DISTINCT FROM request THEN
        RAISE EXCEPTION 'only a record blocked by this cancellation is deleted'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'purge_needs_block';
    END IF;
    IF p.purged_at IS NOT NULL THEN
        RAISE EXCEPTION 'the record was already deleted'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patient_purged';
    END IF;
    last_act := public.patient_last_act(patient);
    IF now() < last_act + interval '5 years' THEN
        RAISE EXCEPTION 'the record is kept until %', last_act + interval '5 years'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'retention_not_over';
    END IF;

    -- Every row whose audit entries are emptied: the patient's and their records'. (The ARCO
    -- requests' entries stay: they hold dates, outcomes and digests, the register's own history.)
    ids := ARRAY[patient::text]
        || ARRAY(SELECT id::text FROM public.appointments WHERE patient_id = patient)
        || ARRAY(SELECT id::text FROM public.visits WHERE patient_id = patient)
        || ARRAY(SELECT x.id::text FROM public.visit_addenda x JOIN public.visits v ON v.id = x.visit_id WHERE v.patient_id = patient)
        || ARRAY(SELECT x.id::text FROM public.referrals x JOIN public.visits v ON v.id = x.visit_id WHERE v.patient_id = patient)
        || ARRAY(SELECT id::text FROM public.patient_histories WHERE patient_id = patient)
        || ARRAY(SELECT id::text FROM public.consent_letters WHERE patient_id = patient)
        || ARRAY(SELECT id::text FROM public.privacy_consents WHERE patient_id = patient);

    FOREACH guard SLICE 1 IN ARRAY guards LOOP
        EXECUTE format('ALTER TABLE public.%I DISABLE TRIGGER %I', guard[1], guard[2]);
    END LOOP;

    DELETE FROM public.visit_procedures x USING public.visits v WHERE v.id = x.visit_id AND v.patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('visit_procedures', n);
    DELETE FROM public.visit_addenda x USING public.visits v WHERE v.id = x.visit_id AND v.patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('visit_addenda', n);
    DELETE FROM public.referrals x USING public.visits v WHERE v.id = x.visit_id AND v.patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('referrals', n);
    UPDATE public.visits SET findings = '{}', risk_category = NULL, notes = DEFAULT, vitals = DEFAULT,
                             diagnoses = DEFAULT, prognosis = DEFAULT, plan = DEFAULT, erased_at = now()
    WHERE patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('visits', n);
    DELETE FROM public.patient_histories WHERE patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('patient_histories', n);
    DELETE FROM public.consent_revocations r USING public.consent_letters l WHERE l.id = r.letter_id AND l.patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('consent_revocations', n);
    DELETE FROM public.consent_letters WHERE patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('consent_letters', n);
    DELETE FROM public.privacy_consents WHERE patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('privacy_consents', n);
    UPDATE public.appointments SET reason = DEFAULT,
                                   cancel_reason = CASE WHEN cancel_reason IS NOT NULL THEN 'ARCO' END
    WHERE patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('appointments', n);
    UPDATE public.arco_requests SET requester = '—', details = '', answer = '' WHERE patient_id = patient;
    GET DIAGNOSTICS n = ROW_COUNT; erased := erased || jsonb_build_object('arco_requests', n);
    UPDATE public.patients SET first_name = '—', last_names = DEFAULT, birth_date = NULL, sex = NULL, curp = NULL,
                               phone = DEFAULT, phone_alt = DEFAULT, email = DEFAULT, address = DEFAULT,
                               emergency_contact = DEFAULT, emergency_phone = DEFAULT, diabetes = DEFAULT,
                               vascular_disease = DEFAULT, anticoagulants = DEFAULT, allergies = DEFAULT,
                               history_notes = DEFAULT, purged_at = now(), updated_at = now()
    WHERE id = patient;
    -- The audit rows about her records are emptied; those about the records that stay (a charge,
    -- a payment: `patientId` hers) lose the copy of her name.
    WITH emptied AS (
        UPDATE public.audit_log SET before = NULL, after = NULL
        WHERE entity_id = ANY (ids) AND (before IS NOT NULL OR after IS NOT NULL)
        RETURNING id, hash),
    unnamed AS (
        UPDATE public.audit_log SET before = before - 'patientName', after = after - 'patientName'
        WHERE NOT coalesce(entity_id = ANY (ids), false)
          AND (before ->> 'patientId' = patient::text OR after ->> 'patientId' = patient::text)
          AND (coalesce(before ? 'patientName', false) OR coalesce(after ? 'patientName', false))
        RETURNING id, hash)
    SELECT coalesce(jsonb_agg(jsonb_build_array(id, encode(hash, 'hex')) ORDER BY id), '[]'::jsonb) INTO redacted
    FROM (SELECT id, hash FROM emptied UNION ALL SELECT id, hash FROM unnamed) AS r;

    FOREACH guard SLICE 1 IN ARRAY guards LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE TRIGGER %I', guard[1], guard[2]);
    END LOOP;

    kept := jsonb_build_object(
        'charges', (SELECT count(*) FROM public.charges WHERE patient_id = patient),
        'payments', (SELECT count(*) FROM public.payments WHERE patient_id = patient));
    report := jsonb_build_object('request', request, 'lastAct', last_act, 'erased', erased, 'kept', kept,
                                 'redacted', redacted);
    INSERT INTO public.audit_log (user_id, username, desk, action, entity, entity_id, after)
    VALUES (actor, actor_name, desk, 'patient.purge', 'patient', patient::text, report);
    RETURN report;
END;
$$;
REVOKE EXECUTE ON FUNCTION purge_patient(uuid, uuid, uuid, text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT EXECUTE ON FUNCTION purge_patient(uuid, uuid, uuid, text) TO podoclinic_app;
    END IF;
END;
$$;
