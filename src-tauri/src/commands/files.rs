use crate::commands::arg::Arg;
use tauri::{Runtime, State, Window};

use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::picked::{PickFor, PickedFile};
use podoclinic_desk::state::AppState;

/// Opens the system's file dialog over `window` for a file to use as `what` (a backup to restore,
/// a spreadsheet to import): `None` if the person closed it. The path stays at this desk; the
/// webview gets the file's name and a token for that one use. `title`: the dialog's, in the UI's
/// language. The permission of the use (`PickFor::permission`) is checked before the dialog opens.
#[tauri::command]
#[specta::specta]
pub async fn pick_file<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    what: Arg<PickFor>,
    title: Arg<String>,
) -> AppResult<Option<PickedFile>> {
    let (what, mut title) = (what.0, title.0);
    state.run(what.permission(), (), |_ctx, ()| async move { Ok(()) }).await?;
    podoclinic_clinic::validate::required(&mut title, "title", 200)?;
    let (answer, answered) = tokio::sync::oneshot::channel();
    let parent = window.clone();
    // As tauri's dialog plugin does it: the dialog is made on the main (GTK) thread, awaited on a
    // thread of its own.
    window
        .run_on_main_thread(move || {
            let extensions = what.extensions();
            let dialog = rfd::AsyncFileDialog::new()
                .set_parent(&parent)
                .set_title(title)
                .add_filter(extensions.join(", "), extensions)
                .pick_file();
            std::thread::spawn(move || {
                let _ = answer.send(tauri::async_runtime::block_on(dialog).map(|file| file.path().to_path_buf()));
            });
        })
        .map_err(AppError::internal)?;
    let picked = answered.await.map_err(AppError::internal)?;
    Ok(picked.map(|path| state.picked.remember(what, path)))
}
