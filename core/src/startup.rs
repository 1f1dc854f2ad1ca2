//! From "the app started" to "the pool is ready": pick the database, start the local cluster if it
//! is the embedded one, apply migrations (or refuse a newer schema), then watch the connection.

use std::time::Duration;

use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::db::local::{LocalCluster, LocalError, find_binaries};
use crate::db::monitor::{self, DbStatus};
use crate::db::profile::{ConnectionProfile, DATABASE_URL_ENV, DeskConfig, ServerProfile, keyring_password};
use crate::db::{self, Schema};
use crate::error::{AppError, AppResult, is_connection_error, log_fault};
use crate::state::AppState;

/// Where to connect, or the status to show when that cannot be known yet.
pub async fn resolve(state: &AppState) -> Result<PgConnectOptions, DbStatus> {
    let failed = |e: &dyn std::fmt::Display| DbStatus::Failed { log_id: log_fault(e) };
    if let Ok(url) = std::env::var(DATABASE_URL_ENV) {
        tracing::info!("database from {DATABASE_URL_ENV}");
        return url.parse::<PgConnectOptions>().map_err(|e| failed(&e));
    }
    let config = DeskConfig::load_async(&state.paths.config_dir).await.map_err(|e| failed(&e))?;
    match config.connection {
        ConnectionProfile::Server(server) => match keyring_password(&server).await {
            Some(password) => Ok(server.options(Some(&password))),
            None => Err(DbStatus::NeedsPassword),
        },
        ConnectionProfile::Local => {
            let bin = find_binaries().ok_or(DbStatus::NoPostgres)?;
            let cluster = LocalCluster::plan(bin, &state.paths.data_dir).map_err(|e| match e {
                LocalError::NoUnprivilegedUser => DbStatus::NoPostgres,
                other => failed(&other),
            })?;
            let options = cluster.start().await.map_err(|e| failed(&e))?;
            let _ = state.local.set(cluster);
            Ok(options)
        }
    }
}

/// Builds the one pool, prepares the schema (retrying while the server is unreachable), installs
/// the pool and starts the health monitor. Returns once the pool is installed or startup failed.
pub async fn connect(state: &AppState, options: PgConnectOptions, demo: bool) {
    let pool = db::pool(options);
    let mut backoff = Duration::from_millis(500);
    let ready = loop {
        match db::prepare(&pool).await {
            Ok(Schema::Current) => break DbStatus::Online,
            Ok(Schema::TooNew { database, app }) => {
                break DbStatus::UpdateRequired { database_version: database, app_version: app };
            }
            Err(e) if is_connection_error(&e) => {
                if !matches!(state.health.current(), DbStatus::Offline { .. }) {
                    tracing::warn!(error = %e, "database unreachable at start; retrying");
                    state.health.set(DbStatus::Offline { since: chrono::Utc::now() });
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                state.health.set(DbStatus::Failed { log_id: log_fault(&e) });
                return;
            }
        }
    };
    if demo
        && ready == DbStatus::Online
        && let Err(e) = crate::demo::seed(&pool, &state.desk).await
    {
        tracing::warn!(error = %e, "demo clinic not seeded");
    }
    // The pool is installed before the status says "online": the UI starts calling commands the
    // moment it hears that.
    if state.install_pool(pool.clone()) {
        state.health.set(ready);
        tokio::spawn(monitor::run(pool.clone(), state.health.clone()));
        tokio::spawn(crate::db::live::run(pool, state.live.clone()));
    }
}

/// The whole startup, run once in the background when the app starts.
pub async fn start(state: &AppState, demo: bool) {
    match resolve(state).await {
        Ok(options) => connect(state, options, demo).await,
        Err(status) => {
            tracing::warn!(status = ?status, "database not available at start");
            state.health.set(status);
        }
    }
}

/// Why a connection attempt from the connection screens failed, as an error on the field to fix.
fn connect_error(e: sqlx::Error) -> AppError {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("28P01") => {
            AppError::validation("password", "wrong_db_password")
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            AppError::validation("database", "unknown_database")
        }
        _ => {
            tracing::info!(error = %e, "connection attempt failed");
            AppError::validation("host", "connection_failed")
        }
    }
}

/// What "test connection" found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTest {
    pub server_version: String,
    /// `empty` (new database), `current`, `older` (this desk will migrate it) or `newer` (update this desk).
    pub schema: String,
}

/// Connects once with the given settings (no pool) and reports what is there.
pub async fn try_server(server: &ServerProfile, password: Option<&str>) -> AppResult<ConnectionTest> {
    server.validate()?;
    let options = server.options(password);
    let attempt = async {
        let mut conn = PgConnection::connect_with(&options).await?;
        let server_version = db::server_version(&mut conn).await?;
        let db_version = db::database_schema_version(&mut conn).await?;
        conn.close().await?;
        Ok::<_, sqlx::Error>((server_version, db_version))
    };
    let (server_version, db_version) = match tokio::time::timeout(Duration::from_secs(8), attempt).await {
        Err(_) => return Err(AppError::validation("host", "connection_timeout")),
        Ok(Err(e)) => return Err(connect_error(e)),
        Ok(Ok(found)) => found,
    };
    let app = db::app_schema_version();
    let schema = match db_version {
        0 => "empty",
        v if v == app => "current",
        v if v < app => "older",
        _ => "newer",
    };
    Ok(ConnectionTest { server_version, schema: schema.into() })
}

/// Checks a password typed at start (no keyring) by connecting once.
pub async fn check_password(options: &PgConnectOptions) -> AppResult<()> {
    let conn = PgConnection::connect_with(options).await.map_err(connect_error)?;
    let _ = conn.close().await;
    Ok(())
}
