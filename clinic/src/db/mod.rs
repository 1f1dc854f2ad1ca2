//! The one connection pool: how it is built, the schema it expects (the migrations), and the
//! create-once helper every client-made id goes through. Where the pool points, and readying the
//! database for a desk, are the desk's (`podoclinic_desk::db`).

pub mod locks;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// A pooled connection idle longer than this is pinged before use, so one that died silently (the
/// server restarted, the LAN dropped) is replaced instead of failing the command. One used more
/// recently is handed out as is: a ping on every acquire is a round trip added to every command.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(2);

/// Builds the app's pool without connecting yet. Short timeouts: a desk must notice a dead LAN
/// quickly rather than hang.
pub fn pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(5)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(tuned(options))
}

/// Session settings every connection of the app uses. Statements stay prepared with PostgreSQL's
/// own plan caching (a generic plan after five runs, no planning per call); the patient search,
/// whose best plan depends on the words typed, opts out statement by statement.
pub fn tuned(options: PgConnectOptions) -> PgConnectOptions {
    options.application_name("podoclinic").options([("lock_timeout", LOCK_TIMEOUT)])
}

/// How long a statement waits for a row another desk holds before the desk is told "another desk
/// is saving this" (`AppError::Busy`). Every lock a write path takes is bounded by it.
pub const LOCK_TIMEOUT: &str = "5s";

/// The newest migration this app knows.
pub fn app_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database (0 for an empty database).
pub async fn database_schema_version(db: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let has_table: bool =
        // Runtime text, not a macro: the migrator's own table, which the macros' schema need not have.
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&mut *db).await?;
    if !has_table {
        return Ok(0);
    }
    applied_version(db).await
}

/// The newest applied migration of a database already prepared (the migrations table exists).
/// One round trip: the health probe runs it every 1.5 s on every desk.
pub async fn applied_version(db: &mut PgConnection) -> Result<i64, sqlx::Error> {
    // Runtime text, not a macro: the migrator's own table (see `database_schema_version`).
    sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success").fetch_one(db).await
}

/// The server's PostgreSQL version, as it reports it.
pub async fn server_version(db: &mut PgConnection) -> Result<String, sqlx::Error> {
    // Runtime text, not a macro: SHOW is a utility statement, with nothing of the schema to check.
    sqlx::query_scalar("SHOW server_version").fetch_one(db).await
}

/// A create whose id the client made (a UUID v7 when the form opened), so a retried or replayed
/// request is answered instead of written twice. Every create goes through `replayed`.
pub trait ClientCreate: Sync {
    /// What the create returns and the database stores.
    type Stored: Send;
    fn id(&self) -> Uuid;
    /// The record already stored under `id`, if any.
    fn stored(conn: &mut PgConnection, id: Uuid) -> impl Future<Output = AppResult<Option<Self::Stored>>> + Send;
    /// Whether `stored` is what this request would have made (so it is a replay of it).
    fn same_as(&self, stored: &Self::Stored) -> bool;
}

/// `ClientCreate` for a record stored just as it is asked for: its `id` field, found with `$find`
/// (any function of a connection and an id), a replay when equal.
macro_rules! stored_as_asked {
    ($record:ty, $find:path) => {
        impl $crate::db::ClientCreate for $record {
            type Stored = $record;
            fn id(&self) -> uuid::Uuid {
                self.id
            }
            async fn stored(
                conn: &mut sqlx::PgConnection,
                id: uuid::Uuid,
            ) -> $crate::error::AppResult<Option<$record>> {
                $find(conn, id).await
            }
            fn same_as(&self, stored: &$record) -> bool {
                self == stored
            }
        }
    };
}
pub(crate) use stored_as_asked;

/// The first step of every create, in its transaction. It waits for a create of the same id still
/// running (a retry racing its original, from this desk or another) by taking a transaction lock
/// on the id, then: nothing stored under the id, `None` (the caller writes the record); the same
/// content stored, `Some(stored)`, the answer to give without writing anything; other content
/// under that id, `id_reused`.
pub async fn replayed<C: ClientCreate>(tx: &mut PgConnection, request: &C) -> AppResult<Option<C::Stored>> {
    lock_id(&mut *tx, request.id()).await?;
    match C::stored(tx, request.id()).await? {
        None => Ok(None),
        Some(stored) if request.same_as(&stored) => Ok(Some(stored)),
        Some(_) => Err(AppError::conflict("id_reused", None)),
    }
}

/// A lock on a client-made id until the transaction ends (lock order: step 1, see `db::locks`;
/// taken again by the same transaction it is already held) (ids are UUIDs: two records never share
/// one, so a collision of the 64-bit key only makes two creates wait for each other).
pub async fn lock_id(conn: &mut PgConnection, id: Uuid) -> AppResult<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0))", id).fetch_one(conn).await?;
    Ok(())
}
