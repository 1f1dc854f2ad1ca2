//! The one connection pool: where it points, how it is built, and the schema it expects.

pub mod live;
pub mod local;
pub mod locks;
pub mod monitor;
pub mod profile;
pub mod tls;

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

/// Where a desk connects, and who may change the schema.
#[derive(Debug, Clone)]
pub struct Target {
    /// The desk's daily login: a member of `podoclinic_app`, rows only.
    pub desk: PgConnectOptions,
    /// The schema's owner, when this desk holds its credentials: the embedded cluster (its own
    /// superuser) and development. A LAN desk never does; an admin types them in "Actualizar base
    /// de datos" and they are dropped once the migrations ran.
    pub owner: Option<PgConnectOptions>,
    /// A desk login the owner (re)creates after migrating, as a member of `podoclinic_app` with
    /// this password: the embedded cluster's own.
    pub admit: Option<DeskLogin>,
    /// The TLS tunnel `desk` (and `owner`) go through, kept alive with the target.
    pub tunnel: Option<std::sync::Arc<tls::Tunnel>>,
}

impl Target {
    /// One role for everything: development and tests with a full URL.
    pub fn single(options: PgConnectOptions) -> Self {
        Self { desk: options.clone(), owner: Some(options), admit: None, tunnel: None }
    }

    /// A LAN desk: its own login only.
    pub fn desk_only((desk, tunnel): (PgConnectOptions, Option<std::sync::Arc<tls::Tunnel>>)) -> Self {
        Self { desk, owner: None, admit: None, tunnel }
    }

    /// Why the server's TLS was refused, when that is why the last connection failed.
    pub fn tls_refusal(&self) -> Option<tls::TlsRefusal> {
        self.tunnel.as_ref().and_then(|t| t.refusal())
    }
}

/// A desk login and its password.
#[derive(Clone)]
pub struct DeskLogin {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for DeskLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskLogin").field("name", &self.name).finish_non_exhaustive()
    }
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
    /// The schema is missing or older than this app and this desk may not change it: the owner's
    /// credentials are needed ("Actualizar base de datos").
    NeedsOwner {
        database: i64,
        app: i64,
    },
}

/// Readies the database for the desk. With the owner's credentials: applies pending migrations
/// (unless the database is ahead of this app: then nothing is touched) and admits the desk login.
/// Without: only checks that the schema is this app's. sqlx's migrator holds an advisory lock, so
/// two desks starting together migrate once.
#[tracing::instrument(skip_all)]
pub async fn prepare(target: &Target) -> Result<Schema, sqlx::Error> {
    let app = app_schema_version();
    let Some(owner) = &target.owner else {
        let mut conn = PgConnection::connect_with(&tuned(target.desk.clone())).await?;
        let database = database_schema_version(&mut conn).await?;
        let _ = conn.close().await;
        return Ok(match database {
            d if d > app => Schema::TooNew { database, app },
            d if d < app => Schema::NeedsOwner { database, app },
            _ => Schema::Current,
        });
    };
    // Migrations wait for each other (another desk migrating) and for table locks as long as it
    // takes: the desks' lock timeout is for daily writes, not for an upgrade.
    // A server that is away must be told quickly (the desk then starts offline, on its own copy):
    // the pool's connect would otherwise retry for its default 30 s.
    let patient = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(tuned(owner.clone()).options([("lock_timeout", "0")]))
        .await?;
    let outcome = migrate(&patient, target.admit.as_ref(), app).await;
    patient.close().await;
    outcome
}

async fn migrate(owner: &PgPool, admit: Option<&DeskLogin>, app: i64) -> Result<Schema, sqlx::Error> {
    let database = database_schema_version(&mut *owner.acquire().await?).await?;
    if database > app {
        tracing::warn!(database, app, "database schema is newer than this app");
        return Ok(Schema::TooNew { database, app });
    }
    MIGRATOR.run(owner).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => inner,
        other => sqlx::Error::Migrate(Box::new(other)),
    })?;
    if let Some(login) = admit {
        admit_desk(owner, login).await?;
    }
    Ok(Schema::Current)
}

/// Creates the desk login (or resets its password) as a member of `podoclinic_app` that can do
/// nothing else: no superuser, no role or database creation, no replication.
async fn admit_desk(owner: &PgPool, login: &DeskLogin) -> Result<(), sqlx::Error> {
    set_login(&mut *owner.acquire().await?, &login.name, &login.password, Login::Desk).await
}

/// What `set_login` makes of a role.
#[derive(Debug, Clone, Copy)]
pub enum Login {
    /// An existing role (the embedded cluster's superuser): its password only.
    Existing,
    /// A desk login: created when missing, a member of `podoclinic_app` and nothing more.
    Desk,
}

/// Sets a role's password (and, for a desk login, what it may be). Role statements take no bound
/// parameters, so the name and password are bound into two transaction-local settings and a
/// constant block quotes them with `format('%I', '%L')` inside the server: no value is ever
/// spliced into SQL text here.
pub async fn set_login(conn: &mut PgConnection, name: &str, password: &str, kind: Login) -> Result<(), sqlx::Error> {
    // PostgreSQL cuts longer names to 63 bytes: the role made would not be the one named.
    if name.is_empty() || name.len() > 63 {
        return Err(sqlx::Error::Configuration("a role name is 1 to 63 bytes".into()));
    }
    let mut tx = conn.begin().await?;
    // Runtime text, not macros: role DDL, outside the schema the macros check against.
    sqlx::query(
        "SELECT set_config('podoclinic.login_name', $1, true), set_config('podoclinic.login_password', $2, true)",
    )
    .bind(name)
    .bind(password)
    .execute(&mut *tx)
    .await?;
    let statement = match kind {
        Login::Existing => {
            "DO $$ BEGIN
                EXECUTE format('ALTER ROLE %I PASSWORD %L',
                    current_setting('podoclinic.login_name'), current_setting('podoclinic.login_password'));
            END $$"
        }
        Login::Desk => {
            "DO $$
            DECLARE
                login text := current_setting('podoclinic.login_name');
                secret text := current_setting('podoclinic.login_password');
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login) THEN
                    EXECUTE format('CREATE ROLE %I', login);
                END IF;
                EXECUTE format('ALTER ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
                    'NOREPLICATION NOBYPASSRLS PASSWORD %L', login, secret);
                EXECUTE format('GRANT podoclinic_app TO %I', login);
            END $$"
        }
    };
    sqlx::query(statement).execute(&mut *tx).await?;
    tx.commit().await
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
