//! Where the desk's one pool points and how the database is readied for it: the embedded
//! cluster (`cluster`), a LAN server's connection profile (`connection`) and its TLS tunnel
//! (`tls`), whether the database answers (`health`) and what it announces (`live`). The pool
//! itself, the migrations and the create-once helper are the clinic's (`podoclinic_clinic::db`).

pub mod cluster;
pub mod connection;
pub mod health;
pub mod live;
pub mod programs;
pub mod tls;

use std::time::Duration;

use podoclinic_clinic::db::{MIGRATOR, app_schema_version, database_schema_version, tuned};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

/// Where a desk connects, and who may change the schema.
#[derive(Debug, Clone)]
pub struct Target {
    /// The desk's daily login: a member of `podoclinic_app`, rows only.
    pub desk: PgConnectOptions,
    /// The schema's owner, when this desk holds its credentials: the embedded cluster (its
    /// `clinic_owner`, no superuser) and development. A LAN desk never does; an admin types them
    /// in "Actualizar base de datos" and they are dropped once the migrations ran.
    pub owner: Option<PgConnectOptions>,
    /// The TLS tunnel `desk` (and `owner`) go through, kept alive with the target.
    pub tunnel: Option<std::sync::Arc<tls::Tunnel>>,
}

impl Target {
    /// One role for everything: development and tests with a full URL.
    pub fn single(options: PgConnectOptions) -> Self {
        Self { desk: options.clone(), owner: Some(options), tunnel: None }
    }

    /// A LAN desk: its own login only.
    pub fn desk_only((desk, tunnel): (PgConnectOptions, Option<std::sync::Arc<tls::Tunnel>>)) -> Self {
        Self { desk, owner: None, tunnel }
    }

    /// Why the server's TLS was refused, when that is why the last connection failed.
    pub fn tls_refusal(&self) -> Option<tls::TlsRefusal> {
        self.tunnel.as_ref().and_then(|t| t.refusal())
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
/// (unless the database is ahead of this app: then nothing is touched).
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
    // A server that is away must be told quickly (the desk then starts offline, on its store):
    // the pool's connect would otherwise retry for its default 30 s.
    let patient = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(tuned(owner.clone()).options([("lock_timeout", "0")]))
        .await?;
    let outcome = migrate(&patient, app).await;
    patient.close().await;
    outcome
}

async fn migrate(owner: &PgPool, app: i64) -> Result<Schema, sqlx::Error> {
    let database = database_schema_version(&mut *owner.acquire().await?).await?;
    if database > app {
        tracing::warn!(database, app, "database schema is newer than this app");
        return Ok(Schema::TooNew { database, app });
    }
    MIGRATOR.run(owner).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => inner,
        other => sqlx::Error::Migrate(Box::new(other)),
    })?;
    Ok(Schema::Current)
}

/// What `set_login` makes of a role.
#[derive(Debug, Clone, Copy)]
pub enum Login {
    /// An existing role (the embedded cluster's superuser): its password only.
    Existing,
    /// The embedded cluster's schema owner: created when missing; it may create databases (a
    /// restore's) and end the desks' sessions (a restore's switch), and nothing a superuser may.
    Owner,
    /// A desk login: created when missing, a member of `podoclinic_app` and nothing more (no
    /// superuser, no role or database creation, no replication).
    Desk,
}

/// Sets a role's password (and, for a login it makes, what it may be). Role statements take no
/// bound parameters, so the name, password and the kind's grant are bound into transaction-local
/// settings and a constant block quotes them with `format('%I', '%L')` inside the server: no value
/// is ever spliced into SQL text here.
pub async fn set_login(conn: &mut PgConnection, name: &str, password: &str, kind: Login) -> Result<(), sqlx::Error> {
    // PostgreSQL cuts longer names to 63 bytes: the role made would not be the one named.
    if name.is_empty() || name.len() > 63 {
        return Err(sqlx::Error::Configuration("a role name is 1 to 63 bytes".into()));
    }
    let mut tx = conn.begin().await?;
    // Runtime text, not macros: role DDL, outside the schema the macros check against. The kind
    // picks the role's one grant and whether it may create databases; the rest of what a made
    // role may be is the same for both.
    let (grant, creates_databases) = match kind {
        Login::Existing => ("", false),
        Login::Owner => ("pg_signal_backend", true),
        Login::Desk => ("podoclinic_app", false),
    };
    sqlx::query(
        "SELECT set_config('podoclinic.login_name', $1, true), set_config('podoclinic.login_password', $2, true),
                set_config('podoclinic.login_grant', $3, true), set_config('podoclinic.login_createdb', $4, true)",
    )
    .bind(name)
    .bind(password)
    .bind(grant)
    .bind(if creates_databases { "CREATEDB" } else { "NOCREATEDB" })
    .execute(&mut *tx)
    .await?;
    let statement = match kind {
        Login::Existing => {
            "DO $$ BEGIN
                EXECUTE format('ALTER ROLE %I PASSWORD %L',
                    current_setting('podoclinic.login_name'), current_setting('podoclinic.login_password'));
            END $$"
        }
        Login::Owner | Login::Desk => {
            "DO $$
            DECLARE
                login text := current_setting('podoclinic.login_name');
                secret text := current_setting('podoclinic.login_password');
                createdb text := current_setting('podoclinic.login_createdb');
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login) THEN
                    EXECUTE format('CREATE ROLE %I', login);
                END IF;
                IF createdb NOT IN ('CREATEDB', 'NOCREATEDB') THEN
                    RAISE EXCEPTION 'unexpected database creation right %', createdb;
                END IF;
                EXECUTE format('ALTER ROLE %I LOGIN INHERIT NOSUPERUSER %s NOCREATEROLE '
                    'NOREPLICATION NOBYPASSRLS PASSWORD %L', login, createdb, secret);
                EXECUTE format('GRANT %I TO %I', current_setting('podoclinic.login_grant'), login);
            END $$"
        }
    };
    sqlx::query(statement).execute(&mut *tx).await?;
    tx.commit().await
}
