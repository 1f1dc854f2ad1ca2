//! From "the app started" to "the pool is ready": pick the database, start the local cluster if it
//! is the embedded one, apply migrations (or refuse a newer schema), then watch the connection.

use std::time::Duration;

use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::db::cluster::{Cluster, ClusterError};
use crate::db::connection::{
    ConnectionProfile, DATABASE_URL_ENV, DeskConfig, ServerProfile, connect_error, keyring_password,
};
use crate::db::health::{self, DbStatus};
use crate::db::tls::TlsRefusal;
use crate::db::{self, Schema, Target};
use crate::state::AppState;
use podoclinic_clinic::error::{AppError, AppResult, is_connection_error, log_fault};

/// Where to connect, or the status to show when that cannot be known yet.
pub async fn resolve(state: &AppState) -> Result<Target, DbStatus> {
    let failed = |e: &dyn std::fmt::Display| DbStatus::Failed { log_id: log_fault(e) };
    if let Ok(url) = std::env::var(DATABASE_URL_ENV)
        && !url.is_empty()
    {
        tracing::info!("database from {DATABASE_URL_ENV}");
        return url.parse::<PgConnectOptions>().map(Target::single).map_err(|e| failed(&e));
    }
    let config = DeskConfig::load_async(&state.paths.config_dir).await.map_err(|e| failed(&e))?;
    match config.connection {
        ConnectionProfile::Server(server) => match keyring_password(&server).await {
            Some(password) => match server.options(Some(&password)).await {
                Ok(desk) => Ok(Target::desk_only(desk)),
                Err(reason) => Err(DbStatus::TlsRefused { reason }),
            },
            None => Err(DbStatus::NeedsPassword),
        },
        ConnectionProfile::Local => {
            let cluster = Cluster::for_desk(&state.paths.data_dir).await.map_err(|e| match e {
                ClusterError::NoUnprivilegedUser | ClusterError::NoBinaries => DbStatus::NoPostgres,
                ClusterError::VersionMissing { cluster, installed } => {
                    tracing::warn!(cluster, ?installed, "the local cluster's PostgreSQL is not installed");
                    DbStatus::PostgresVersionMissing { cluster_major: cluster, installed }
                }
                other => failed(&other),
            })?;
            let target = cluster.start().await.map_err(|e| failed(&e))?;
            let _ = state.cluster.set(cluster);
            Ok(target)
        }
    }
}

/// Prepares the schema (retrying while the server is unreachable), builds and installs the one
/// pool and starts the health monitor. Returns once the pool is installed or startup stopped.
pub async fn connect(state: &AppState, target: Target, demo: bool) {
    let mut backoff = Duration::from_millis(500);
    let ready = loop {
        match db::prepare(&target).await {
            Ok(Schema::Current) => break DbStatus::Online,
            Ok(Schema::TooNew { database, app }) => {
                break DbStatus::UpdateRequired { database_version: database, app_version: app };
            }
            Ok(Schema::NeedsOwner { database, app }) => {
                tracing::warn!(database, app, "the schema needs the owner's upgrade");
                *state.awaiting_owner.lock().expect("never poisoned") = Some(target);
                state.health.set(DbStatus::SchemaUpgradeRequired { database_version: database, app_version: app });
                return;
            }
            Err(e)
                if is_connection_error(&e)
                    && let Some(reason) = target.tls_refusal() =>
            {
                tracing::warn!(error = %e, ?reason, "the server's TLS was refused");
                state.health.set(DbStatus::TlsRefused { reason });
                return;
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
    let pool = podoclinic_clinic::db::pool(target.desk);
    if let Some(tunnel) = target.tunnel {
        let _ = state.tunnel.set(tunnel);
    }
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
        tokio::spawn(health::run(pool.clone(), state.health.clone()));
        // Subscribed before the listener starts: its first "everything" is the first refresh.
        if let Some(offline) = state.store.get() {
            tokio::spawn(crate::store::sync::run(
                pool.clone(),
                offline.clone(),
                state.desk.clone(),
                state.live.subscribe(),
            ));
        }
        tokio::spawn(crate::db::live::run(pool, state.live.clone()));
    }
}

/// The whole startup, run once in the background when the app starts.
pub async fn start(state: &AppState, demo: bool) {
    match resolve(state).await {
        Ok(options) => {
            // The desk's own cluster (the embedded default) is kept up from now on.
            if let Some(cluster) = state.cluster.get().cloned() {
                let health = state.health.clone();
                tokio::spawn(async move { cluster.supervise(health).await });
            }
            connect(state, options, demo).await
        }
        Err(status) => {
            tracing::warn!(status = ?status, "database not available at start");
            state.health.set(status);
        }
    }
}

/// "Actualizar base de datos": with the owner's credentials, typed by an admin at a desk whose
/// login may not change the schema, creates or upgrades it, then connects the desk as before (as
/// its own login). The credentials are used for this once and kept nowhere.
pub async fn upgrade_schema(state: &AppState, owner: &str, password: &str) -> AppResult<()> {
    if owner.trim().is_empty() {
        return Err(AppError::validation("user", "required"));
    }
    let Some(desk) = state.awaiting_owner.lock().expect("never poisoned").clone() else {
        return Err(AppError::conflict("schema_current", None));
    };
    let as_owner = desk.desk.clone().username(owner.trim()).password(password);
    let target = Target { desk: as_owner.clone(), owner: Some(as_owner), tunnel: desk.tunnel.clone() };
    match db::prepare(&target).await {
        Ok(Schema::Current) => {}
        Ok(Schema::TooNew { .. }) => return Err(AppError::UpdateRequired),
        Ok(Schema::NeedsOwner { .. }) => unreachable!("prepare with an owner migrates"),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501") => {
            tracing::info!(error = %e, "the upgrade's login does not own the schema");
            return Err(AppError::validation("user", "not_schema_owner"));
        }
        Err(e) => return Err(connect_error(e, &target)),
    }
    tracing::info!("schema upgraded with the owner's credentials");
    if state.awaiting_owner.lock().expect("never poisoned").take().is_some() {
        state.health.set(DbStatus::Starting);
        connect(state, desk, false).await;
    }
    Ok(())
}

/// Checks a password typed at start (no keyring) by connecting once, then connects the desk.
pub async fn connect_with_password(state: &AppState, server: &ServerProfile, password: &str) -> AppResult<()> {
    let target = Target::desk_only(server.options(Some(password)).await.map_err(TlsRefusal::error)?);
    let conn = PgConnection::connect_with(&target.desk).await.map_err(|e| connect_error(e, &target))?;
    let _ = conn.close().await;
    state.health.set(DbStatus::Starting);
    connect(state, target, false).await;
    Ok(())
}

/// Opens the desk's own store, encrypted under the key the OS keyring keeps for this desk. Without
/// it (no keyring, or the store did not open) the desk still works with the server, as before:
/// search asks the server, and nothing can be kept for an outage (logged).
pub async fn open_store(state: &AppState) {
    let key = match crate::store::key::from_keyring(&state.paths.data_dir).await {
        Ok(key) => key,
        Err(e) => {
            tracing::error!(error = %e, "the desk's store stays closed: its key has no keyring to be kept in");
            return;
        }
    };
    match crate::store::DeskStore::open(&state.paths.data_dir.join("store"), &key).await {
        Ok(offline) => {
            let _ = state.store.set(std::sync::Arc::new(offline));
        }
        Err(e) => tracing::error!(error = %e, "the desk's store did not open"),
    }
}

/// This desk's data folder, held by one app process for its life (an OS file lock, released
/// when the process ends however it ends). Whoever holds it owns the desk's own cluster: starts
/// it, supervises it, stops it on exit. A second process for the same folder must not run.
pub struct DeskLock {
    _file: std::fs::File,
}

/// Takes the lock on `data_dir`; `Ok(None)` when another process holds it.
pub fn lock_desk(data_dir: &std::path::Path) -> std::io::Result<Option<DeskLock>> {
    std::fs::create_dir_all(data_dir)?;
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(data_dir.join("desk.lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DeskLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// The PostgreSQL upgrade the admin window offers: the embedded cluster runs an older major than
/// the newest installed one (both installed: the older still runs it, see `db::cluster::binaries_for`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PostgresUpgrade {
    pub cluster_major: u32,
    pub newest_major: u32,
}

pub async fn postgres_upgrade_offer(state: &AppState) -> Option<PostgresUpgrade> {
    let (cluster_major, newest_major, _) = state.cluster.get()?.upgrade_offer().await?;
    Some(PostgresUpgrade { cluster_major, newest_major })
}

/// What an upgrade did; the app restarts next, to run the new binaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PostgresUpgraded {
    pub from: u32,
    pub to: u32,
    /// Where the old data folder is kept.
    pub kept: String,
}

/// Upgrades the embedded cluster to the newest installed major: a verified backup first (when
/// backups are set up; a failed one stops the upgrade), then dump and restore into the new
/// major's cluster (`Cluster::upgrade_to`), the old folder kept. Audited before it starts.
#[tracing::instrument(skip_all)]
pub async fn upgrade_postgres(state: &AppState, ctx: &podoclinic_clinic::auth::Ctx) -> AppResult<PostgresUpgraded> {
    let Some(local) = state.cluster.get() else {
        return Err(AppError::conflict("no_local_cluster", None));
    };
    let Some((from, to, bin)) = local.upgrade_offer().await else {
        return Err(AppError::conflict("no_postgres_upgrade", None));
    };
    let backups = crate::backup::service::health(&ctx.pool, &ctx.actor.desk, chrono::Utc::now()).await?;
    if backups.configured {
        let conn = local.owner_conn().map_err(AppError::internal)?;
        let taken = crate::backup::service::run(&state.paths.data_dir, &ctx.pool, &ctx.actor, &conn).await?;
        if taken.outcome != crate::backup::model::Outcome::Verified {
            return Err(AppError::conflict("backup_not_verified", None));
        }
    }
    let entry =
        podoclinic_clinic::audit::Entry::new(podoclinic_clinic::audit::Action::PostgresUpgrade, "database", "clinic")
            .after(&serde_json::json!({ "from": from, "to": to }));
    podoclinic_clinic::audit::record(&ctx.pool, &ctx.actor, entry).await?;
    // The old server stops under the pool: the desk shows "offline" until the restart (or, if the
    // upgrade fails, until the old cluster is back).
    let upgraded = local.upgrade_to(&bin).await.map_err(AppError::internal)?;
    Ok(PostgresUpgraded { from: upgraded.from, to: upgraded.to, kept: upgraded.kept.display().to_string() })
}
