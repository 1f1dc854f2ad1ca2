-- Each appointment carries its calendar entry, written as JSON when the row is written: a week of
-- a 20-podiatrist clinic is ~3,800 appointments, and producing nine values per row at read time
-- (a send function and an allocation each, on the server and again on the client) cost most of
-- the calendar's time. The entry is one text value that the app hands to the webview unparsed.
--
-- [id, podiatrist id, start, end (whole minutes since the Unix epoch), status, patient name,
--  reason, flags (1: patient at risk, 2: booked outside the schedule)]
--
-- A BEFORE trigger computes it from the row itself on every insert and update, after the other
-- BEFORE triggers (they fire in name order: copy_patient, transition, then this one), so it
-- cannot drift from the columns it shows: a patient's rename reaches it through the update of
-- appointments.patient_name.
ALTER TABLE appointments ADD COLUMN calendar_entry text;

CREATE FUNCTION appointments_calendar_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.calendar_entry := json_build_array(
        NEW.id,
        NEW.podiatrist_id,
        floor(extract(epoch FROM lower(NEW.during)) / 60)::int,
        floor(extract(epoch FROM upper(NEW.during)) / 60)::int,
        NEW.status,
        NEW.patient_name,
        NEW.reason,
        (NEW.patient_at_risk::int | (NEW.outside_schedule::int << 1))
    )::text;
    RETURN NEW;
END;
$$;
CREATE TRIGGER appointments_write_calendar_entry BEFORE INSERT OR UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_calendar_entry();

-- The existing rows: the update only fills the new column, so the triggers that react to a
-- change (status workflow, desks' notifications, statistics rollups) stay out of it.
ALTER TABLE appointments DISABLE TRIGGER appointments_transition;
ALTER TABLE appointments DISABLE TRIGGER appointments_notify;
ALTER TABLE appointments DISABLE TRIGGER stats_appointments_changed;
ALTER TABLE appointments DISABLE TRIGGER stats_appointments_became_completed;
UPDATE appointments SET calendar_entry = '';
ALTER TABLE appointments ENABLE TRIGGER appointments_transition;
ALTER TABLE appointments ENABLE TRIGGER appointments_notify;
ALTER TABLE appointments ENABLE TRIGGER stats_appointments_changed;
ALTER TABLE appointments ENABLE TRIGGER stats_appointments_became_completed;
ALTER TABLE appointments ALTER COLUMN calendar_entry SET NOT NULL;

-- The covering indexes hold the entry instead of the columns it is made of (the slot finder's
-- busy times still read podiatrist and range from the first without the table).
DROP INDEX appointments_calendar;
DROP INDEX appointments_podiatrist_calendar;
CREATE INDEX appointments_calendar ON appointments (lower(during))
    INCLUDE (during, podiatrist_id, status, calendar_entry)
    WHERE status NOT IN ('cancelled', 'no_show');
CREATE INDEX appointments_podiatrist_calendar ON appointments (podiatrist_id, lower(during))
    INCLUDE (during, status, calendar_entry)
    WHERE status NOT IN ('cancelled', 'no_show');
