use tauri::State;
use uuid::Uuid;

use crate::commands::arg::Arg;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::outbox::{self, Kept, StoreStatus, Write};

/// What the outbox holds and how old the desk store is (the banner).
#[tauri::command]
#[specta::specta]
pub async fn get_desk_store(state: State<'_, AppState>) -> AppResult<StoreStatus> {
    outbox::store_status(&state).await
}

/// "Pendientes y conflictos": writes kept at this desk and not on the server yet, and those it refused.
#[tauri::command]
#[specta::specta]
pub async fn list_outbox(state: State<'_, AppState>) -> AppResult<Vec<Kept>> {
    outbox::tray(&state).await
}

/// Sends a refused write again, corrected.
#[tauri::command]
#[specta::specta]
pub async fn retry_outbox(state: State<'_, AppState>, id: Arg<Uuid>, write: Arg<Write>) -> AppResult<()> {
    outbox::amend(&state, id.0, write.0).await
}

/// Gives up a refused write with a reason (audited on the server).
#[tauri::command]
#[specta::specta]
pub async fn discard_outbox(state: State<'_, AppState>, id: Arg<Uuid>, reason: Arg<String>) -> AppResult<()> {
    let offline = state.store.get().cloned().ok_or_else(|| AppError::not_found("outbox"))?;
    state
        .run_signed_in((id.0, reason.0), |ctx, (id, reason)| {
            let offline = offline.clone();
            async move { outbox::discard(&ctx, &offline, id, reason).await }
        })
        .await
}
