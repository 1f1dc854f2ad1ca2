//! The dashboard: every figure from one snapshot, so they agree while other desks write.

use chrono::{Datelike, Duration, NaiveDate};

use super::model::{Bucket, Dashboard};
use super::repo;
use crate::appointments::model::Status;
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};

/// The dashboard for the clinic-local days `from` to `to` (inclusive, at most two years), income
/// grouped by `bucket`.
#[tracing::instrument(skip_all, fields(%from, %to))]
pub async fn dashboard(ctx: &Ctx, from: NaiveDate, to: NaiveDate, bucket: Bucket) -> AppResult<Dashboard> {
    if to < from {
        return Err(AppError::validation("to", "time_order"));
    }
    if to - from > Duration::days(731) {
        return Err(AppError::validation("to", "range_too_long"));
    }
    let mut tx = ctx.pool.begin().await?;
    repo::snapshot(&mut tx).await?;

    let mut income = repo::income(&mut tx, from, to, bucket.as_str()).await?;
    income.sort_by_key(|p| (p.period, p.method));
    let income_cents = income.iter().map(|p| p.amount_cents).sum();

    let expenses = repo::expenses(&mut tx, from, to).await?;
    let expenses_cents = expenses.iter().map(|c| c.amount_cents).sum();

    let appointments = repo::appointments(&mut tx, from, to).await?;
    let count = |status: Status| appointments.iter().filter(|a| a.status == status).map(|a| a.count).sum::<i64>();
    let (no_shows, completed) = (count(Status::NoShow), count(Status::Completed));
    let no_show_per_mille = (no_shows + completed > 0).then(|| no_shows * 1000 / (no_shows + completed));

    let top_treatments = repo::top_treatments(&mut tx, from, to).await?;
    let (first_full, last_full) = whole_months(from, to);
    let (seen, new_patients) = repo::patients_seen(&mut tx, from, to, first_full, last_full).await?;
    let margins = repo::margins(&mut tx).await?;
    let low_stock = repo::low_stock(&mut tx).await?;
    tx.commit().await?;

    Ok(Dashboard {
        from,
        to,
        bucket,
        income,
        income_cents,
        expenses,
        expenses_cents,
        net_cents: income_cents - expenses_cents,
        appointments,
        no_show_per_mille,
        top_treatments,
        new_patients,
        returning_patients: seen - new_patients,
        margins,
        low_stock,
    })
}

/// The first and last day of the whole calendar months inside `from..=to` (first after last when
/// there is none).
fn whole_months(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let month_start = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let first = if from.day() == 1 { from } else { month_start(month_start(from) + Duration::days(32)) };
    let last = if (to + Duration::days(1)).day() == 1 { to } else { month_start(to) - Duration::days(1) };
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::whole_months;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn whole_months_inside_a_range() {
        assert_eq!(whole_months(d(2026, 1, 15), d(2026, 12, 14)), (d(2026, 2, 1), d(2026, 11, 30)));
        assert_eq!(whole_months(d(2026, 1, 1), d(2026, 12, 31)), (d(2026, 1, 1), d(2026, 12, 31)));
        assert_eq!(whole_months(d(2024, 1, 31), d(2024, 2, 29)), (d(2024, 2, 1), d(2024, 2, 29)));
        let (first, last) = whole_months(d(2026, 3, 2), d(2026, 3, 30));
        assert!(first > last, "no whole month in {first}..{last}");
    }
}
