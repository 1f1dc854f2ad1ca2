use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_desk::backup::model::{
    BackupHealth, BackupPreview, BackupRecord, BackupSettings, BackupSettingsInput, KeptDatabase,
};
use podoclinic_desk::backup::service::{self, TypedLogin};
use podoclinic_desk::backup::source::{self, BackupSource};
use podoclinic_desk::state::AppState;

/// The clinic's backup settings ("Respaldos").
#[tauri::command]
#[specta::specta]
pub async fn get_backup_settings(state: State<'_, AppState>) -> AppResult<BackupSettings> {
    state.run(Permission::SettingsManage, (), |ctx, ()| async move { service::settings(&ctx).await }).await
}

/// Saves the backup settings; a passphrase makes the recovery key.
#[tauri::command]
#[specta::specta]
pub async fn save_backup_settings(
    state: State<'_, AppState>,
    settings: Arg<BackupSettingsInput>,
) -> AppResult<BackupSettings> {
    state
        .run(
            Permission::SettingsManage,
            settings.0,
            |ctx, input| async move { service::save_settings(&ctx, input).await },
        )
        .await
}

/// The backups on record, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(state: State<'_, AppState>) -> AppResult<Vec<BackupRecord>> {
    state.run(Permission::SettingsManage, (), |ctx, ()| async move { service::list(&ctx).await }).await
}

/// "Último respaldo verificado" (the dashboard shows it to whoever sees the dashboard).
#[tauri::command]
#[specta::specta]
pub async fn get_backup_health(state: State<'_, AppState>) -> AppResult<BackupHealth> {
    state
        .run_signed_in(
            (),
            |ctx, ()| async move { service::health(&ctx.pool, &ctx.actor.desk, chrono::Utc::now()).await },
        )
        .await
}

/// Takes a backup now, at this desk, into the clinic's folder.
#[tauri::command]
#[specta::specta]
pub async fn run_backup_now(state: State<'_, AppState>) -> AppResult<BackupRecord> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (), |ctx, ()| async move {
            service::ensure_configured(&ctx.pool).await?;
            let conn = service::maintenance(inner).await?;
            service::run(&inner.paths.data_dir, &ctx.pool, &ctx.actor, &conn).await
        })
        .await
}

/// Proves with the passphrase that the newest verified backup opens with the clinic's recovery
/// key (at the desk that takes them).
#[tauri::command]
#[specta::specta]
pub async fn prove_backup_key(state: State<'_, AppState>, passphrase: Arg<String>) -> AppResult<BackupRecord> {
    state
        .run(
            Permission::SettingsManage,
            passphrase.0,
            |ctx, phrase| async move { service::prove_key(&ctx, &phrase).await },
        )
        .await
}

/// Reads a backup (one on the list, or a file picked with `pick_file`) with the
/// passphrase and restores it into a database of its own, beside the clinic's: what it holds is
/// shown before anything is replaced. `login`: the schema owner's, on a LAN server.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    state: State<'_, AppState>,
    source: Arg<BackupSource>,
    passphrase: Arg<String>,
    login: Arg<Option<TypedLogin>>,
) -> AppResult<BackupPreview> {
    let inner = &*state;
    let args = (source.0, passphrase.0, login.0);
    state
        .run(Permission::SettingsManage, args, |ctx, (source, passphrase, login)| async move {
            let path = source::path_of(&ctx.pool, &inner.picked, &source).await?;
            let owner = service::owner(inner, login).await?;
            service::restore(&inner.paths.data_dir, &ctx, &path, &passphrase, &owner).await
        })
        .await
}

/// Puts a restored database in the clinic's place (the admin confirmed what is lost); answers
/// the name the replaced database is kept under.
#[tauri::command]
#[specta::specta]
pub async fn switch_to_restored(
    state: State<'_, AppState>,
    database: Arg<String>,
    login: Arg<Option<TypedLogin>>,
) -> AppResult<String> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (database.0, login.0), |ctx, (database, login)| async move {
            service::switch(&ctx, &database, &service::owner(inner, login).await?).await
        })
        .await
}

/// Drops a restored database the admin chose not to use.
#[tauri::command]
#[specta::specta]
pub async fn discard_restored(
    state: State<'_, AppState>,
    database: Arg<String>,
    login: Arg<Option<TypedLogin>>,
) -> AppResult<()> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (database.0, login.0), |_ctx, (database, login)| async move {
            service::discard(&database, &service::owner(inner, login).await?).await
        })
        .await
}

/// The databases earlier restores kept.
#[tauri::command]
#[specta::specta]
pub async fn list_kept_databases(
    state: State<'_, AppState>,
    login: Arg<Option<TypedLogin>>,
) -> AppResult<Vec<KeptDatabase>> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, login.0, |_ctx, login| async move {
            service::kept(&service::owner(inner, login).await?).await
        })
        .await
}

/// Drops a database an earlier restore kept.
#[tauri::command]
#[specta::specta]
pub async fn drop_kept_database(
    state: State<'_, AppState>,
    name: Arg<String>,
    login: Arg<Option<TypedLogin>>,
) -> AppResult<()> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (name.0, login.0), |ctx, (name, login)| async move {
            service::drop_kept(&ctx, &name, &service::owner(inner, login).await?).await
        })
        .await
}

/// On a LAN desk that takes the backups: the login to take them as (password to the OS keyring).
/// Answers whether a keyring took the password (without one, backups cannot run unattended).
#[tauri::command]
#[specta::specta]
pub async fn save_backup_login(
    state: State<'_, AppState>,
    user: Arg<String>,
    password: Arg<String>,
) -> AppResult<bool> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (user.0, password.0), |_ctx, (user, password)| async move {
            service::save_login(inner, user, password).await
        })
        .await
}
