use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::model::{Attendance, MessageFields, Reminder, render, whatsapp_link, whatsapp_number};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::profile;
use crate::profile::time;

/// A day's appointments to remind, each with its message. Reading the day's phones is audited
/// (one entry for the list: the day and how many patients it showed).
#[tracing::instrument(skip_all, fields(day = %day))]
pub async fn for_day(ctx: &Ctx, day: NaiveDate) -> AppResult<Vec<Reminder>> {
    let profile = profile::repo::get(&ctx.pool).await?;
    let tz = time::zone(&ctx.pool).await?;
    let (from, to) = time::day_bounds(tz, day);
    let mut out = repo::due(&ctx.pool, from, to).await?;
    for r in &mut out {
        if !r.opted_out {
            let fields =
                MessageFields::new(tz, r.starts_at, &r.first_name, &r.podiatrist_name, &profile.name, &profile.address);
            r.message = Some(render(&profile.reminder_template, &fields)?);
            r.can_message = whatsapp_number(&r.phone).is_some();
        }
    }
    let entry =
        Entry::new(Action::RemindersRead, "reminders", day).after(&json!({ "day": day, "patients": out.len() }));
    audit::record(&ctx.pool, &ctx.actor, entry).await?;
    Ok(out)
}

/// The `wa.me` link for one appointment's reminder, built here from the stored appointment and
/// template (the webview never hands the desk a URL to open).
#[tracing::instrument(skip_all, fields(appointment_id = %appointment))]
pub async fn link(ctx: &Ctx, appointment: Uuid) -> AppResult<String> {
    let a = crate::appointments::repo::find(&ctx.pool, appointment)
        .await?
        .ok_or_else(|| AppError::not_found("appointment"))?;
    let tz = time::zone(&ctx.pool).await?;
    let (from, to) = time::day_bounds(tz, time::local_date(tz, a.starts_at));
    let reminder = for_day_quiet(ctx, from, to, appointment).await?;
    if !reminder.status.is_open() {
        return Err(AppError::validation("appointment", "reminder_not_due"));
    }
    if reminder.opted_out {
        return Err(AppError::validation("phone", "reminders_opted_out"));
    }
    let profile = profile::repo::get(&ctx.pool).await?;
    let fields = MessageFields::new(
        tz,
        reminder.starts_at,
        &reminder.first_name,
        &reminder.podiatrist_name,
        &profile.name,
        &profile.address,
    );
    let message = render(&profile.reminder_template, &fields)?;
    whatsapp_link(&reminder.phone, &message).ok_or_else(|| AppError::validation("phone", "phone_not_whatsapp"))
}

/// One appointment's row of its day (no audit entry: the link is for a row already listed).
async fn for_day_quiet(
    ctx: &Ctx,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    id: Uuid,
) -> AppResult<Reminder> {
    repo::due(&ctx.pool, from, to)
        .await?
        .into_iter()
        .find(|d| d.appointment_id == id)
        .ok_or_else(|| AppError::validation("appointment", "reminder_not_due"))
}

/// Records that a patient does (or no longer does) not want reminders: one of the voluntary
/// purposes of their privacy consent.
pub async fn set_opt_out(ctx: &Ctx, patient: Uuid, opt_out: bool) -> AppResult<()> {
    crate::privacy::service::choose(ctx, patient, |p| p.reminders = !opt_out).await?;
    Ok(())
}

/// A patient's missed visits, shown when booking.
#[tracing::instrument(skip_all, fields(patient_id = %patient))]
pub async fn attendance(ctx: &Ctx, patient: Uuid) -> AppResult<Attendance> {
    repo::attendance(&ctx.pool, patient).await
}
