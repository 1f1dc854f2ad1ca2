use tauri::State;

use super::AuditRow;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// The newest audit entries (admin).
#[tauri::command]
#[specta::specta]
pub async fn list_audit_log(state: State<'_, AppState>, limit: u32) -> AppResult<Vec<AuditRow>> {
    let ctx = require(&state, Permission::AuditRead).await?;
    state.observe(super::recent(&ctx.pool, i64::from(limit.clamp(1, 1000))).await)
}
