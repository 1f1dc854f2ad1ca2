use tauri::State;

use podoclinic_core::audit::AuditRow;
use podoclinic_core::auth::Permission;
use podoclinic_core::error::AppResult;
use podoclinic_core::state::AppState;

/// The newest audit entries (admin).
#[tauri::command]
#[specta::specta]
pub async fn list_audit_log(state: State<'_, AppState>, limit: u32) -> AppResult<Vec<AuditRow>> {
    state
        .run(Permission::AuditRead, limit, |ctx, limit| async move {
            podoclinic_core::audit::service::recent(&ctx, limit).await
        })
        .await
}
