use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::podiatrists::model::Podiatrist;
use podoclinic_clinic::podiatrists::service;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::View;

/// Every podiatrist, active first.
#[tauri::command]
#[specta::specta]
pub async fn list_podiatrists(state: State<'_, AppState>) -> AppResult<Vec<Podiatrist>> {
    state
        .run_or_store(
            Permission::PodiatristsRead,
            (),
            |ctx, ()| async move { service::list(&ctx).await },
            |store, ()| async move { store.view(View::Podiatrists).await },
        )
        .await
}

/// Adds a podiatrist. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_podiatrist(state: State<'_, AppState>, podiatrist: Arg<Podiatrist>) -> AppResult<Podiatrist> {
    let podiatrist = podiatrist.0;
    state
        .run(Permission::PodiatristsWrite, podiatrist, |ctx, podiatrist| async move {
            service::create(&ctx, podiatrist).await
        })
        .await
}

/// Edits a podiatrist; `active: false` archives them.
#[tauri::command]
#[specta::specta]
pub async fn update_podiatrist(state: State<'_, AppState>, podiatrist: Arg<Podiatrist>) -> AppResult<Podiatrist> {
    let podiatrist = podiatrist.0;
    state
        .run(Permission::PodiatristsWrite, podiatrist, |ctx, podiatrist| async move {
            service::update(&ctx, podiatrist).await
        })
        .await
}
