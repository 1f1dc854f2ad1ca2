use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::audit::AuditRow;
use podoclinic_clinic::audit::service::ChainCheck;
use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_desk::state::AppState;

/// The newest audit entries (admin).
#[tauri::command]
#[specta::specta]
pub async fn list_audit_log(state: State<'_, AppState>, limit: Arg<u32>) -> AppResult<Vec<AuditRow>> {
    let limit = limit.0;
    state
        .run(Permission::AuditRead, limit, |ctx, limit| async move {
            podoclinic_clinic::audit::service::recent(&ctx, limit).await
        })
        .await
}

/// Walks the whole audit log's chain and names the first row that was edited, deleted, slipped in
/// or written outside it ("Verificar bitácora").
#[tauri::command]
#[specta::specta]
pub async fn verify_audit_log(state: State<'_, AppState>) -> AppResult<ChainCheck> {
    state
        .run(Permission::AuditRead, (), |ctx, ()| async move { podoclinic_clinic::audit::service::verify(&ctx).await })
        .await
}
