use tauri::State;
use uuid::Uuid;

use super::model::{Supplier, SupplierDetail};
use super::repo;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Every supplier, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_suppliers(state: State<'_, AppState>) -> AppResult<Vec<Supplier>> {
    let ctx = require(&state, Permission::SuppliersRead).await?;
    state.observe(repo::list(&ctx.pool).await)
}

/// A supplier with what they supply and their purchases.
#[tauri::command]
#[specta::specta]
pub async fn get_supplier(state: State<'_, AppState>, id: Uuid) -> AppResult<SupplierDetail> {
    let ctx = require(&state, Permission::SuppliersRead).await?;
    state.observe(repo::detail(&ctx.pool, id).await)
}

/// Adds a supplier. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_supplier(state: State<'_, AppState>, supplier: Supplier) -> AppResult<Supplier> {
    let ctx = require(&state, Permission::SuppliersWrite).await?;
    state.observe(repo::create(&ctx.pool, &ctx.actor, supplier).await)
}

/// Edits a supplier; `active: false` archives them.
#[tauri::command]
#[specta::specta]
pub async fn update_supplier(state: State<'_, AppState>, supplier: Supplier) -> AppResult<Supplier> {
    let ctx = require(&state, Permission::SuppliersWrite).await?;
    state.observe(repo::update(&ctx.pool, &ctx.actor, supplier).await)
}
