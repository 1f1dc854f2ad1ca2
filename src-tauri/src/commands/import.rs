use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_clinic::import::model::{ImportMapping, ImportReport, SheetPreview};
use podoclinic_clinic::import::service;
use podoclinic_desk::state::AppState;

/// A spreadsheet's headers, first rows and the mappings its headers suggest ("Importar").
#[tauri::command]
#[specta::specta]
pub async fn preview_import(state: State<'_, AppState>, path: Arg<String>) -> AppResult<SheetPreview> {
    state
        .run(Permission::SettingsManage, path.0, |_ctx, path| async move {
            service::preview(std::path::Path::new(&path)).await
        })
        .await
}

/// What importing the file with this mapping (patients or appointments) would do (new, likely
/// duplicates, errors), changing nothing.
#[tauri::command]
#[specta::specta]
pub async fn dry_run_import(
    state: State<'_, AppState>,
    path: Arg<String>,
    mapping: Arg<ImportMapping>,
) -> AppResult<ImportReport> {
    state
        .run(Permission::SettingsManage, (path.0, mapping.0), |ctx, (path, mapping)| async move {
            service::dry_run(&ctx, std::path::Path::new(&path), &mapping).await
        })
        .await
}

/// Imports the file's new patients or appointments in batches; progress goes out as
/// `ImportProgressed` events and `cancel_import` stops it between two batches.
#[tauri::command]
#[specta::specta]
pub async fn run_import(
    state: State<'_, AppState>,
    path: Arg<String>,
    mapping: Arg<ImportMapping>,
) -> AppResult<ImportReport> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (path.0, mapping.0), |ctx, (path, mapping)| async move {
            let running = &inner.import;
            let _one = running.busy.try_lock().map_err(|_| AppError::conflict("import_running", None))?;
            running.cancel.store(false, std::sync::atomic::Ordering::SeqCst);
            let documents = podoclinic_desk::documents::folder(&inner.paths);
            let path = std::path::Path::new(&path);
            service::import(&ctx, &documents, path, &mapping, &running.cancel, |p| {
                running.progress.send_replace(p);
            })
            .await
        })
        .await
}

/// Stops the import under way after the batch being written.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(state: State<'_, AppState>) -> AppResult<()> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (), |_ctx, ()| async move {
            inner.import.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        })
        .await
}
