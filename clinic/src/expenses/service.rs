//! Recording expenses and keeping their categories.

use chrono::{Duration, NaiveDate, Utc};
use sqlx::PgConnection;

use super::model::{Expense, ExpenseCategory, ExpenseInput};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::cash::service::require_desk_session;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::money::Method;
use crate::profile::time;
use crate::validate::required;

/// Every category, active first.
pub async fn categories(ctx: &Ctx) -> AppResult<Vec<ExpenseCategory>> {
    repo::categories(&ctx.pool).await
}

/// Adds or renames a category; `active: false` retires it (the ones in use stay on old expenses).
#[tracing::instrument(skip_all, fields(category_id = %input.id))]
pub async fn save_category(ctx: &Ctx, input: ExpenseCategory) -> AppResult<ExpenseCategory> {
    let mut c = input;
    required(&mut c.name, "name", crate::limits::EXPENSE_CATEGORY_NAME)?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::category(&mut *tx, c.id).await?;
    repo::upsert_category(&mut *tx, &c).await?;
    let action = if before.is_some() { Action::ExpenseCategoryUpdate } else { Action::ExpenseCategoryCreate };
    let mut entry = Entry::new(action, "expense_category", c.id).after(&c);
    if let Some(b) = &before {
        entry = entry.before(b);
    }
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(c)
}

/// Expenses spent between two dates (inclusive, at most 400 days), newest first.
pub async fn list(ctx: &Ctx, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Expense>> {
    if to < from {
        return Err(AppError::validation("to", "time_order"));
    }
    if to - from > Duration::days(400) {
        return Err(AppError::validation("to", "range_too_long"));
    }
    repo::list(&ctx.pool, from, to).await
}

/// Records an expense; cash comes out of this desk's open session. Idempotent by `id`.
#[tracing::instrument(skip_all, fields(expense_id = %input.id))]
pub async fn record(ctx: &Ctx, input: ExpenseInput) -> AppResult<Expense> {
    let mut tx = ctx.pool.begin().await?;
    let stored = record_in(ctx, &mut tx, input).await?;
    tx.commit().await?;
    Ok(stored)
}

/// `record` inside the caller's transaction (paying a purchase records its expense with it).
pub async fn record_in(ctx: &Ctx, tx: &mut PgConnection, input: ExpenseInput) -> AppResult<Expense> {
    let today = time::local_date(time::zone(&mut *tx).await?, Utc::now());
    let x = input.parse(today)?;
    if let Some(stored) = db::replayed(&mut *tx, &x).await? {
        return Ok(stored);
    }
    x.check_cash_day(today)?;
    let session = match x.method {
        Method::Cash => Some(require_desk_session(&mut *tx, ctx).await?),
        _ => None,
    };
    repo::insert(&mut *tx, &x, session, ctx.session.user_id).await?;
    let stored = repo::find(&mut *tx, x.id).await?.ok_or_else(|| AppError::not_found("expense"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::ExpenseCreate, "expense", x.id).after(&stored)).await?;
    Ok(stored)
}
