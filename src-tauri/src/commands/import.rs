use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_clinic::import::model::{ImportMapping, ImportReport, SheetPreview};
use podoclinic_clinic::import::service;
use podoclinic_desk::picked::PickFor;
use podoclinic_desk::state::AppState;
use uuid::Uuid;

/// A spreadsheet's headers, first rows and the mappings its headers suggest ("Importar"). `file`:
/// the token `pick_file` gave for it.
#[tauri::command]
#[specta::specta]
pub async fn preview_import(state: State<'_, AppState>, file: Arg<Uuid>) -> AppResult<SheetPreview> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, file.0, |_ctx, file| async move {
            service::preview(&inner.picked.path(file, PickFor::Spreadsheet)?).await
        })
        .await
}

/// What importing the file with this mapping (patients or appointments) would do (new, likely
/// duplicates, errors), changing nothing.
#[tauri::command]
#[specta::specta]
pub async fn dry_run_import(
    state: State<'_, AppState>,
    file: Arg<Uuid>,
    mapping: Arg<ImportMapping>,
) -> AppResult<ImportReport> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (file.0, mapping.0), |ctx, (file, mapping)| async move {
            service::dry_run(&ctx, &inner.picked.path(file, PickFor::Spreadsheet)?, &mapping).await
        })
        .await
}

/// Imports the file's new patients or appointments in batches; progress goes out as
/// `ImportProgressed` events and `cancel_import` stops it between two batches.
#[tauri::command]
#[specta::specta]
pub async fn run_import(
    state: State<'_, AppState>,
    file: Arg<Uuid>,
    mapping: Arg<ImportMapping>,
) -> AppResult<ImportReport> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (file.0, mapping.0), |ctx, (file, mapping)| async move {
            let path = inner.picked.path(file, PickFor::Spreadsheet)?;
            let running = &inner.import;
            let _one = running.busy.try_lock().map_err(|_| AppError::conflict("import_running", None))?;
            running.cancel.store(false, std::sync::atomic::Ordering::SeqCst);
            let documents = podoclinic_desk::documents::folder(&inner.paths);
            service::import(&ctx, &documents, &path, &mapping, &running.cancel, |p| {
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
