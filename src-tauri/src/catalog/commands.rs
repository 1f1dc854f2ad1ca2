use tauri::State;

use super::model::{Product, Treatment};
use super::repo;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Every treatment with its consumables, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_treatments(state: State<'_, AppState>) -> AppResult<Vec<Treatment>> {
    let ctx = require(&state, Permission::CatalogRead).await?;
    state.observe(repo::treatments(&ctx.pool).await)
}

/// Adds a treatment. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_treatment(state: State<'_, AppState>, treatment: Treatment) -> AppResult<Treatment> {
    let ctx = require(&state, Permission::CatalogWrite).await?;
    state.observe(repo::create_treatment(&ctx.pool, &ctx.actor, treatment).await)
}

/// Edits a treatment and replaces its consumables; `active: false` retires it.
#[tauri::command]
#[specta::specta]
pub async fn update_treatment(state: State<'_, AppState>, treatment: Treatment) -> AppResult<Treatment> {
    let ctx = require(&state, Permission::CatalogWrite).await?;
    state.observe(repo::update_treatment(&ctx.pool, &ctx.actor, treatment).await)
}

/// Every product, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_products(state: State<'_, AppState>) -> AppResult<Vec<Product>> {
    let ctx = require(&state, Permission::CatalogRead).await?;
    state.observe(repo::products(&ctx.pool).await)
}

/// Adds a product. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_product(state: State<'_, AppState>, product: Product) -> AppResult<Product> {
    let ctx = require(&state, Permission::CatalogWrite).await?;
    state.observe(repo::create_product(&ctx.pool, &ctx.actor, product).await)
}

/// Edits a product; `active: false` retires it.
#[tauri::command]
#[specta::specta]
pub async fn update_product(state: State<'_, AppState>, product: Product) -> AppResult<Product> {
    let ctx = require(&state, Permission::CatalogWrite).await?;
    state.observe(repo::update_product(&ctx.pool, &ctx.actor, product).await)
}
