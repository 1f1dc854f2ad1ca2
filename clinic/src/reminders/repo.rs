use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::{Attendance, Reminder, ReminderOutcome};
use crate::appointments::model::Status;
use crate::error::AppResult;

/// The appointments starting in [from, to) that still hold their slot, and those a reminder
/// already cancelled (so reception sees what it did), by start; the message is the service's.
pub async fn due(db: impl PgExecutor<'_>, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<Reminder>> {
    Ok(sqlx::query_as!(
        Reminder,
        r#"SELECT a.id AS appointment_id, lower(a.during) AS "starts_at!", upper(a.during) AS "ends_at!",
                a.status AS "status: Status", d.name AS podiatrist_name, p.id AS patient_id, p.first_name,
                a.patient_name, p.phone,
                NOT coalesce((SELECT c.reminders FROM privacy_consents c WHERE c.patient_id = p.id
                              ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), true) AS "opted_out!",
                a.reminder AS "outcome: ReminderOutcome",
                (SELECT count(*) FROM appointments x WHERE x.patient_id = a.patient_id AND x.status = 'no_show') AS "no_shows!",
                NULL::text AS message, false AS "can_message!"
         FROM appointments a
         JOIN patients p ON p.id = a.patient_id
         JOIN podiatrists d ON d.id = a.podiatrist_id
         WHERE lower(a.during) >= $1 AND lower(a.during) < $2 AND p.blocked_at IS NULL
           AND (a.status IN ('scheduled', 'confirmed') OR a.reminder IS NOT NULL)
         ORDER BY lower(a.during), d.name, a.patient_name"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// What reception heard back, with who and when.
pub async fn set_outcome(
    db: impl PgExecutor<'_>,
    appointment: Uuid,
    outcome: ReminderOutcome,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query!(
        "UPDATE appointments SET reminder = $2, reminder_at = now(), reminder_by = $3, updated_at = now() WHERE id = $1",
        appointment,
        outcome as ReminderOutcome,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A patient's missed and attended visits.
pub async fn attendance(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Attendance> {
    Ok(sqlx::query_as!(
        Attendance,
        r#"SELECT count(*) FILTER (WHERE status = 'no_show') AS "no_shows!",
                max(lower(during)) FILTER (WHERE status = 'no_show') AS last_no_show,
                count(*) FILTER (WHERE status = 'completed') AS "completed!"
         FROM appointments WHERE patient_id = $1"#,
        patient
    )
    .fetch_one(db)
    .await?)
}
