use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::suppliers::model::{Supplier, SupplierDetail};
use podoclinic_clinic::suppliers::service;
use podoclinic_desk::state::AppState;

/// Every supplier, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_suppliers(state: State<'_, AppState>) -> AppResult<Vec<Supplier>> {
    state.run(Permission::SuppliersRead, (), |ctx, ()| async move { service::list(&ctx).await }).await
}

/// A supplier with what they supply and their purchases.
#[tauri::command]
#[specta::specta]
pub async fn get_supplier(state: State<'_, AppState>, id: Arg<Uuid>) -> AppResult<SupplierDetail> {
    let id = id.0;
    state.run(Permission::SuppliersRead, id, |ctx, id| async move { service::detail(&ctx, id).await }).await
}

/// Adds a supplier. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_supplier(state: State<'_, AppState>, supplier: Arg<Supplier>) -> AppResult<Supplier> {
    let supplier = supplier.0;
    state
        .run(Permission::SuppliersWrite, supplier, |ctx, supplier| async move { service::create(&ctx, supplier).await })
        .await
}

/// Edits a supplier; `active: false` archives them.
#[tauri::command]
#[specta::specta]
pub async fn update_supplier(state: State<'_, AppState>, supplier: Arg<Supplier>) -> AppResult<Supplier> {
    let supplier = supplier.0;
    state
        .run(Permission::SuppliersWrite, supplier, |ctx, supplier| async move { service::update(&ctx, supplier).await })
        .await
}
