use chrono::NaiveDate;
use tauri::State;

use super::model::{Expense, ExpenseCategory, ExpenseInput};
use super::repo;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_expense_categories(state: State<'_, AppState>) -> AppResult<Vec<ExpenseCategory>> {
    let ctx = require(&state, Permission::ExpensesRead).await?;
    state.observe(repo::categories(&ctx.pool).await)
}

/// Adds or renames an expense category; `active: false` retires it.
#[tauri::command]
#[specta::specta]
pub async fn save_expense_category(
    state: State<'_, AppState>,
    category: ExpenseCategory,
) -> AppResult<ExpenseCategory> {
    let ctx = require(&state, Permission::ExpensesWrite).await?;
    state.observe(repo::save_category(&ctx.pool, &ctx.actor, category).await)
}

/// Expenses between two dates (inclusive).
#[tauri::command]
#[specta::specta]
pub async fn list_expenses(state: State<'_, AppState>, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Expense>> {
    let ctx = require(&state, Permission::ExpensesRead).await?;
    state.observe(repo::list(&ctx.pool, from, to).await)
}

/// Records an expense (cash: from this desk's open session). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn record_expense(state: State<'_, AppState>, input: ExpenseInput) -> AppResult<Expense> {
    let ctx = require(&state, Permission::ExpensesWrite).await?;
    state.observe(repo::record(&ctx.pool, &ctx.actor, input).await)
}
