//! The clinic's wall clock: "today", day boundaries and local times, safe across DST changes.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::PgExecutor;

use crate::error::{AppError, AppResult};

/// The clinic's time zone from its profile.
pub async fn zone(db: impl PgExecutor<'_>) -> AppResult<Tz> {
    super::repo::timezone(db).await?.parse::<Tz>().map_err(AppError::internal)
}

/// A local wall-clock time as an instant. In a spring-forward gap the time does not exist: the
/// first instant after the gap is used. In a fall-back overlap the earlier instant is used.
pub fn to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
        LocalResult::None => {
            // Gaps are at most an hour or two; walk forward a minute at a time.
            let mut probe = local;
            loop {
                probe += chrono::Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
        }
    }
}

/// The instants where a local day starts and the next one starts (23 or 25 hours on DST days).
pub fn day_bounds(tz: Tz, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    (to_utc(tz, day.and_time(NaiveTime::MIN)), to_utc(tz, next.and_time(NaiveTime::MIN)))
}

/// The clinic's local date of an instant.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Minutes since local midnight.
pub fn local_minute(tz: Tz, at: DateTime<Utc>) -> i32 {
    let t = at.with_timezone(&tz).time();
    (t.signed_duration_since(NaiveTime::MIN).num_minutes()) as i32
}

/// A local day and a minute of it as an instant.
pub fn at_minute(tz: Tz, day: NaiveDate, minute: i32) -> DateTime<Utc> {
    let base = day.and_time(NaiveTime::MIN);
    to_utc(tz, base + chrono::Duration::minutes(minute.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spring_forward_day_is_23_hours_and_its_gap_maps_past_the_gap() {
        let tz: Tz = "America/Tijuana".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let (start, end) = day_bounds(tz, day);
        assert_eq!((end - start).num_hours(), 23);
        let in_gap = day.and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(to_utc(tz, in_gap).with_timezone(&tz).time(), NaiveTime::from_hms_opt(3, 0, 0).unwrap());
        // 09:00 local is 16:00 UTC after the change (PDT), 17:00 UTC the day before (PST).
        assert_eq!(at_minute(tz, day, 9 * 60).to_rfc3339(), "2026-03-08T16:00:00+00:00");
        assert_eq!(at_minute(tz, day.pred_opt().unwrap(), 9 * 60).to_rfc3339(), "2026-03-07T17:00:00+00:00");
    }

    #[test]
    fn a_fall_back_day_is_25_hours() {
        let tz: Tz = "America/Tijuana".parse().unwrap();
        let (start, end) = day_bounds(tz, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!((end - start).num_hours(), 25);
    }
}
