//! From "the app started" to "the pool is ready": pick the database, start the local cluster if it
//! is the embedded one, apply migrations (or refuse a newer schema), then watch the connection.

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use crate::db::local::{LocalCluster, LocalError, find_binaries};
use crate::db::monitor::{self, DbStatus};
use crate::db::profile::{ConnectionProfile, DATABASE_URL_ENV, DeskConfig, keyring_password};
use crate::db::{self, Schema};
use crate::error::{is_connection_error, log_fault};
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
