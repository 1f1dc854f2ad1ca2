//! What Tauri manages for the app's life: the one pool, the desk's session and its database health.

use std::path::PathBuf;
use std::sync::OnceLock;

use sqlx::PgPool;

use crate::db::cluster::Cluster;
use crate::db::health::{DbStatus, Health};
use crate::db::live::Change;
use crate::guard;
use crate::session::SessionStore;
use podoclinic_clinic::auth::{self, Ctx, Desk, Permission};
use podoclinic_clinic::error::{AppError, AppResult};

/// Where this desk keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

/// The record a command is about, for the audit of a refused attempt.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    pub entity: &'static str,
    pub id: uuid::Uuid,
}

pub struct AppState {
    pool: OnceLock<PgPool>,
    pub health: Health,
    pub sessions: SessionStore,
    /// The desk's name as the audit log records it.
    pub desk: String,
    pub paths: Paths,
    /// Set when this desk started the embedded cluster, so it can stop it on exit.
    pub cluster: OnceLock<Cluster>,
    /// Changes announced by the database (any desk's writes), for the UI and the desk store.
    pub live: tokio::sync::broadcast::Sender<Change>,
    /// The desk's own store and directory, once opened at start (`None` in tests that do not
    /// open one: search then asks the server).
    pub store: OnceLock<std::sync::Arc<crate::store::DeskStore>>,
    /// Conflicts this desk's transactions lost, and the reruns.
    pub conflicts: Conflicts,
    /// The TLS tunnel the pool's connections go through (a LAN profile with TLS), kept for the
    /// app's life.
    pub tunnel: OnceLock<std::sync::Arc<crate::db::tls::Tunnel>>,
    /// This desk's failed logins, across usernames.
    pub login_throttle: std::sync::Arc<podoclinic_clinic::auth::throttle::LoginThrottle>,
    /// Where this desk connects, kept while the schema waits for its owner's upgrade.
    pub awaiting_owner: std::sync::Mutex<Option<crate::db::Target>>,
    /// The spreadsheet import under way at this desk, if any.
    pub import: podoclinic_clinic::import::Running,
    /// Files picked in the system's file dialog at this desk (a restore's, an import's).
    pub picked: crate::picked::PickedFiles,
}

impl AppState {
    pub fn new(paths: Paths, desk: String) -> Self {
        Self {
            pool: OnceLock::new(),
            health: Health::default(),
            sessions: SessionStore::default(),
            desk,
            paths,
            cluster: OnceLock::new(),
            live: tokio::sync::broadcast::Sender::new(256),
            store: OnceLock::new(),
            conflicts: Conflicts::default(),
            tunnel: OnceLock::new(),
            login_throttle: std::sync::Arc::default(),
            picked: Default::default(),
            awaiting_owner: std::sync::Mutex::default(),
            import: podoclinic_clinic::import::Running::default(),
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
    /// `work` with that context and the command's arguments. A lost database seen anywhere on the
    /// way (the guard's own check included) marks the desk offline at once, so no command can leave
    /// the banner silent; a transaction that lost a deadlock or serialization conflict is run
    /// again (`RETRIES` times at most, with jitter), which is safe because every write is
    /// idempotent by id. `args` is cloned for each attempt.
    pub async fn run<A, T, F, Fut>(&self, permission: Permission, args: A, work: F) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Ctx, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.as_user(Some(permission), None, args, work).await
    }

    /// `run` for a command about one record (a visit, a patient's notes): a refused attempt is
    /// audited naming that record, so the audit says what was tried, not only that something was.
    pub async fn run_on<A, T, F, Fut>(&self, permission: Permission, subject: Subject, args: A, work: F) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Ctx, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.as_user(Some(permission), Some(subject), args, work).await
    }

    /// `run` for a command the desk answers from its store, with the server or
    /// without it: online, the guard is `run`'s (grants re-read, refusals audited); offline, the
    /// session's last known grants decide.
    pub async fn run_on_store<A, T, F, Fut>(&self, permission: Permission, args: A, work: F) -> AppResult<T>
    where
        F: FnOnce(auth::Session, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let session = match guard::require(self, permission, None).await {
            Err(AppError::Offline) => {
                self.health.report_lost();
                guard::offline_session(self, permission)?
            }
            other => other?.session,
        };
        work(session, args).await
    }

    /// `run` for a read the desk can also answer from its store: with the server, as `run`; without
    /// it, `from_store` answers from what the store holds, under the session's last known grants.
    pub async fn run_or_store<A, T, F, Fut, C, CFut>(
        &self,
        permission: Permission,
        args: A,
        work: F,
        from_store: C,
    ) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Ctx, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
        C: FnOnce(std::sync::Arc<crate::store::DeskStore>, A) -> CFut,
        CFut: Future<Output = AppResult<T>>,
    {
        match self.run(permission, args.clone(), work).await {
            Err(AppError::Offline) => {
                let (store, _) = self.without_server(permission)?;
                from_store(store, args).await
            }
            other => other,
        }
    }

    /// `run` for a write the desk can queue while the server is away: with the server, as `run`;
    /// without it, `to_outbox` checks what it can, writes it into the store's outbox and answers
    /// as the server would have, under the session's last known grants.
    pub async fn run_or_outbox<A, T, F, Fut, K, KFut>(
        &self,
        permission: Permission,
        args: A,
        work: F,
        to_outbox: K,
    ) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Ctx, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
        K: FnOnce(crate::store::outbox::OutboxWriter, A) -> KFut,
        KFut: Future<Output = AppResult<T>>,
    {
        match self.run(permission, args.clone(), work).await {
            Err(AppError::Offline) => {
                let (store, session) = self.without_server(permission)?;
                let confirmed = !self.sessions.is_limited();
                to_outbox(crate::store::outbox::OutboxWriter { store, session, confirmed }, args).await
            }
            other => other,
        }
    }

    /// What a command falls back on when the server is away: the desk store (none opened: still
    /// `Offline`) and the session's last known grants, which must hold `permission`.
    fn without_server(
        &self,
        permission: Permission,
    ) -> AppResult<(std::sync::Arc<crate::store::DeskStore>, auth::Session)> {
        let store = self.store.get().ok_or(AppError::Offline)?.clone();
        Ok((store, guard::offline_session(self, permission)?))
    }

    /// `run` for what any signed-in user may do (their own password, the clinic's name).
    pub async fn run_signed_in<A, T, F, Fut>(&self, args: A, work: F) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Ctx, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.as_user(None, None, args, work).await
    }

    async fn as_user<A, T, F, Fut>(
        &self,
        permission: Option<Permission>,
        subject: Option<Subject>,
        args: A,
        work: F,
    ) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Ctx, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.attempts(args, |args| async {
            let ctx = match permission {
                Some(permission) => guard::require(self, permission, subject).await?,
                None => guard::signed_in(self).await?,
            };
            work(ctx, args).await
        })
        .await
    }

    /// `run` for the few commands that come before a session (first admin, login, unlock): they
    /// get the pool and this desk's name, and the same bookkeeping.
    pub async fn run_before_session<A, T, F, Fut>(&self, args: A, work: F) -> AppResult<T>
    where
        A: Clone,
        F: Fn(Desk, A) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.attempts(args, |args| async {
            let pool = self.db()?;
            work(Desk { pool, name: self.desk.clone(), throttle: self.login_throttle.clone() }, args).await
        })
        .await
    }

    /// Runs `attempt` until it does not lose a conflict (or `RETRIES` reruns are spent, then the
    /// answer is `Busy`), and notes a lost database.
    async fn attempts<A, T, Fut>(&self, args: A, attempt: impl Fn(A) -> Fut) -> AppResult<T>
    where
        A: Clone,
        Fut: Future<Output = AppResult<T>>,
    {
        let mut reruns = 0;
        loop {
            let result = attempt(args.clone()).await;
            if !matches!(result, Err(AppError::Conflicted)) {
                return self.observe(result);
            }
            self.conflicts.record_conflict();
            if reruns == RETRIES || !self.conflicts.retry() {
                tracing::warn!(reruns, "transaction conflicts: giving up");
                return Err(AppError::Busy);
            }
            reruns += 1;
            self.conflicts.record_rerun();
            tracing::warn!(rerun = reruns, "transaction lost a conflict; running it again");
            tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(5..=25) * u64::from(reruns))).await;
        }
    }
}

/// How many times `AppState::run` runs a transaction again after it lost a deadlock or a
/// serialization conflict.
pub const RETRIES: u32 = 3;

/// Conflicts this desk's transactions lost, and how many were run again. The retry can be switched
/// off (`set_retry(false)`): the soak test checks that the lock order leaves nothing to retry.
#[derive(Default)]
pub struct Conflicts {
    no_retry: std::sync::atomic::AtomicBool,
    seen: std::sync::atomic::AtomicU64,
    reruns: std::sync::atomic::AtomicU64,
}

impl Conflicts {
    pub fn set_retry(&self, on: bool) {
        self.no_retry.store(!on, std::sync::atomic::Ordering::Relaxed);
    }

    fn retry(&self) -> bool {
        !self.no_retry.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn record_conflict(&self) {
        self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn record_rerun(&self) {
        self.reruns.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Conflicts lost so far.
    pub fn seen(&self) -> u64 {
        self.seen.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Transactions run again so far.
    pub fn reruns(&self) -> u64 {
        self.reruns.load(std::sync::atomic::Ordering::Relaxed)
    }
}
