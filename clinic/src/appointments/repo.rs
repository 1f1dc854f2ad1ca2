use chrono::{DateTime, Utc};
use sqlx::postgres::types::PgRange;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{Appointment, BookInput, ReminderOutcome, Status};
use crate::error::AppResult;

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Appointment>> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"SELECT a.id, a.patient_id, a.patient_name, a.patient_at_risk, a.podiatrist_id,
                lower(a.during) AS "starts_at!", upper(a.during) AS "ends_at!", a.reason,
                a.status AS "status: Status", a.cancel_reason, a.series_id, a.outside_schedule,
                a.reminder AS "reminder: ReminderOutcome"
         FROM appointments a WHERE a.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Live and completed appointments touching [from, to), optionally of some podiatrists only.
pub async fn in_range(
    db: impl PgExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    podiatrists: Option<&[Uuid]>,
) -> AppResult<Vec<Appointment>> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"SELECT a.id, a.patient_id, a.patient_name, a.patient_at_risk, a.podiatrist_id,
                lower(a.during) AS "starts_at!", upper(a.during) AS "ends_at!", a.reason,
                a.status AS "status: Status", a.cancel_reason, a.series_id, a.outside_schedule,
                a.reminder AS "reminder: ReminderOutcome"
         FROM appointments a
         WHERE lower(a.during) > $1::timestamptz - interval '8 hours' AND lower(a.during) < $2
           AND a.during && tstzrange($1, $2) AND a.status NOT IN ('cancelled', 'no_show')
           AND ($3::uuid[] IS NULL OR a.podiatrist_id = ANY ($3))
         ORDER BY lower(a.during), a.podiatrist_id"#,
        from,
        to,
        podiatrists
    )
    .fetch_all(db)
    .await?)
}

/// The calendar entries (`AgendaRow` JSON, written with each row) of the live and completed
/// appointments touching [from, to), in start order. Read by start time through a b-tree (the
/// length limit makes "starts after from − 8 h" exact): an index-only scan of
/// `appointments_calendar`, or of `appointments_podiatrist_calendar` for some podiatrists.
pub async fn calendar(
    db: impl PgExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    podiatrists: Option<&[Uuid]>,
) -> AppResult<Vec<String>> {
    // Two statements, so each keeps its own cached plan.
    Ok(match podiatrists {
        None => {
            sqlx::query_scalar!("SELECT a.calendar_entry FROM appointments a
             WHERE lower(a.during) > $1::timestamptz - interval '8 hours' AND lower(a.during) < $2 AND upper(a.during) > $1
               AND a.status NOT IN ('cancelled', 'no_show') ORDER BY lower(a.during)", from, to)
                .fetch_all(db)
                .await?
        }
        Some(ids) => {
            sqlx::query_scalar!("SELECT a.calendar_entry FROM appointments a
             WHERE lower(a.during) > $1::timestamptz - interval '8 hours' AND lower(a.during) < $2 AND upper(a.during) > $1
               AND a.status NOT IN ('cancelled', 'no_show') AND a.podiatrist_id = ANY ($3) ORDER BY lower(a.during)", from, to, ids)
                .fetch_all(db)
                .await?
        }
    })
}

/// A patient's appointments, newest first, every status.
pub async fn for_patient(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Vec<Appointment>> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"SELECT a.id, a.patient_id, a.patient_name, a.patient_at_risk, a.podiatrist_id,
                lower(a.during) AS "starts_at!", upper(a.during) AS "ends_at!", a.reason,
                a.status AS "status: Status", a.cancel_reason, a.series_id, a.outside_schedule,
                a.reminder AS "reminder: ReminderOutcome"
         FROM appointments a
         WHERE a.patient_id = $1 ORDER BY lower(a.during) DESC"#,
        patient
    )
    .fetch_all(db)
    .await?)
}

/// The live appointment of `podiatrist` overlapping [start, end), other than `except`.
pub async fn clash(
    db: impl PgExecutor<'_>,
    podiatrist: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    except: Uuid,
) -> AppResult<Option<Appointment>> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"SELECT a.id, a.patient_id, a.patient_name, a.patient_at_risk, a.podiatrist_id,
                lower(a.during) AS "starts_at!", upper(a.during) AS "ends_at!", a.reason,
                a.status AS "status: Status", a.cancel_reason, a.series_id, a.outside_schedule,
                a.reminder AS "reminder: ReminderOutcome"
         FROM appointments a
         WHERE a.podiatrist_id = $1 AND a.during && tstzrange($2, $3)
           AND a.status NOT IN ('cancelled', 'no_show') AND a.id <> $4
         ORDER BY lower(a.during) LIMIT 1"#,
        podiatrist,
        start,
        end,
        except
    )
    .fetch_optional(db)
    .await?)
}

/// Busy spans of these podiatrists in [from, to).
pub async fn busy(
    db: impl PgExecutor<'_>,
    podiatrists: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)>> {
    let spans = sqlx::query!(
        r#"SELECT podiatrist_id, lower(during) AS "start!", upper(during) AS "end!" FROM appointments
         WHERE podiatrist_id = ANY ($1) AND lower(during) > $2::timestamptz - interval '8 hours' AND lower(during) < $3
           AND during && tstzrange($2, $3) AND status NOT IN ('cancelled', 'no_show')"#,
        podiatrists,
        from,
        to
    )
    .fetch_all(db)
    .await?;
    Ok(spans.into_iter().map(|s| (s.podiatrist_id, s.start, s.end)).collect())
}

pub async fn insert(
    conn: &mut PgConnection,
    b: &BookInput,
    series_id: Option<Uuid>,
    outside_schedule: bool,
    created_by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!("INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, series_id, outside_schedule, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", b.id, b.patient_id, b.podiatrist_id, PgRange::from(b.starts_at..b.ends_at), b.reason.trim(), series_id, outside_schedule, created_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn move_to(
    conn: &mut PgConnection,
    id: Uuid,
    podiatrist: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    outside_schedule: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE appointments SET podiatrist_id = $2, during = $3, outside_schedule = $4, updated_at = now() WHERE id = $1", id, podiatrist, PgRange::from(start..end), outside_schedule)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: Status,
    cancel: Option<(&str, Uuid)>,
) -> AppResult<()> {
    sqlx::query!(
        "UPDATE appointments SET status = $2, cancel_reason = $3, cancelled_by = $4,
             cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() END, updated_at = now()
         WHERE id = $1",
        id,
        status as Status,
        cancel.map(|(reason, _)| reason),
        cancel.map(|(_, by)| by)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Holds an appointment's row until the transaction ends (one status change at a time; lock
/// order: step 5, see `db::locks`).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> AppResult<()> {
    sqlx::query!("SELECT 1 AS held FROM appointments WHERE id = $1 FOR NO KEY UPDATE", id).fetch_optional(conn).await?;
    Ok(())
}

impl crate::db::ClientCreate for BookInput {
    type Stored = Appointment;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Appointment>> {
        find(conn, id).await
    }
    fn same_as(&self, stored: &Appointment) -> bool {
        (stored.patient_id, stored.podiatrist_id, stored.starts_at, stored.ends_at, stored.reason.as_str())
            == (self.patient_id, self.podiatrist_id, self.starts_at, self.ends_at, self.reason.trim())
    }
}
