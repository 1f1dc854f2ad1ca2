//! The one connection pool: where it points, how it is built, and the schema it expects.

pub mod live;
pub mod local;
pub mod monitor;
pub mod profile;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

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
    options.application_name("podoclinic")
}

/// The newest migration this app knows.
pub fn app_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database (0 for an empty database).
pub async fn database_schema_version(db: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let has_table: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&mut *db).await?;
    if !has_table {
        return Ok(0);
    }
    applied_version(db).await
}

/// The newest applied migration of a database already prepared (the migrations table exists).
/// One round trip: the health probe runs it every 1.5 s on every desk.
pub async fn applied_version(db: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success").fetch_one(db).await
}

/// What `prepare` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Current,
    /// Another desk runs a newer app: this one must not write.
    TooNew {
        database: i64,
        app: i64,
    },
}

/// Applies pending migrations, unless the database is ahead of this app, in which case nothing is
/// touched. sqlx's migrator holds an advisory lock, so two desks starting together migrate once.
#[tracing::instrument(skip_all)]
pub async fn prepare(pool: &PgPool) -> Result<Schema, sqlx::Error> {
    let database = database_schema_version(&mut *pool.acquire().await?).await?;
    let app = app_schema_version();
    if database > app {
        tracing::warn!(database, app, "database schema is newer than this app");
        return Ok(Schema::TooNew { database, app });
    }
    MIGRATOR.run(pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => inner,
        other => sqlx::Error::Migrate(Box::new(other)),
    })?;
    Ok(Schema::Current)
}

/// The answer to a create whose id already exists: the stored record when it is what was asked
/// for (a retried or replayed write), a conflict when the id was reused for something else.
pub fn replay<T: PartialEq>(stored: T, requested: &T) -> crate::error::AppResult<T> {
    if stored == *requested { Ok(stored) } else { Err(crate::error::AppError::conflict("id_reused", None)) }
}
