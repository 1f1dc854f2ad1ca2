use chrono::{DateTime, Days, Duration, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{
    AgendaPage, Appointment, BookInput, ReminderOutcome, RescheduleInput, SeriesClash, SeriesInput, SeriesOutcome,
    Slot, SlotQuery, Status, cancel_reason, check_times,
};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::{Ctx, Permission, may_write_for};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::patients;
use crate::podiatrists;
use crate::profile::time;
use crate::schedules::service::{covers, subtract, working_time};

/// Slots start on these steps of local time.
const SLOT_STEP_MINUTES: i64 = 15;
/// How far ahead the slot finder and agenda views look at most.
const MAX_RANGE_DAYS: i64 = 92;

/// Inside the podiatrist's working time, or an explicit override by someone allowed to.
/// Returns whether the appointment is outside the schedule.
async fn check_schedule(
    ctx: &Ctx,
    conn: &mut PgConnection,
    tz: Tz,
    podiatrist: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    override_schedule: bool,
) -> AppResult<bool> {
    let working = working_time(conn, tz, &[podiatrist], start, end).await?;
    if covers(working.get(&podiatrist).map(Vec::as_slice).unwrap_or_default(), start, end) {
        return Ok(false);
    }
    if !override_schedule {
        return Err(AppError::validation("startsAt", "outside_schedule"));
    }
    if !ctx.session.permissions.contains(&Permission::AppointmentsOverrideSchedule) {
        return Err(AppError::Forbidden { permission: Permission::AppointmentsOverrideSchedule });
    }
    Ok(true)
}

fn is_exclusion(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.constraint() == Some("appointments_no_overlap"))
}

/// "Slot taken", naming the appointment in the way.
async fn slot_taken(
    pool: &sqlx::PgPool,
    podiatrist: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    except: Uuid,
) -> AppError {
    match repo::clash(pool, podiatrist, start, end, except).await {
        Ok(Some(a)) => AppError::SlotTaken {
            appointment_id: a.id,
            starts_at: a.starts_at.to_rfc3339(),
            ends_at: a.ends_at.to_rfc3339(),
            patient_name: a.patient_name,
        },
        Ok(None) => AppError::conflict("slot_taken", Some("startsAt")),
        Err(e) => e,
    }
}

async fn book_one(ctx: &Ctx, tz: Tz, input: &BookInput, series_id: Option<Uuid>) -> AppResult<Appointment> {
    input.check()?;
    may_write_for(ctx, input.podiatrist_id).await?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, input).await? {
        return Ok(stored);
    }
    // Read on the transaction's connection: a booking holds one connection, not several.
    let patient = patients::repo::find(&mut *tx, input.patient_id).await?;
    match patient {
        None => return Err(AppError::validation("patientId", "unknown_patient")),
        Some(p) if p.archived => return Err(AppError::validation("patientId", "patient_archived")),
        Some(_) => {}
    }
    match podiatrists::repo::find(&mut *tx, input.podiatrist_id).await? {
        Some(p) if p.active => {}
        _ => return Err(AppError::validation("podiatristId", "unknown_podiatrist")),
    }
    let outside =
        check_schedule(ctx, &mut tx, tz, input.podiatrist_id, input.starts_at, input.ends_at, input.override_schedule)
            .await?;

    match repo::insert(&mut tx, input, series_id, outside, Some(ctx.session.user_id)).await {
        Ok(()) => {}
        Err(e) if is_exclusion(&e) => {
            drop(tx);
            return Err(slot_taken(&ctx.pool, input.podiatrist_id, input.starts_at, input.ends_at, input.id).await);
        }
        Err(e) => return Err(e.into()),
    }
    let booked = repo::find(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::AppointmentBook, "appointment", booked.id).after(&booked))
        .await?;
    tx.commit().await?;
    Ok(booked)
}

/// Books an appointment. Idempotent by `id`; a clash with a live appointment is "slot taken".
#[tracing::instrument(skip_all, fields(appointment_id = %input.id, patient_id = %input.patient_id))]
pub async fn book(ctx: &Ctx, input: BookInput) -> AppResult<Appointment> {
    let tz = time::zone(&ctx.pool).await?;
    book_one(ctx, tz, &input, None).await
}

/// Books every `every_weeks` weeks, `count` times, at the same local time (DST-safe). Books what
/// fits and reports each date that did not. Replaying the same series books nothing twice.
#[tracing::instrument(skip_all, fields(series_id = %input.first.id))]
pub async fn book_series(ctx: &Ctx, input: SeriesInput) -> AppResult<SeriesOutcome> {
    if !(1..=52).contains(&input.every_weeks) {
        return Err(AppError::validation("everyWeeks", "out_of_range"));
    }
    if !(1..=52).contains(&input.count) {
        return Err(AppError::validation("count", "out_of_range"));
    }
    check_times(input.first.starts_at, input.first.ends_at)?;
    let tz = time::zone(&ctx.pool).await?;
    let series_id = input.first.id;
    let length = input.first.ends_at - input.first.starts_at;
    let first_local = input.first.starts_at.with_timezone(&tz).naive_local();
    let mut outcome = SeriesOutcome { series_id, booked: Vec::new(), clashes: Vec::new() };
    for i in 0..u64::from(input.count) {
        let local =
            first_local.checked_add_days(Days::new(7 * u64::from(input.every_weeks) * i)).unwrap_or(first_local);
        let starts_at = time::to_utc(tz, local);
        let id = if i == 0 { series_id } else { Uuid::new_v5(&series_id, &i.to_be_bytes()) };
        let one = BookInput { id, starts_at, ends_at: starts_at + length, ..input.first.clone() };
        match book_one(ctx, tz, &one, Some(series_id)).await {
            Ok(a) => outcome.booked.push(a),
            // A date another desk was saving at the same moment is reported like a clash: the dates
            // before it are booked, and booking the series again books only what is missing.
            Err(
                e @ (AppError::SlotTaken { .. }
                | AppError::Validation { .. }
                | AppError::Conflict { .. }
                | AppError::Busy),
            ) => outcome.clashes.push(SeriesClash { starts_at, ends_at: one.ends_at, error: e }),
            Err(e) => return Err(e),
        }
    }
    Ok(outcome)
}

/// Moves an appointment (time and/or podiatrist). Only scheduled or confirmed ones move.
#[tracing::instrument(skip_all, fields(appointment_id = %input.id))]
pub async fn reschedule(ctx: &Ctx, input: RescheduleInput) -> AppResult<Appointment> {
    input.check()?;
    let before = repo::find(&ctx.pool, input.id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    may_write_for(ctx, before.podiatrist_id).await?;
    may_write_for(ctx, input.podiatrist_id).await?;
    before.status.check_open()?;
    let tz = time::zone(&ctx.pool).await?;
    let mut tx = ctx.pool.begin().await?;
    let outside =
        check_schedule(ctx, &mut tx, tz, input.podiatrist_id, input.starts_at, input.ends_at, input.override_schedule)
            .await?;
    match repo::move_to(&mut tx, input.id, input.podiatrist_id, input.starts_at, input.ends_at, outside).await {
        Ok(()) => {}
        Err(e) if is_exclusion(&e) => {
            drop(tx);
            return Err(slot_taken(&ctx.pool, input.podiatrist_id, input.starts_at, input.ends_at, input.id).await);
        }
        Err(e) => return Err(e.into()),
    }
    let after = repo::find(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    let entry = Entry::new(Action::AppointmentReschedule, "appointment", input.id).before(&before).after(&after);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves an appointment along the workflow (confirmed, arrived, in consultation, completed, no-show).
#[tracing::instrument(skip_all, fields(appointment_id = %id, status = ?status))]
pub async fn set_status(ctx: &Ctx, id: Uuid, status: Status) -> AppResult<Appointment> {
    status.check_settable()?;
    change_status(ctx, id, status, None).await
}

/// Cancels with a reason; records who and when. The slot becomes free.
#[tracing::instrument(skip_all, fields(appointment_id = %id))]
pub async fn cancel(ctx: &Ctx, id: Uuid, reason: &str) -> AppResult<Appointment> {
    let reason = cancel_reason(reason)?;
    change_status(ctx, id, Status::Cancelled, Some(&reason)).await
}

async fn change_status(ctx: &Ctx, id: Uuid, status: Status, reason: Option<&str>) -> AppResult<Appointment> {
    let mut tx = ctx.pool.begin().await?;
    repo::lock(&mut tx, id).await?;
    let before = repo::find(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    may_write_for(ctx, before.podiatrist_id).await?;
    if !before.status.check_change(status)? {
        return Ok(before);
    }
    repo::set_status(&mut *tx, id, status, reason.map(|r| (r, ctx.session.user_id))).await?;
    let after = repo::find(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    let action = if status == Status::Cancelled { Action::AppointmentCancel } else { Action::AppointmentStatus };
    audit::record(&mut *tx, &ctx.actor, Entry::new(action, "appointment", id).before(&before).after(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// The reason stored on an appointment the patient cancelled when reminded.
pub const REMINDER_CANCEL_REASON: &str = "Canceló al recordarle la cita";

/// What the patient answered to the reminder: "confirmó" confirms the appointment, "canceló"
/// cancels it (the slot is free at once), "no contestó" is noted for the calendar. One
/// transaction, one audit entry with the appointment before and after.
#[tracing::instrument(skip_all, fields(appointment_id = %id, outcome = ?outcome))]
pub async fn mark_reminder(ctx: &Ctx, id: Uuid, outcome: ReminderOutcome) -> AppResult<Appointment> {
    let mut tx = ctx.pool.begin().await?;
    repo::lock(&mut tx, id).await?;
    let before = repo::find(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    may_write_for(ctx, before.podiatrist_id).await?;
    before.status.check_open()?;
    let status = match outcome {
        ReminderOutcome::Confirmed => Status::Confirmed,
        ReminderOutcome::NoAnswer => before.status,
        ReminderOutcome::Cancelled => Status::Cancelled,
    };
    if status != before.status {
        let cancel = (status == Status::Cancelled).then_some((REMINDER_CANCEL_REASON, ctx.session.user_id));
        repo::set_status(&mut *tx, id, status, cancel).await?;
    }
    crate::reminders::repo::set_outcome(&mut *tx, id, outcome, ctx.session.user_id).await?;
    let after = repo::find(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    audit::record(
        &mut *tx,
        &ctx.actor,
        Entry::new(Action::AppointmentReminder, "appointment", id).before(&before).after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The agenda between two instants (at most ~3 months), optionally for some podiatrists.
#[tracing::instrument(skip_all)]
pub async fn agenda(
    ctx: &Ctx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    podiatrists: Option<Vec<Uuid>>,
) -> AppResult<AgendaPage> {
    if to <= from {
        return Err(AppError::validation("to", "time_order"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(AppError::validation("to", "range_too_long"));
    }
    AgendaPage::from_entries(&repo::calendar(&ctx.pool, from, to, podiatrists.as_deref()).await?)
}

/// Today's appointments in the clinic's time zone (reception's list).
pub async fn today(ctx: &Ctx) -> AppResult<Vec<Appointment>> {
    let tz = time::zone(&ctx.pool).await?;
    let (from, to) = time::day_bounds(tz, time::local_date(tz, Utc::now()));
    repo::in_range(&ctx.pool, from, to, None).await
}

/// One appointment, whole.
#[tracing::instrument(skip_all, fields(appointment_id = %id))]
pub async fn find(ctx: &Ctx, id: Uuid) -> AppResult<Appointment> {
    repo::find(&ctx.pool, id).await?.ok_or_else(|| AppError::not_found("appointment"))
}

/// A patient's appointments, newest first.
#[tracing::instrument(skip_all, fields(patient_id = %patient))]
pub async fn for_patient(ctx: &Ctx, patient: Uuid) -> AppResult<Vec<Appointment>> {
    crate::privacy::service::ensure_open(&ctx.pool, patient).await?;
    repo::for_patient(&ctx.pool, patient).await
}

/// The first whole minute at or after `at` that falls on a slot step of local time.
fn first_step(tz: Tz, at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    let floor = at.duration_trunc(Duration::minutes(1)).unwrap_or(at);
    let minute_start = if floor < at { floor + Duration::minutes(1) } else { floor };
    let minute = i64::from(time::local_minute(tz, minute_start));
    minute_start + Duration::minutes((SLOT_STEP_MINUTES - minute % SLOT_STEP_MINUTES) % SLOT_STEP_MINUTES)
}

/// The next free slots of one podiatrist or of any active one, for a duration, in a range.
#[tracing::instrument(skip_all)]
pub async fn find_slots(ctx: &Ctx, q: SlotQuery) -> AppResult<Vec<Slot>> {
    let pool = &ctx.pool;
    if !(5..=480).contains(&q.duration_minutes) {
        return Err(AppError::validation("durationMinutes", "out_of_range"));
    }
    let from = q.from.max(Utc::now());
    let to = q.to.min(from + Duration::days(MAX_RANGE_DAYS));
    if to <= from {
        return Ok(Vec::new());
    }
    let tz = time::zone(pool).await?;
    let pods: Vec<Uuid> = match q.podiatrist_id {
        Some(p) => vec![p],
        None => podiatrists::repo::list(pool).await?.into_iter().filter(|p| p.active).map(|p| p.id).collect(),
    };
    let working = working_time(&mut *pool.acquire().await?, tz, &pods, from, to).await?;
    let busy = repo::busy(pool, &pods, from, to).await?;
    let length = Duration::minutes(q.duration_minutes.into());
    let step = Duration::minutes(SLOT_STEP_MINUTES);
    let mut slots = Vec::new();
    for pod in &pods {
        let cuts: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            busy.iter().filter(|(p, _, _)| p == pod).map(|&(_, a, b)| (a, b)).collect();
        let free = subtract(working.get(pod).map(Vec::as_slice).unwrap_or_default(), &cuts);
        for (a, b) in free {
            let mut start = first_step(tz, a);
            while start + length <= b {
                slots.push(Slot { podiatrist_id: *pod, starts_at: start, ends_at: start + length });
                start += step;
            }
        }
    }
    slots.sort_by_key(|s| (s.starts_at, s.podiatrist_id));
    slots.truncate(q.limit.clamp(1, 200) as usize);
    Ok(slots)
}
