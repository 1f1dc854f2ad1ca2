use chrono::{Datelike, Duration, NaiveDate};
use sqlx::PgPool;

use super::model::{
    Bucket, CategoryTotal, Dashboard, IncomePoint, LowStock, PodiatristStatusCount, TreatmentMargin, TreatmentStat,
};
use crate::error::{AppError, AppResult};
use crate::money::Method;

/// The dashboard for the clinic-local days `from` to `to` (inclusive), income grouped by `bucket`.
#[tracing::instrument(skip_all)]
pub async fn dashboard(pool: &PgPool, from: NaiveDate, to: NaiveDate, bucket: Bucket) -> AppResult<Dashboard> {
    if to < from {
        return Err(AppError::validation("to", "time_order"));
    }
    if to - from > Duration::days(731) {
        return Err(AppError::validation("to", "range_too_long"));
    }
    // One snapshot for every figure, so income, counts and patients agree with each other even
    // while other desks write.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;

    let income_rows: Vec<(NaiveDate, String, i64)> = sqlx::query_as(
        "SELECT date_trunc($3, day::timestamp)::date, method, sum(amount_cents)::bigint
         FROM stats_income_days WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(from)
    .bind(to)
    .bind(bucket.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let mut income = income_rows
        .into_iter()
        .map(|(period, method, amount_cents)| Ok(IncomePoint { period, method: Method::parse(&method)?, amount_cents }))
        .collect::<AppResult<Vec<_>>>()?;
    income.sort_by_key(|p| (p.period, p.method));
    let income_cents = income.iter().map(|p| p.amount_cents).sum();

    let expenses: Vec<CategoryTotal> = sqlx::query_as(
        "SELECT c.name AS category, sum(x.amount_cents)::bigint AS amount_cents
         FROM expenses x JOIN expense_categories c ON c.id = x.category_id
         WHERE x.spent_on BETWEEN $1 AND $2 GROUP BY c.name ORDER BY 2 DESC, 1",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let expenses_cents = expenses.iter().map(|c| c.amount_cents).sum();

    let appointments: Vec<PodiatristStatusCount> = sqlx::query_as(
        "SELECT p.id AS podiatrist_id, p.name AS podiatrist_name, s.status, sum(s.count)::bigint AS count
         FROM stats_appointment_days s JOIN podiatrists p ON p.id = s.podiatrist_id
         WHERE s.day BETWEEN $1 AND $2
         GROUP BY p.id, p.name, s.status HAVING sum(s.count) > 0 ORDER BY p.name, s.status",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let count = |status: &str| appointments.iter().filter(|a| a.status == status).map(|a| a.count).sum::<i64>();
    let (no_shows, completed) = (count("no_show"), count("completed"));
    let no_show_per_mille = (no_shows + completed > 0).then(|| no_shows * 1000 / (no_shows + completed));

    let top_treatments: Vec<TreatmentStat> = sqlx::query_as(
        "SELECT t.id AS treatment_id, t.name, sum(s.quantity)::bigint AS quantity,
                sum(s.revenue_cents)::bigint AS revenue_cents
         FROM stats_treatment_days s JOIN treatments t ON t.id = s.treatment_id
         WHERE s.day BETWEEN $1 AND $2
         GROUP BY t.id, t.name ORDER BY revenue_cents DESC, t.name LIMIT 10",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;

    // Patients seen (a completed visit) in the range: the bitmaps of the whole months inside it
    // and of the days at either end, OR'ed and counted. The new ones had their first visit in it.
    let (first_full, last_full) = whole_months(from, to);
    let (seen, new_patients): (i64, i64) = sqlx::query_as(
        "WITH parts AS (
             SELECT seen FROM stats_seen_months WHERE month >= $3 AND month <= $4
             UNION ALL
             SELECT seen FROM stats_seen_days WHERE day BETWEEN $1 AND $2 AND NOT (day BETWEEN $3 AND $4)),
         width AS (SELECT max(length(seen)) AS width FROM parts)
         SELECT coalesce(bit_count(bit_or(stats_padded(p.seen, w.width))), 0)::bigint,
                (SELECT count(*) FROM stats_first_visits WHERE first_day BETWEEN $1 AND $2)
         FROM parts p, width w",
    )
    .bind(from)
    .bind(to)
    .bind(first_full)
    .bind(last_full)
    .fetch_one(&mut *tx)
    .await?;
    let returning_patients = seen - new_patients;

    let margins: Vec<TreatmentMargin> = sqlx::query_as(
        "SELECT t.id AS treatment_id, t.name, t.price_cents,
                coalesce(sum(tc.quantity * p.cost_cents), 0)::bigint AS consumables_cost_cents,
                (t.price_cents - coalesce(sum(tc.quantity * p.cost_cents), 0))::bigint AS margin_cents
         FROM treatments t
         LEFT JOIN treatment_consumables tc ON tc.treatment_id = t.id
         LEFT JOIN products p ON p.id = tc.product_id
         WHERE t.active GROUP BY t.id, t.name, t.price_cents ORDER BY margin_cents DESC, t.name",
    )
    .fetch_all(&mut *tx)
    .await?;

    let low_stock: Vec<LowStock> = sqlx::query_as(
        "SELECT id AS product_id, name, stock_on_hand, min_stock FROM products
         WHERE active AND stock_on_hand <= min_stock ORDER BY stock_on_hand - min_stock, name",
    )
    .fetch_all(&mut *tx)
    .await?;
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
        returning_patients,
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
