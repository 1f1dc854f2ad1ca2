use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::model::{ExceptionInput, Schedule, ScheduleBlock, ScheduleException};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::profile::time;

/// A half-open span of time [start, end).
pub type Interval = (DateTime<Utc>, DateTime<Utc>);

/// `spans` minus every span in `cuts`; both half-open.
pub fn subtract(spans: &[Interval], cuts: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    for &(mut start, end) in spans {
        let mut sorted: Vec<&Interval> = cuts.iter().filter(|(a, b)| *a < end && *b > start).collect();
        sorted.sort();
        for &&(a, b) in &sorted {
            if a > start {
                out.push((start, a.min(end)));
            }
            start = start.max(b);
            if start >= end {
                break;
            }
        }
        if start < end {
            out.push((start, end));
        }
    }
    out
}

/// Sorts spans and joins the ones that touch or overlap (09–12 and 12–14 are one 09–14 span).
pub fn merge(mut spans: Vec<Interval>) -> Vec<Interval> {
    spans.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// True when [start, end) lies inside one of `spans`.
pub fn covers(spans: &[Interval], start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    spans.iter().any(|&(a, b)| a <= start && end <= b)
}

/// Each podiatrist's working time in [from, to): weekly blocks laid on each local day (DST-safe),
/// minus their time off and clinic holidays.
pub async fn working_time(
    conn: &mut sqlx::PgConnection,
    tz: Tz,
    podiatrists: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Vec<Interval>>> {
    let blocks = repo::blocks(&mut *conn, podiatrists).await?;
    let exceptions = repo::exceptions(&mut *conn, podiatrists, from, to).await?;
    let mut out: HashMap<Uuid, Vec<Interval>> = podiatrists.iter().map(|p| (*p, Vec::new())).collect();
    let last = time::local_date(tz, to);
    let mut day = time::local_date(tz, from);
    while day <= last {
        let weekday = day.weekday().number_from_monday() as i16;
        for row in blocks.iter().filter(|r| r.block.weekday == weekday) {
            let start = time::at_minute(tz, day, row.block.start_minute).max(from);
            let end = time::at_minute(tz, day, row.block.end_minute).min(to);
            if start < end {
                out.entry(row.podiatrist_id).or_default().push((start, end));
            }
        }
        day = day.checked_add_days(Days::new(1)).unwrap_or(last.succ_opt().unwrap_or(last));
    }
    for (podiatrist, spans) in out.iter_mut() {
        let cuts: Vec<Interval> = exceptions
            .iter()
            .filter(|e| e.podiatrist_id.is_none() || e.podiatrist_id == Some(*podiatrist))
            .map(|e| (e.starts_at, e.ends_at))
            .collect();
        *spans = subtract(&merge(std::mem::take(spans)), &cuts);
    }
    Ok(out)
}

/// A podiatrist's weekly blocks and time off from today on.
#[tracing::instrument(skip_all, fields(podiatrist_id = %podiatrist))]
pub async fn get(ctx: &Ctx, podiatrist: Uuid) -> AppResult<Schedule> {
    schedule(&ctx.pool, podiatrist).await
}

/// `get`, for the desk store too.
pub async fn schedule(pool: &sqlx::PgPool, podiatrist: Uuid) -> AppResult<Schedule> {
    let tz = time::zone(pool).await?;
    let (today, _) = time::day_bounds(tz, time::local_date(tz, Utc::now()));
    let blocks = repo::blocks(pool, &[podiatrist]).await?.into_iter().map(|r| r.block).collect();
    let far = today + chrono::Duration::days(3 * 366);
    let exceptions = repo::exceptions(pool, &[podiatrist], today, far).await?;
    Ok(Schedule { podiatrist_id: podiatrist, blocks, exceptions })
}

/// Replaces a podiatrist's weekly blocks.
#[tracing::instrument(skip_all, fields(podiatrist_id = %podiatrist))]
pub async fn set_weekly(ctx: &Ctx, podiatrist: Uuid, blocks: Vec<ScheduleBlock>) -> AppResult<Schedule> {
    for b in &blocks {
        b.check()?;
    }
    let mut tx = ctx.pool.begin().await?;
    let before: Vec<ScheduleBlock> =
        repo::blocks(&mut *tx, &[podiatrist]).await?.into_iter().map(|r| r.block).collect();
    repo::replace_blocks(&mut tx, podiatrist, &blocks).await?;
    let entry = Entry::new(Action::ScheduleSetWeekly, "podiatrist", podiatrist).before(&before).after(&blocks);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    get(ctx, podiatrist).await
}

/// Records time off. Idempotent by `id`.
#[tracing::instrument(skip_all, fields(exception_id = %input.id))]
pub async fn add_exception(ctx: &Ctx, input: ExceptionInput) -> AppResult<ScheduleException> {
    if input.to_date < input.from_date {
        return Err(AppError::validation("toDate", "date_order"));
    }
    let tz = time::zone(&ctx.pool).await?;
    let (starts_at, ends_at) = match (input.start_minute, input.end_minute) {
        (Some(s), Some(e)) => {
            if !(0..=1440).contains(&s) || !(0..=1440).contains(&e) {
                return Err(AppError::validation("startMinute", "out_of_range"));
            }
            (time::at_minute(tz, input.from_date, s), time::at_minute(tz, input.to_date, e))
        }
        _ => (time::day_bounds(tz, input.from_date).0, time::day_bounds(tz, input.to_date).1),
    };
    if ends_at <= starts_at {
        return Err(AppError::validation("endMinute", "block_order"));
    }
    let mut note = input.note;
    crate::validate::trimmed(&mut note, "note", crate::limits::EXCEPTION_NOTE)?;
    let e = ScheduleException {
        id: input.id,
        podiatrist_id: input.podiatrist_id,
        kind: input.kind,
        starts_at,
        ends_at,
        note,
    };
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &e).await? {
        return Ok(stored);
    }
    repo::insert_exception(&mut *tx, &e).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::ScheduleAddException, "schedule_exception", e.id).after(&e))
        .await?;
    tx.commit().await?;
    Ok(e)
}

/// Removes time off.
#[tracing::instrument(skip_all, fields(exception_id = %id))]
pub async fn remove_exception(ctx: &Ctx, id: Uuid) -> AppResult<()> {
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find_exception(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("exception"))?;
    repo::delete_exception(&mut *tx, id).await?;
    audit::record(
        &mut *tx,
        &ctx.actor,
        Entry::new(Action::ScheduleRemoveException, "schedule_exception", id).before(&before),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn cuts_split_and_trim_spans() {
        let spans = [(t(9), t(14)), (t(16), t(20))];
        let cuts = [(t(10), t(11)), (t(13), t(17)), (t(19), t(22))];
        assert_eq!(subtract(&spans, &cuts), vec![(t(9), t(10)), (t(11), t(13)), (t(17), t(19))]);
        assert!(covers(&spans, t(9), t(14)));
        assert!(!covers(&spans, t(13), t(17)));
    }
}
