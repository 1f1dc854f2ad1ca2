use tauri::State;

use super::model::Podiatrist;
use super::repo;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Every podiatrist, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_podiatrists(state: State<'_, AppState>) -> AppResult<Vec<Podiatrist>> {
    let ctx = require(&state, Permission::PodiatristsRead).await?;
    state.observe(repo::list(&ctx.pool).await)
}

/// Adds a podiatrist. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_podiatrist(state: State<'_, AppState>, podiatrist: Podiatrist) -> AppResult<Podiatrist> {
    let ctx = require(&state, Permission::PodiatristsWrite).await?;
    state.observe(repo::create(&ctx.pool, &ctx.actor, podiatrist).await)
}

/// Edits a podiatrist; `active: false` archives them.
#[tauri::command]
#[specta::specta]
pub async fn update_podiatrist(state: State<'_, AppState>, podiatrist: Podiatrist) -> AppResult<Podiatrist> {
    let ctx = require(&state, Permission::PodiatristsWrite).await?;
    state.observe(repo::update(&ctx.pool, &ctx.actor, podiatrist).await)
}
