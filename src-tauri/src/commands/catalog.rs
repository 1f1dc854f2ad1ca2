use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::catalog::model::{Product, Treatment};
use podoclinic_clinic::catalog::service;
use podoclinic_clinic::error::AppResult;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::View;

/// Every treatment with its consumables, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_treatments(state: State<'_, AppState>) -> AppResult<Vec<Treatment>> {
    state
        .run_or_store(
            Permission::CatalogRead,
            (),
            |ctx, ()| async move { service::treatments(&ctx).await },
            |store, ()| async move { store.view(View::Treatments).await },
        )
        .await
}

/// Adds a treatment. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_treatment(state: State<'_, AppState>, treatment: Arg<Treatment>) -> AppResult<Treatment> {
    let treatment = treatment.0;
    state
        .run(Permission::CatalogWrite, treatment, |ctx, treatment| async move {
            service::create_treatment(&ctx, treatment).await
        })
        .await
}

/// Edits a treatment and replaces its consumables; `active: false` retires it.
#[tauri::command]
#[specta::specta]
pub async fn update_treatment(state: State<'_, AppState>, treatment: Arg<Treatment>) -> AppResult<Treatment> {
    let treatment = treatment.0;
    state
        .run(Permission::CatalogWrite, treatment, |ctx, treatment| async move {
            service::update_treatment(&ctx, treatment).await
        })
        .await
}

/// Every product, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_products(state: State<'_, AppState>) -> AppResult<Vec<Product>> {
    state
        .run_or_store(
            Permission::CatalogRead,
            (),
            |ctx, ()| async move { service::products(&ctx).await },
            |store, ()| async move { store.view(View::Products).await },
        )
        .await
}

/// Adds a product. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_product(state: State<'_, AppState>, product: Arg<Product>) -> AppResult<Product> {
    let product = product.0;
    state
        .run(
            Permission::CatalogWrite,
            product,
            |ctx, product| async move { service::create_product(&ctx, product).await },
        )
        .await
}

/// Edits a product; `active: false` retires it.
#[tauri::command]
#[specta::specta]
pub async fn update_product(state: State<'_, AppState>, product: Arg<Product>) -> AppResult<Product> {
    let product = product.0;
    state
        .run(
            Permission::CatalogWrite,
            product,
            |ctx, product| async move { service::update_product(&ctx, product).await },
        )
        .await
}
