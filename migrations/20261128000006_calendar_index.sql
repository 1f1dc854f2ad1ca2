-- The calendar reads a week of live appointments by start time, and only the columns it shows.
-- With those columns in the index, the read is an index-only scan over a few consecutive leaf
-- pages: no heap page per appointment, no bitmap. Every podiatrist's week reads in start order
-- (no sort); one podiatrist's (or a few) through their own index, without the others' rows.
CREATE INDEX appointments_calendar ON appointments (lower(during))
    INCLUDE (during, podiatrist_id, status, id, patient_name, reason, patient_at_risk, outside_schedule)
    WHERE status NOT IN ('cancelled', 'no_show');
CREATE INDEX appointments_podiatrist_calendar ON appointments (podiatrist_id, lower(during))
    INCLUDE (during, status, id, patient_name, reason, patient_at_risk, outside_schedule)
    WHERE status NOT IN ('cancelled', 'no_show');
-- Every read of appointments by start time is of live ones (calendar, today's list, the slot
-- finder's busy times), so these serve them all; the plain start indexes would only cost writes.
DROP INDEX appointments_start;
DROP INDEX appointments_podiatrist_start;
