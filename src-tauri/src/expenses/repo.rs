use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::model::{Expense, ExpenseCategory, ExpenseInput};
use crate::audit::{self, Actor, Entry};
use crate::cash::service::require_desk_session;
use crate::clinic::time;
use crate::db::replay;
use crate::error::{AppError, AppResult};
use crate::money::Method;
use crate::validate::{positive_cents, required, trimmed};

pub async fn categories(db: impl PgExecutor<'_>) -> AppResult<Vec<ExpenseCategory>> {
    Ok(sqlx::query_as("SELECT id, name, active FROM expense_categories ORDER BY active DESC, name")
        .fetch_all(db)
        .await?)
}

/// Adds or renames a category; `active: false` retires it (the ones in use stay on old expenses).
#[tracing::instrument(skip_all)]
pub async fn save_category(pool: &PgPool, actor: &Actor, input: ExpenseCategory) -> AppResult<ExpenseCategory> {
    let mut c = input;
    required(&mut c.name, "name", 80)?;
    let mut tx = pool.begin().await?;
    let before: Option<ExpenseCategory> =
        sqlx::query_as("SELECT id, name, active FROM expense_categories WHERE id = $1")
            .bind(c.id)
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO expense_categories (id, name, active) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active",
    )
    .bind(c.id)
    .bind(&c.name)
    .bind(c.active)
    .execute(&mut *tx)
    .await?;
    let action = if before.is_some() { "expense_category.update" } else { "expense_category.create" };
    let mut entry = Entry::new(action, "expense_category", c.id).after(&c);
    if let Some(b) = &before {
        entry = entry.before(b);
    }
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(c)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    category_id: Uuid,
    category_name: String,
    amount_cents: i64,
    spent_on: NaiveDate,
    method: String,
    supplier_id: Option<Uuid>,
    supplier_name: Option<String>,
    note: String,
    session_id: Option<Uuid>,
    at: DateTime<Utc>,
    created_by_name: String,
}

impl TryFrom<Row> for Expense {
    type Error = AppError;
    fn try_from(r: Row) -> AppResult<Self> {
        Ok(Expense {
            id: r.id,
            category_id: r.category_id,
            category_name: r.category_name,
            amount_cents: r.amount_cents,
            spent_on: r.spent_on,
            method: Method::parse(&r.method)?,
            supplier_id: r.supplier_id,
            supplier_name: r.supplier_name,
            note: r.note,
            session_id: r.session_id,
            at: r.at,
            created_by_name: r.created_by_name,
        })
    }
}

// A literal (not a `const`) so the queries built from it stay static strings.
macro_rules! expense_select {
    () => {
        "SELECT x.id, x.category_id, c.name AS category_name, x.amount_cents, x.spent_on, x.method,
        x.supplier_id, s.name AS supplier_name, x.note, x.session_id, x.at, u.display_name AS created_by_name
    FROM expenses x
    JOIN expense_categories c ON c.id = x.category_id
    JOIN users u ON u.id = x.created_by
    LEFT JOIN suppliers s ON s.id = x.supplier_id"
    };
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Expense>> {
    let row: Option<Row> =
        sqlx::query_as(concat!(expense_select!(), " WHERE x.id = $1")).bind(id).fetch_optional(db).await?;
    row.map(Expense::try_from).transpose()
}

/// Expenses spent between two dates (inclusive), newest first.
pub async fn list(db: impl PgExecutor<'_>, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Expense>> {
    if to < from {
        return Err(AppError::validation("to", "time_order"));
    }
    if to - from > Duration::days(400) {
        return Err(AppError::validation("to", "range_too_long"));
    }
    let rows: Vec<Row> = sqlx::query_as(concat!(
        expense_select!(),
        " WHERE x.spent_on BETWEEN $1 AND $2 ORDER BY x.spent_on DESC, x.at DESC"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Expense::try_from).collect()
}

/// Records an expense; cash comes out of this desk's open session. Idempotent by `id`.
#[tracing::instrument(skip_all)]
pub async fn record(pool: &PgPool, actor: &Actor, input: ExpenseInput) -> AppResult<Expense> {
    let mut tx = pool.begin().await?;
    let stored = record_in(&mut tx, actor, input).await?;
    tx.commit().await?;
    Ok(stored)
}

/// `record` inside the caller's transaction (paying a purchase records its expense with it).
pub async fn record_in(tx: &mut PgConnection, actor: &Actor, input: ExpenseInput) -> AppResult<Expense> {
    let mut x = input;
    trimmed(&mut x.note, "note", 300)?;
    positive_cents(x.amount_cents, "amountCents")?;
    let today = time::local_date(time::zone(&mut *tx).await?, Utc::now());
    if x.spent_on > today {
        return Err(AppError::validation("spentOn", "in_future"));
    }
    if let Some(stored) = find(&mut *tx, x.id).await? {
        let asked = ExpenseInput {
            id: stored.id,
            category_id: stored.category_id,
            amount_cents: stored.amount_cents,
            spent_on: stored.spent_on,
            method: stored.method,
            supplier_id: stored.supplier_id,
            note: stored.note.clone(),
        };
        return replay(asked, &x).map(|_| stored);
    }
    if x.method == Method::Cash && x.spent_on != today {
        return Err(AppError::validation("spentOn", "cash_is_today"));
    }
    let session = match x.method {
        Method::Cash => Some(require_desk_session(&mut *tx, &actor.desk).await?),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO expenses (id, category_id, amount_cents, spent_on, method, supplier_id, note, session_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(x.id)
    .bind(x.category_id)
    .bind(x.amount_cents)
    .bind(x.spent_on)
    .bind(x.method.as_str())
    .bind(x.supplier_id)
    .bind(&x.note)
    .bind(session)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let stored = find(&mut *tx, x.id).await?.ok_or_else(|| AppError::not_found("expense"))?;
    audit::record(&mut *tx, actor, Entry::new("expense.create", "expense", x.id).after(&stored)).await?;
    Ok(stored)
}
