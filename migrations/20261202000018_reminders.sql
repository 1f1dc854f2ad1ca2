-- Tomorrow's reminders (issue 17): the clinic's message, the patients who asked not to get one,
-- and what reception heard back for each appointment.

-- The WhatsApp message, with the placeholders {nombre} {fecha} {hora} {podologo} {clinica}
-- {direccion} (the Rust check refuses any other: nothing clinical can be put in).
ALTER TABLE clinic_profile ADD COLUMN reminder_template text NOT NULL
    DEFAULT 'Hola {nombre}, le recordamos su cita en {clinica} el {fecha} a las {hora} con {podologo}. Dirección: {direccion}. ¿Nos confirma su asistencia? Gracias.';
ALTER TABLE clinic_profile ADD CONSTRAINT clinic_profile_reminder_template_len CHECK (char_length(reminder_template) <= 1000);

-- A patient who asked not to be reminded (the change is audited, with who recorded it).
ALTER TABLE patients ADD COLUMN reminders_opt_out boolean NOT NULL DEFAULT false;

-- What the patient answered to the reminder. Confirmed also confirms the appointment and
-- cancelled cancels it (freeing the slot), in the same transaction; no answer is only noted here.
ALTER TABLE appointments
    ADD COLUMN reminder text CHECK (reminder IN ('confirmed', 'no_answer', 'cancelled')),
    ADD COLUMN reminder_at timestamptz,
    ADD COLUMN reminder_by uuid REFERENCES users (id);

-- The calendar's row gains flag 8: reminded, no answer (the other outcomes show as the status).
-- Rows written before have no reminder, so their stored entries stay right as they are.
CREATE OR REPLACE FUNCTION appointments_calendar_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.calendar_entry := json_build_array(
        NEW.id,
        NEW.podiatrist_id,
        floor(extract(epoch FROM lower(NEW.during)) / 60)::int,
        floor(extract(epoch FROM upper(NEW.during)) / 60)::int,
        NEW.status,
        NEW.patient_name,
        NEW.reason,
        (NEW.patient_at_risk::int | (NEW.outside_schedule::int << 1)
            | (coalesce(NEW.reminder = 'no_answer', false)::int << 3))
    )::text;
    RETURN NEW;
END;
$$;
