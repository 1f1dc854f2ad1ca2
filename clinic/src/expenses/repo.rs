use chrono::NaiveDate;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{Expense, ExpenseCategory, ExpenseInput};
use crate::db::ClientCreate;
use crate::error::AppResult;
use crate::money::Method;

pub async fn categories(db: impl PgExecutor<'_>) -> AppResult<Vec<ExpenseCategory>> {
    Ok(sqlx::query_as!(ExpenseCategory, "SELECT id, name, active FROM expense_categories ORDER BY active DESC, name")
        .fetch_all(db)
        .await?)
}

pub async fn category(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<ExpenseCategory>> {
    Ok(sqlx::query_as!(ExpenseCategory, "SELECT id, name, active FROM expense_categories WHERE id = $1", id)
        .fetch_optional(db)
        .await?)
}

/// Inserts the category, or renames and (re)activates the one with that id.
pub async fn upsert_category(db: impl PgExecutor<'_>, c: &ExpenseCategory) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO expense_categories (id, name, active) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active",
        c.id,
        &c.name,
        c.active
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Expense>> {
    Ok(sqlx::query_as!(Expense, r#"SELECT x.id, x.category_id, c.name AS category_name, x.amount_cents, x.spent_on, x.method AS "method: Method",
                  x.supplier_id, s.name AS "supplier_name?", x.note, x.session_id, x.at, u.display_name AS created_by_name
           FROM expenses x
           JOIN expense_categories c ON c.id = x.category_id
           JOIN users u ON u.id = x.created_by
           LEFT JOIN suppliers s ON s.id = x.supplier_id WHERE x.id = $1"#, id).fetch_optional(db).await?)
}

/// Expenses spent between two dates (inclusive), newest first.
pub async fn list(db: impl PgExecutor<'_>, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Expense>> {
    Ok(sqlx::query_as!(
        Expense,
        r#"SELECT x.id, x.category_id, c.name AS category_name, x.amount_cents, x.spent_on, x.method AS "method: Method",
                  x.supplier_id, s.name AS "supplier_name?", x.note, x.session_id, x.at, u.display_name AS created_by_name
           FROM expenses x
           JOIN expense_categories c ON c.id = x.category_id
           JOIN users u ON u.id = x.created_by
           LEFT JOIN suppliers s ON s.id = x.supplier_id
           WHERE x.spent_on BETWEEN $1 AND $2 ORDER BY x.spent_on DESC, x.at DESC"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn insert(db: impl PgExecutor<'_>, x: &ExpenseInput, session: Option<Uuid>, by: Uuid) -> AppResult<()> {
    sqlx::query!("INSERT INTO expenses (id, category_id, amount_cents, spent_on, method, supplier_id, note, session_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", x.id, x.category_id, x.amount_cents, x.spent_on, x.method as Method, x.supplier_id, &x.note, session, by)
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
