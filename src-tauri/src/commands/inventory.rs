use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::inventory::model::{ManualStockMovement, PurchaseInput, StockMovement, StockOverview};
use podoclinic_clinic::inventory::service;
use podoclinic_desk::state::AppState;

/// Every product's stock, the low-stock count and the valuation at cost.
#[tauri::command]
#[specta::specta]
pub async fn get_stock(state: State<'_, AppState>) -> AppResult<StockOverview> {
    state.run(Permission::InventoryRead, (), |ctx, ()| async move { service::overview(&ctx).await }).await
}

/// A product's stock card (its movements, newest first).
#[tauri::command]
#[specta::specta]
pub async fn get_stock_card(state: State<'_, AppState>, product_id: Arg<Uuid>) -> AppResult<Vec<StockMovement>> {
    let product_id = product_id.0;
    state
        .run(
            Permission::InventoryRead,
            product_id,
            |ctx, product_id| async move { service::card(&ctx, product_id).await },
        )
        .await
}

/// An adjustment, loss or return to the supplier. Returns the stock after it.
#[tauri::command]
#[specta::specta]
pub async fn record_stock_movement(state: State<'_, AppState>, input: Arg<ManualStockMovement>) -> AppResult<i32> {
    let input = input.0;
    state.run(Permission::InventoryWrite, input, |ctx, input| async move { service::record(&ctx, input).await }).await
}

/// Receives a supplier's delivery into stock.
#[tauri::command]
#[specta::specta]
pub async fn receive_purchase(state: State<'_, AppState>, input: Arg<PurchaseInput>) -> AppResult<Uuid> {
    let input = input.0;
    state.run(Permission::InventoryWrite, input, |ctx, input| async move { service::receive(&ctx, input).await }).await
}

/// Pays a received purchase; the expense is recorded with it (cash: from this desk's drawer).
#[tauri::command]
#[specta::specta]
pub async fn pay_purchase(
    state: State<'_, AppState>,
    purchase_id: Arg<Uuid>,
    expense_id: Arg<Uuid>,
    method: Arg<podoclinic_clinic::money::Method>,
) -> AppResult<podoclinic_clinic::expenses::model::Expense> {
    let purchase_id = purchase_id.0;
    let expense_id = expense_id.0;
    let method = method.0;
    state
        .run(
            Permission::ExpensesWrite,
            (purchase_id, expense_id, method),
            |ctx, (purchase_id, expense_id, method)| async move {
                service::pay(&ctx, purchase_id, expense_id, method).await
            },
        )
        .await
}
