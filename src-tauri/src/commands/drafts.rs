use tauri::State;

use crate::commands::arg::Arg;
use podoclinic_clinic::error::AppResult;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::drafts::{self, Draft};

/// Saves a form as it is being typed (this user's, on this desk).
#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    state: State<'_, AppState>,
    form: Arg<String>,
    subject: Arg<String>,
    body: Arg<serde_json::Value>,
) -> AppResult<()> {
    drafts::save(&state, &form.0, &subject.0, body.0).await
}

/// The draft this user left in a form, if any.
#[tauri::command]
#[specta::specta]
pub async fn get_draft(
    state: State<'_, AppState>,
    form: Arg<String>,
    subject: Arg<String>,
) -> AppResult<Option<Draft>> {
    drafts::find(&state, &form.0, &subject.0).await
}

/// The form was saved or abandoned: its draft goes.
#[tauri::command]
#[specta::specta]
pub async fn clear_draft(state: State<'_, AppState>, form: Arg<String>, subject: Arg<String>) -> AppResult<()> {
    drafts::clear(&state, &form.0, &subject.0).await
}
