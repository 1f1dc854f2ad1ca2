use chrono::{Duration, NaiveDate};
use sqlx::PgPool;

use super::model::{
    Bucket, CategoryTotal, Dashboard, IncomePoint, LowStock, PodiatristStatusCount, TreatmentMargin, TreatmentStat,
};
use crate::clinic::time;
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
    let mut conn = pool.acquire().await?;
    let tz = time::zone(&mut *conn).await?;
    let (start, _) = time::day_bounds(tz, from);
    let (_, end) = time::day_bounds(tz, to);
    let zone = tz.name();

    let income_rows: Vec<(NaiveDate, String, i64)> = sqlx::query_as(
        "SELECT date_trunc($4, at AT TIME ZONE $3)::date, method, sum(amount_cents)::bigint
         FROM payments WHERE at >= $1 AND at < $2 GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(start)
    .bind(end)
    .bind(zone)
    .bind(bucket.as_str())
    .fetch_all(&mut *conn)
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
    .fetch_all(&mut *conn)
    .await?;
    let expenses_cents = expenses.iter().map(|c| c.amount_cents).sum();

    let appointments: Vec<PodiatristStatusCount> = sqlx::query_as(
        "SELECT p.id AS podiatrist_id, p.name AS podiatrist_name, a.status, count(*) AS count
         FROM appointments a JOIN podiatrists p ON p.id = a.podiatrist_id
         WHERE lower(a.during) >= $1 AND lower(a.during) < $2
         GROUP BY p.id, p.name, a.status ORDER BY p.name, a.status",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    let count = |status: &str| appointments.iter().filter(|a| a.status == status).map(|a| a.count).sum::<i64>();
    let (no_shows, completed) = (count("no_show"), count("completed"));
    let no_show_per_mille = (no_shows + completed > 0).then(|| no_shows * 1000 / (no_shows + completed));

    let top_treatments: Vec<TreatmentStat> = sqlx::query_as(
        "SELECT t.id AS treatment_id, t.name, sum(l.quantity)::bigint AS quantity,
                sum(l.quantity * l.unit_price_cents - l.discount_cents)::bigint AS revenue_cents
         FROM charge_lines l JOIN charges c ON c.id = l.charge_id JOIN treatments t ON t.id = l.treatment_id
         WHERE c.created_at >= $1 AND c.created_at < $2
         GROUP BY t.id, t.name ORDER BY revenue_cents DESC, t.name LIMIT 10",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;

    // A patient seen (completed) in the range is new when their first completed visit ever is in it.
    let (new_patients, returning_patients): (i64, i64) = sqlx::query_as(
        "WITH seen AS (
             SELECT DISTINCT patient_id FROM appointments
             WHERE status = 'completed' AND lower(during) >= $1 AND lower(during) < $2),
         firsts AS (
             SELECT s.patient_id,
                    (SELECT min(lower(a.during)) FROM appointments a
                     WHERE a.patient_id = s.patient_id AND a.status = 'completed') AS first_at
             FROM seen s)
         SELECT count(*) FILTER (WHERE first_at >= $1), count(*) FILTER (WHERE first_at < $1) FROM firsts",
    )
    .bind(start)
    .bind(end)
    .fetch_one(&mut *conn)
    .await?;

    let margins: Vec<TreatmentMargin> = sqlx::query_as(
        "SELECT t.id AS treatment_id, t.name, t.price_cents,
                coalesce(sum(tc.quantity * p.cost_cents), 0)::bigint AS consumables_cost_cents,
                (t.price_cents - coalesce(sum(tc.quantity * p.cost_cents), 0))::bigint AS margin_cents
         FROM treatments t
         LEFT JOIN treatment_consumables tc ON tc.treatment_id = t.id
         LEFT JOIN products p ON p.id = tc.product_id
         WHERE t.active GROUP BY t.id, t.name, t.price_cents ORDER BY margin_cents DESC, t.name",
    )
    .fetch_all(&mut *conn)
    .await?;

    let low_stock: Vec<LowStock> = sqlx::query_as(
        "SELECT id AS product_id, name, stock_on_hand, min_stock FROM products
         WHERE active AND stock_on_hand <= min_stock ORDER BY stock_on_hand - min_stock, name",
    )
    .fetch_all(&mut *conn)
    .await?;

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
