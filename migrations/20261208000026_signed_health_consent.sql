-- Express written consent for health data: sensitive data need the patient's express and written
-- consent (LFPDPPP), so a "yes" to health data is signed by the patient at the desk, on the pad the
-- consent letters use, and the strokes are kept with the answer. A later change of the voluntary
-- choices carries the signed answer forward (`choose` copies it); answers recorded before this
-- migration, unsigned, stay as they were and may be carried forward the same way.
ALTER TABLE privacy_consents ADD COLUMN signature jsonb;
ALTER TABLE privacy_consents ADD CONSTRAINT privacy_consents_signature_shape
    CHECK (signature IS NULL OR jsonb_typeof(signature -> 'strokes') = 'array');

CREATE FUNCTION privacy_consents_signed() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    -- Unsigned, a yes is only the patient's earlier yes on the same notice, carried forward.
    IF NEW.signature IS NULL AND NOT EXISTS (
        SELECT 1 FROM public.privacy_consents c
        WHERE c.patient_id = NEW.patient_id AND c.notice_id = NEW.notice_id AND c.health_data) THEN
        RAISE EXCEPTION 'the patient signs their consent to the handling of their health data'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'privacy_consents_signed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER privacy_consents_signed BEFORE INSERT ON privacy_consents
    FOR EACH ROW WHEN (NEW.health_data) EXECUTE FUNCTION privacy_consents_signed();
