//! The dashboard's reads, each over the daily rollups (migration 5) or a small table. They run in
//! one read-only snapshot the service opens (`snapshot`).

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::model::{CategoryTotal, IncomePoint, LowStock, PodiatristStatusCount, TreatmentMargin, TreatmentStat};
use crate::appointments::model::Status;
use crate::error::AppResult;
use crate::money::Method;

/// Makes the caller's transaction one repeatable-read, read-only snapshot.
pub async fn snapshot(tx: &mut PgConnection) -> AppResult<()> {
    // Runtime text, not a macro: a transaction setting, with nothing of the schema to check.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(tx).await?;
    Ok(())
}

/// Income per period (the start of each `bucket`: day, week or month) and method.
pub async fn income(
    db: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    bucket: &str,
) -> AppResult<Vec<IncomePoint>> {
    Ok(sqlx::query_as!(
        IncomePoint,
        r#"SELECT date_trunc($3, day::timestamp)::date AS "period!", method AS "method: Method",
                  sum(amount_cents)::bigint AS "amount_cents!"
           FROM stats_income_days WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2 ORDER BY 1, 2"#,
        from,
        to,
        bucket
    )
    .fetch_all(db)
    .await?)
}

/// Expenses per category, largest first.
pub async fn expenses(db: &mut PgConnection, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<CategoryTotal>> {
    Ok(sqlx::query_as!(
        CategoryTotal,
        r#"SELECT c.name AS category, sum(x.amount_cents)::bigint AS "amount_cents!"
         FROM expenses x JOIN expense_categories c ON c.id = x.category_id
         WHERE x.spent_on BETWEEN $1 AND $2 GROUP BY c.name ORDER BY 2 DESC, 1"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// Appointments per podiatrist and status.
pub async fn appointments(
    db: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<PodiatristStatusCount>> {
    Ok(sqlx::query_as!(
        PodiatristStatusCount,
        r#"SELECT p.id AS podiatrist_id, p.name AS podiatrist_name, s.status AS "status: Status",
                  sum(s.count)::bigint AS "count!"
           FROM stats_appointment_days s JOIN podiatrists p ON p.id = s.podiatrist_id
           WHERE s.day BETWEEN $1 AND $2
           GROUP BY p.id, p.name, s.status HAVING sum(s.count) > 0 ORDER BY p.name, s.status"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// The ten treatments that brought in most.
pub async fn top_treatments(db: &mut PgConnection, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<TreatmentStat>> {
    Ok(sqlx::query_as!(
        TreatmentStat,
        r#"SELECT t.id AS treatment_id, t.name, sum(s.quantity)::bigint AS "quantity!",
                sum(s.revenue_cents)::bigint AS "revenue_cents!"
         FROM stats_treatment_days s JOIN treatments t ON t.id = s.treatment_id
         WHERE s.day BETWEEN $1 AND $2
         GROUP BY t.id, t.name ORDER BY 4 DESC, t.name LIMIT 10"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// Patients seen (a completed visit) in `from..=to`, and how many of them were seen for the first
/// time: the bitmaps of the whole months `first_full..=last_full` inside it and of the days at
/// either end, OR'ed and counted.
pub async fn patients_seen(
    db: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    first_full: NaiveDate,
    last_full: NaiveDate,
) -> AppResult<(i64, i64)> {
    let seen = sqlx::query!(
        r#"WITH parts AS (
             SELECT seen FROM stats_seen_months WHERE month >= $3 AND month <= $4
             UNION ALL
             SELECT seen FROM stats_seen_days WHERE day BETWEEN $1 AND $2 AND NOT (day BETWEEN $3 AND $4)),
         width AS (SELECT max(length(seen)) AS width FROM parts)
         SELECT coalesce(bit_count(bit_or(stats_padded(p.seen, w.width))), 0)::bigint AS "seen!",
                (SELECT count(*) FROM stats_first_visits WHERE first_day BETWEEN $1 AND $2) AS "first!"
         FROM parts p, width w"#,
        from,
        to,
        first_full,
        last_full
    )
    .fetch_one(db)
    .await?;
    Ok((seen.seen, seen.first))
}

/// Each active treatment's price, consumables at cost, and margin.
pub async fn margins(db: &mut PgConnection) -> AppResult<Vec<TreatmentMargin>> {
    Ok(sqlx::query_as!(
        TreatmentMargin,
        r#"SELECT t.id AS treatment_id, t.name, t.price_cents,
                coalesce(sum(tc.quantity * p.cost_cents), 0)::bigint AS "consumables_cost_cents!",
                (t.price_cents - coalesce(sum(tc.quantity * p.cost_cents), 0))::bigint AS "margin_cents!"
         FROM treatments t
         LEFT JOIN treatment_consumables tc ON tc.treatment_id = t.id
         LEFT JOIN products p ON p.id = tc.product_id
         WHERE t.active GROUP BY t.id, t.name, t.price_cents ORDER BY 5 DESC, t.name"#
    )
    .fetch_all(db)
    .await?)
}

/// Active products at or under their minimum.
pub async fn low_stock(db: &mut PgConnection) -> AppResult<Vec<LowStock>> {
    Ok(sqlx::query_as!(
        LowStock,
        "SELECT id AS product_id, name, stock_on_hand, min_stock FROM products
         WHERE active AND stock_on_hand <= min_stock ORDER BY stock_on_hand - min_stock, name"
    )
    .fetch_all(db)
    .await?)
}
