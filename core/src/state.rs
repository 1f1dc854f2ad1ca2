//! What Tauri manages for the app's life: the one pool, the desk's session and its database health.

use std::path::PathBuf;
use std::sync::OnceLock;

use sqlx::PgPool;

use crate::auth::{self, Ctx, Permission, SessionStore};
use crate::db::live::AgendaChanged;
use crate::db::local::LocalCluster;
use crate::db::monitor::{DbStatus, Health};
use crate::error::{AppError, AppResult};

/// Where this desk keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

pub struct AppState {
    pool: OnceLock<PgPool>,
    pub health: Health,
    pub sessions: SessionStore,
    /// The desk's name as the audit log records it.
    pub desk: String,
    pub paths: Paths,
    /// Set when this desk started the embedded cluster, so it can stop it on exit.
    pub local: OnceLock<LocalCluster>,
    /// Changes announced by the database (any desk's writes), for the UI to refresh.
    pub live: tokio::sync::broadcast::Sender<AgendaChanged>,
}

impl AppState {
    pub fn new(paths: Paths, desk: String) -> Self {
        Self {
            pool: OnceLock::new(),
            health: Health::default(),
            sessions: SessionStore::default(),
            desk,
            paths,
            local: OnceLock::new(),
            live: tokio::sync::broadcast::Sender::new(64),
        }
    }

    /// A state already connected to `pool` (tests and tools). The database counts as online.
    pub fn with_pool(pool: PgPool, paths: Paths, desk: &str) -> Self {
        let state = Self::new(paths, desk.into());
        state.install_pool(pool);
        state.health.set(DbStatus::Online);
        state
    }

    /// Sets the pool once; a second call is ignored (there is only ever one pool).
    pub fn install_pool(&self, pool: PgPool) -> bool {
        self.pool.set(pool).is_ok()
    }

    pub fn has_pool(&self) -> bool {
        self.pool.get().is_some()
    }

    /// The pool, if the database may be used now. Offline fails fast (and asks for a re-check)
    /// instead of making the user wait for a timeout; a newer schema refuses every write.
    pub fn db(&self) -> AppResult<PgPool> {
        match self.health.current() {
            DbStatus::UpdateRequired { .. } => return Err(AppError::UpdateRequired),
            DbStatus::Offline { .. } => {
                self.health.kick.notify_one();
                return Err(AppError::Offline);
            }
            _ => {}
        }
        self.pool.get().cloned().ok_or(AppError::Offline)
    }

    /// Notes a lost database seen on the way, so the banner shows without waiting for the probe.
    fn observe<T>(&self, result: AppResult<T>) -> AppResult<T> {
        if matches!(result, Err(AppError::Offline)) {
            self.health.report_lost();
        }
        result
    }

    /// Every command's guard and bookkeeping: a live session whose role holds `permission`, then
    /// `work` with that context. A lost database seen anywhere on the way (the guard's own check
    /// included) marks the desk offline at once, so no command can leave the banner silent.
    pub async fn run<T, F, Fut>(&self, permission: Permission, work: F) -> AppResult<T>
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let result = match auth::require(self, permission).await {
            Ok(ctx) => work(ctx).await,
            Err(e) => Err(e),
        };
        self.observe(result)
    }

    /// `run` for what any signed-in user may do (their own password, the clinic's name).
    pub async fn run_signed_in<T, F, Fut>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let result = match auth::signed_in(self).await {
            Ok(ctx) => work(ctx).await,
            Err(e) => Err(e),
        };
        self.observe(result)
    }

    /// `run` for the few commands that come before a session (first admin, login, unlock): they
    /// get the pool and this desk's name, and the same offline bookkeeping.
    pub async fn run_before_session<T, F, Fut>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(Desk) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let result = match self.db() {
            Ok(pool) => work(Desk { pool, name: self.desk.clone() }).await,
            Err(e) => Err(e),
        };
        self.observe(result)
    }
}

/// What a command that runs before any session gets: the pool and the desk's name (for the audit).
pub struct Desk {
    pub pool: PgPool,
    pub name: String,
}
