//! Watches whether the database answers, and whether its schema is still one this app may write to.
//! Tauri-agnostic: it publishes on a `watch` channel; the shell forwards changes as a typed event.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use tokio::sync::{Notify, watch};

/// The desk's view of its database, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum DbStatus {
    /// Starting the local cluster or connecting for the first time.
    Starting,
    /// No local PostgreSQL binaries and no server configured.
    NoPostgres,
    /// The desk's own cluster was made with a PostgreSQL major that is no longer installed (a
    /// system update replaced it): install that major again (or upgrade the data). Nothing was
    /// started or changed.
    #[serde(rename_all = "camelCase")]
    PostgresVersionMissing {
        cluster_major: u32,
        installed: Vec<u32>,
    },
    /// The server's password is not in a keyring: the desk must ask for it.
    NeedsPassword,
    Online,
    /// Lost; cached views stay visible, marked with their age.
    #[serde(rename_all = "camelCase")]
    Offline {
        since: DateTime<Utc>,
    },
    /// The database was migrated by a newer app: update this desk.
    #[serde(rename_all = "camelCase")]
    UpdateRequired {
        database_version: i64,
        app_version: i64,
    },
    /// The database is empty or its schema older than this app, and this desk may not change it
    /// (it runs as a desk login): an admin gives the owner's credentials once.
    #[serde(rename_all = "camelCase")]
    SchemaUpgradeRequired {
        database_version: i64,
        app_version: i64,
    },
    /// The clinic's server answered, but its TLS was refused (its certificate, its name, or no
    /// TLS at all): not "offline", and not something waiting fixes. Fix the server or the profile.
    TlsRefused {
        reason: crate::db::tls::TlsRefusal,
    },
    /// Startup failed for another reason; details are in the log under this id.
    #[serde(rename_all = "camelCase")]
    Failed {
        log_id: String,
    },
}

/// How often an online database is checked, and how long a check may take. Together they bound how
/// long a desk can go without noticing a lost database (about 3 s, under the 5 s the desk promises).
pub const PROBE_EVERY: Duration = Duration::from_millis(1500);
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);
/// Reconnect backoff while offline: doubles from the first to the last, with ±25 % jitter.
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(4);

/// Shared handle: the current status and a way to ask for an immediate re-check.
#[derive(Clone)]
pub struct Health {
    pub status: watch::Sender<DbStatus>,
    pub kick: Arc<Notify>,
}

impl Default for Health {
    fn default() -> Self {
        Self { status: watch::Sender::new(DbStatus::Starting), kick: Arc::new(Notify::new()) }
    }
}

impl Health {
    pub fn current(&self) -> DbStatus {
        self.status.borrow().clone()
    }

    pub fn set(&self, next: DbStatus) {
        self.status.send_if_modified(|s| {
            let changed = *s != next;
            *s = next;
            changed
        });
    }

    /// A command saw the database fail: mark offline now and re-check at once.
    pub fn report_lost(&self) {
        self.status.send_if_modified(|s| {
            if *s == DbStatus::Online {
                *s = DbStatus::Offline { since: Utc::now() };
                true
            } else {
                false
            }
        });
        self.kick.notify_one();
    }
}

fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.75 + fastrand::f64() * 0.5)
}

/// One probe: the database answers, and reports which schema it has.
async fn probe(pool: &PgPool) -> Result<i64, ()> {
    let check = async { podoclinic_clinic::db::applied_version(&mut *pool.acquire().await?).await };
    match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(v)) => Ok(v),
        _ => Err(()),
    }
}

/// Runs for the life of the app.
pub async fn run(pool: PgPool, health: Health) {
    let app_version = podoclinic_clinic::db::app_schema_version();
    let mut backoff = BACKOFF_FIRST;
    loop {
        let next = match probe(&pool).await {
            Ok(database_version) if database_version > app_version => {
                DbStatus::UpdateRequired { database_version, app_version }
            }
            Ok(_) => DbStatus::Online,
            Err(()) => match health.current() {
                DbStatus::Offline { since } => DbStatus::Offline { since },
                _ => DbStatus::Offline { since: Utc::now() },
            },
        };
        let online = next == DbStatus::Online;
        if next != health.current() {
            match &next {
                DbStatus::Online => tracing::info!("database reachable"),
                DbStatus::Offline { .. } => tracing::warn!("database unreachable"),
                other => tracing::warn!(status = ?other, "database status"),
            }
        }
        health.set(next);
        let wait = if online {
            backoff = BACKOFF_FIRST;
            PROBE_EVERY
        } else {
            let w = jitter(backoff);
            backoff = (backoff * 2).min(BACKOFF_MAX);
            w
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = health.kick.notified() => {}
        }
    }
}
