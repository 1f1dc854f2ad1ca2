//! Desk-level commands: database status, the connection profile, restarting, the admin window.

use crate::commands::arg::Arg;
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::db::connection::{
    self, ConnectionProfile, ConnectionTest, DeskConfig, ServerProfile, store_keyring_password,
};
use podoclinic_desk::db::health::DbStatus;
use podoclinic_desk::startup;
use podoclinic_desk::state::AppState;

/// The database status right now (the UI also gets every change as a `DbStatus` event).
#[tauri::command]
#[specta::specta]
pub async fn get_db_status(state: State<'_, AppState>) -> AppResult<DbStatus> {
    Ok(state.health.current())
}

/// While the desk is connected, only an admin may see or change where it connects (true: an admin
/// was checked). Before that (first set-up, server away) the desk can be looked at by whoever stands
/// at it; changing a profile that once reached a server then needs that server's password
/// (`connection::guard_change`).
async fn may_configure(state: &AppState) -> AppResult<bool> {
    if state.has_pool() && state.health.current() == DbStatus::Online {
        state.run(Permission::SettingsManage, (), |_, ()| async { Ok(()) }).await?;
        return Ok(true);
    }
    Ok(false)
}

/// "Exportar diagnóstico": a zip of the last days' logs, the versions and this desk's settings
/// (no secrets) in the documents folder. Who may see the settings may export it.
#[tauri::command]
#[specta::specta]
pub async fn export_diagnostics(state: State<'_, AppState>) -> AppResult<podoclinic_clinic::documents::SavedDocument> {
    may_configure(&state).await?;
    podoclinic_desk::diagnostics::export(&state, env!("CARGO_PKG_VERSION")).await
}

/// This desk's settings file.
#[tauri::command]
#[specta::specta]
pub async fn get_desk_config(state: State<'_, AppState>) -> AppResult<DeskConfig> {
    may_configure(&state).await?;
    DeskConfig::load_async(&state.paths.config_dir).await
}

/// What saving did with the password.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedDeskConfig {
    /// The password went to the OS keyring; false means it will be asked at each start.
    pub password_in_keyring: bool,
    /// The new profile applies after a restart (the pool is built once).
    pub restart_needed: bool,
}

/// Saves the desk's settings. The password goes to the OS keyring, never to the file.
/// `current_password`: the saved server's database password, needed to change a profile while
/// no admin can sign in (the server is away).
#[tauri::command]
#[specta::specta]
pub async fn save_desk_config(
    state: State<'_, AppState>,
    config: Arg<DeskConfig>,
    password: Arg<Option<String>>,
    current_password: Arg<Option<String>>,
) -> AppResult<SavedDeskConfig> {
    let config = config.0;
    let password = password.0;
    let current_password = current_password.0;
    let admin = may_configure(&state).await?;
    let before = DeskConfig::load_async(&state.paths.config_dir).await?;
    connection::guard_change(&before, &config, admin, current_password.as_deref(), password.as_deref()).await?;
    // Another clinic: nothing of this one stays on the desk's disk (refused while its writes wait).
    if !before.connection.same_clinic(&config.connection)
        && let Some(store) = state.store.get()
    {
        store.wipe().await?;
    }
    config.clone().save_async(&state.paths.config_dir).await?;
    let password_in_keyring = match (&config.connection, password) {
        (ConnectionProfile::Server(server), Some(p)) if !p.is_empty() => store_keyring_password(server, p).await,
        _ => false,
    };
    tracing::info!(desk = %config.desk_name, "desk settings saved");
    Ok(SavedDeskConfig { password_in_keyring, restart_needed: before.connection != config.connection })
}

/// Connects once with the given settings (no pool) and reports what is there.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    server: Arg<ServerProfile>,
    password: Arg<Option<String>>,
) -> AppResult<ConnectionTest> {
    let server = server.0;
    let password = password.0;
    may_configure(&state).await?;
    connection::try_server(&server, password.as_deref()).await
}

/// When no keyring holds the server password: connect with the one typed now (kept in memory).
#[tauri::command]
#[specta::specta]
pub async fn provide_db_password(state: State<'_, AppState>, password: Arg<String>) -> AppResult<DbStatus> {
    let password = password.0;
    if state.health.current() != DbStatus::NeedsPassword {
        return Ok(state.health.current());
    }
    let ConnectionProfile::Server(server) = DeskConfig::load_async(&state.paths.config_dir).await?.connection else {
        return Ok(state.health.current());
    };
    startup::connect_with_password(&state, &server, &password).await?;
    Ok(state.health.current())
}

/// "Actualizar base de datos": the owner's login and password, used once to create or upgrade the
/// schema this desk's login may not change; never stored. Offered only while the desk says so.
#[tauri::command]
#[specta::specta]
pub async fn upgrade_database(
    state: State<'_, AppState>,
    owner: Arg<String>,
    password: Arg<String>,
) -> AppResult<DbStatus> {
    let owner = owner.0;
    let password = password.0;
    startup::upgrade_schema(&state, &owner, &password).await?;
    Ok(state.health.current())
}

/// Restarts the app so a new connection profile takes effect.
#[tauri::command]
#[specta::specta]
pub async fn restart_app<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> AppResult<()> {
    may_configure(&state).await?;
    app.request_restart();
    Ok(())
}

/// Opens (or focuses) the admin settings window.
#[tauri::command]
#[specta::specta]
pub async fn open_admin_window<R: Runtime>(app: AppHandle<R>) -> AppResult<()> {
    if let Some(window) = app.get_webview_window("admin") {
        return window.set_focus().map_err(AppError::internal);
    }
    WebviewWindowBuilder::new(&app, "admin", WebviewUrl::App("index.html".into()))
        .title("Podoclinic — Administración")
        .inner_size(1000.0, 720.0)
        .build()
        .map_err(AppError::internal)?;
    Ok(())
}

/// The PostgreSQL upgrade this desk's embedded cluster can take (a newer major is installed).
#[tauri::command]
#[specta::specta]
pub async fn get_postgres_upgrade(state: State<'_, AppState>) -> AppResult<Option<startup::PostgresUpgrade>> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (), |_ctx, ()| async move { Ok(startup::postgres_upgrade_offer(inner).await) })
        .await
}

/// Upgrades the embedded cluster to the newest installed PostgreSQL (backup first, old folder
/// kept); the UI restarts the app afterwards.
#[tauri::command]
#[specta::specta]
pub async fn upgrade_postgres(state: State<'_, AppState>) -> AppResult<startup::PostgresUpgraded> {
    let inner = &*state;
    state
        .run(Permission::SettingsManage, (), |ctx, ()| async move { startup::upgrade_postgres(inner, &ctx).await })
        .await
}
