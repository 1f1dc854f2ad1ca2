use tauri::State;
use uuid::Uuid;

use super::model::{ManualMovement, PurchaseInput, StockMovement, StockOverview};
use super::repo;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Every product's stock, the low-stock count and the valuation at cost.
#[tauri::command]
#[specta::specta]
pub async fn get_stock(state: State<'_, AppState>) -> AppResult<StockOverview> {
    let ctx = require(&state, Permission::InventoryRead).await?;
    state.observe(repo::overview(&ctx.pool).await)
}

/// A product's stock card (its movements, newest first).
#[tauri::command]
#[specta::specta]
pub async fn get_stock_card(state: State<'_, AppState>, product_id: Uuid) -> AppResult<Vec<StockMovement>> {
    let ctx = require(&state, Permission::InventoryRead).await?;
    state.observe(repo::card(&ctx.pool, product_id).await)
}

/// An adjustment, loss or return to the supplier. Returns the stock after it.
#[tauri::command]
#[specta::specta]
pub async fn record_stock_movement(state: State<'_, AppState>, input: ManualMovement) -> AppResult<i32> {
    let ctx = require(&state, Permission::InventoryWrite).await?;
    state.observe(repo::record(&ctx.pool, &ctx.actor, input).await)
}

/// Receives a supplier's delivery into stock.
#[tauri::command]
#[specta::specta]
pub async fn receive_purchase(state: State<'_, AppState>, input: PurchaseInput) -> AppResult<Uuid> {
    let ctx = require(&state, Permission::InventoryWrite).await?;
    state.observe(repo::receive(&ctx.pool, &ctx.actor, input).await)
}

/// Pays a received purchase; the expense is recorded with it (cash: from this desk's drawer).
#[tauri::command]
#[specta::specta]
pub async fn pay_purchase(
    state: State<'_, AppState>,
    purchase_id: Uuid,
    expense_id: Uuid,
    method: crate::money::Method,
) -> AppResult<crate::expenses::model::Expense> {
    let ctx = require(&state, Permission::ExpensesWrite).await?;
    state.observe(repo::pay(&ctx.pool, &ctx.actor, purchase_id, expense_id, method).await)
}
