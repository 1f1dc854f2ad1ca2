use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{Expense, ExpenseCategory, ExpenseInput};
use crate::db::ClientCreate;
use crate::error::{AppError, AppResult};
use crate::money::Method;

pub async fn categories(db: impl PgExecutor<'_>) -> AppResult<Vec<ExpenseCategory>> {
    Ok(sqlx::query_as("SELECT id, name, active FROM expense_categories ORDER BY active DESC, name")
        .fetch_all(db)
        .await?)
}

pub async fn category(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<ExpenseCategory>> {
    Ok(sqlx::query_as("SELECT id, name, active FROM expense_categories WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Inserts the category, or renames and (re)activates the one with that id.
pub async fn upsert_category(db: impl PgExecutor<'_>, c: &ExpenseCategory) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO expense_categories (id, name, active) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active",
    )
    .bind(c.id)
    .bind(&c.name)
    .bind(c.active)
    .execute(db)
    .await?;
    Ok(())
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

pub async fn insert(db: impl PgExecutor<'_>, x: &ExpenseInput, session: Option<Uuid>, by: Uuid) -> AppResult<()> {
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
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

impl ClientCreate for ExpenseInput {
    type Stored = Expense;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Expense>> {
        find(conn, id).await
    }
    fn same_as(&self, stored: &Expense) -> bool {
        *self
            == ExpenseInput {
                id: stored.id,
                category_id: stored.category_id,
                amount_cents: stored.amount_cents,
                spent_on: stored.spent_on,
                method: stored.method,
                supplier_id: stored.supplier_id,
                note: stored.note.clone(),
            }
    }
}
