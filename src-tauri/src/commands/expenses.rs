use crate::commands::arg::Arg;
use chrono::NaiveDate;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::expenses::model::{Expense, ExpenseCategory, ExpenseInput};
use podoclinic_clinic::expenses::service;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::View;

#[tauri::command]
#[specta::specta]
pub async fn list_expense_categories(state: State<'_, AppState>) -> AppResult<Vec<ExpenseCategory>> {
    state
        .run_or_store(
            Permission::ExpensesRead,
            (),
            |ctx, ()| async move { service::categories(&ctx).await },
            |store, ()| async move { store.view(View::ExpenseCategories).await },
        )
        .await
}

/// Adds or renames an expense category; `active: false` retires it.
#[tauri::command]
#[specta::specta]
pub async fn save_expense_category(
    state: State<'_, AppState>,
    category: Arg<ExpenseCategory>,
) -> AppResult<ExpenseCategory> {
    let category = category.0;
    state
        .run(Permission::ExpensesWrite, category, |ctx, category| async move {
            service::save_category(&ctx, category).await
        })
        .await
}

/// Expenses between two dates (inclusive).
#[tauri::command]
#[specta::specta]
pub async fn list_expenses(
    state: State<'_, AppState>,
    from: Arg<NaiveDate>,
    to: Arg<NaiveDate>,
) -> AppResult<Vec<Expense>> {
    let from = from.0;
    let to = to.0;
    state
        .run(Permission::ExpensesRead, (from, to), |ctx, (from, to)| async move { service::list(&ctx, from, to).await })
        .await
}

/// Records an expense (cash: from this desk's open session). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn record_expense(state: State<'_, AppState>, input: Arg<ExpenseInput>) -> AppResult<Expense> {
    let input = input.0;
    state
        .run_or_outbox(
            Permission::ExpensesWrite,
            input,
            |ctx, input| async move { service::record(&ctx, input).await },
            |outbox, input| async move { outbox.record_expense(input).await },
        )
        .await
}
