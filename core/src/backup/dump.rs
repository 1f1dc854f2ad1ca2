//! Taking a dump and proving it. The dump is `pg_dump --format=custom` run in the snapshot of a
//! read-only transaction that first counts every table's rows and reads the audit chain's head,
//! so the counts are exactly the dump's. A dump is proven by restoring it into a scratch database
//! on the same server, counting again and comparing, then dropping the scratch database.
//!
//! `pg_dump` and `pg_restore` must be of the server's major version (an older `pg_dump` refuses a
//! newer server; a newer one writes what an older `pg_restore` cannot read): they are looked for
//! in Debian's folder of that major, then on PATH.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::process::Command;

use crate::error::{AppError, AppResult};

/// The client programs of one PostgreSQL major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    pub major: u32,
    pub pg_dump: PathBuf,
    pub pg_restore: PathBuf,
}

/// The server's major version.
pub async fn server_major(pool: &PgPool) -> AppResult<u32> {
    let number: i32 =
        sqlx::query_scalar!(r#"SELECT current_setting('server_version_num')::int AS "n!""#).fetch_one(pool).await?;
    Ok((number / 10_000) as u32)
}

/// `pg_dump` and `pg_restore` of `major`; none installed: a conflict naming the package to install.
pub async fn tools_for(major: u32) -> AppResult<Tools> {
    let mut folders = vec![PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"))];
    if let Some(path) = std::env::var_os("PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    for dir in folders {
        let (pg_dump, pg_restore) = (dir.join("pg_dump"), dir.join("pg_restore"));
        if pg_dump.is_file() && pg_restore.is_file() && crate::db::local::program_major(&pg_dump).await == Some(major) {
            return Ok(Tools { major, pg_dump, pg_restore });
        }
    }
    Err(AppError::conflict("pg_dump_missing", None))
}

/// What a dump holds, counted in its own snapshot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contents {
    /// Rows per table of the clinic's schema.
    pub row_counts: BTreeMap<String, i64>,
    /// The audit chain's head: how many entries are chained, and the last one's hash (hex).
    pub audit_rows: i64,
    pub audit_hash: String,
}

/// Every table's rows and the audit chain's head, as `conn` sees them (inside a transaction: in
/// its snapshot).
async fn contents(conn: &mut PgConnection) -> AppResult<Contents> {
    // One statement for every table, whatever tables the schema has: each count runs through
    // query_to_xml on a name from the catalog (format's %I quotes it), in this snapshot.
    let rows = sqlx::query!(
        r#"SELECT c.relname AS "table!",
                  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text::bigint AS "rows!"
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           ORDER BY 1"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let (audit_rows, hash) = crate::audit::repo::head(&mut *conn).await?;
    Ok(Contents {
        row_counts: rows.into_iter().map(|r| (r.table, r.rows)).collect(),
        audit_rows,
        audit_hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
    })
}

/// Where the client programs connect: libpq's parameters, handed over in their environment (a
/// password on a command line would show in `ps`).
#[derive(Clone)]
pub struct Conn {
    /// A host name, or the folder of a Unix socket.
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub database: String,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("host", &self.host).field("database", &self.database).finish_non_exhaustive()
    }
}

impl Conn {
    /// The same server and login, another database.
    pub fn on(&self, database: &str) -> Conn {
        Conn { database: database.into(), ..self.clone() }
    }

    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PGHOST", &self.host)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", &self.user)
            .env("PGDATABASE", &self.database)
            .env("PGCONNECT_TIMEOUT", "10")
            .kill_on_drop(true);
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        cmd
    }

    fn options(&self) -> PgConnectOptions {
        let options =
            PgConnectOptions::new_without_pgpass().port(self.port).username(&self.user).database(&self.database);
        let options = if self.host.starts_with('/') { options.socket(&self.host) } else { options.host(&self.host) };
        match &self.password {
            Some(password) => options.password(password),
            None => options,
        }
    }
}

async fn run(mut cmd: Command, step: &'static str) -> AppResult<()> {
    let out = cmd.output().await.map_err(|e| AppError::internal(format_args!("{step}: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(AppError::internal(format_args!("{step} failed: {}", String::from_utf8_lossy(&out.stderr).trim())))
}

/// Dumps `conn`'s database into `out` (custom format) and returns what the dump holds, counted in
/// the dump's own snapshot.
pub async fn dump(conn: &Conn, tools: &Tools, out: &Path) -> AppResult<Contents> {
    let mut db = PgConnection::connect_with(&conn.options()).await?;
    let mut tx = db.begin().await?;
    // Runtime text, not a macro: transaction control, nothing of the schema to check.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let snapshot: String = sqlx::query_scalar!(r#"SELECT pg_export_snapshot() AS "s!""#).fetch_one(&mut *tx).await?;
    let held = contents(&mut tx).await?;
    let mut cmd = conn.command(&tools.pg_dump);
    cmd.arg("--format=custom").arg(format!("--snapshot={snapshot}")).arg("--file").arg(out);
    // The snapshot lives as long as this transaction: pg_dump runs while it is open.
    run(cmd, "pg_dump").await?;
    tx.rollback().await?;
    db.close().await?;
    Ok(held)
}

/// The result of proving a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    Matches,
    /// What differs between the dump as taken and as restored (table: taken → restored).
    Differs(Vec<String>),
}

/// Restores `dump` into a new database on `admin`'s server (`admin` may create databases),
/// compares what it holds with `taken`, and drops it.
pub async fn verify(admin: &Conn, tools: &Tools, dump: &Path, taken: &Contents) -> AppResult<Proof> {
    let scratch = format!("podoclinic_verify_{}", uuid::Uuid::now_v7().simple());
    let mut server = PgConnection::connect_with(&admin.options()).await?;
    // A database's name cannot be a bound parameter (DDL takes identifiers, not values): the name
    // is made here from a fixed prefix and a UUID's hex digits, and PostgreSQL's own quote_ident
    // quotes it besides, so no text from outside reaches the statement.
    let quoted: String =
        sqlx::query_scalar!(r#"SELECT quote_ident($1) AS "q!""#, scratch).fetch_one(&mut server).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}"))).execute(&mut server).await?;
    let proof = async {
        let mut cmd = admin.on(&scratch).command(&tools.pg_restore);
        cmd.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname"]);
        cmd.arg(&scratch).arg(dump);
        run(cmd, "pg_restore").await?;
        let mut restored = PgConnection::connect_with(&admin.on(&scratch).options()).await?;
        let found = contents(&mut restored).await;
        restored.close().await?;
        Ok::<_, AppError>(compare(taken, &found?))
    }
    .await;
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")))
        .execute(&mut server)
        .await;
    server.close().await?;
    let proof = proof?;
    dropped?;
    Ok(proof)
}

fn compare(taken: &Contents, found: &Contents) -> Proof {
    let mut differs = Vec::new();
    let tables: std::collections::BTreeSet<&String> = taken.row_counts.keys().chain(found.row_counts.keys()).collect();
    for table in tables {
        let (a, b) = (taken.row_counts.get(table), found.row_counts.get(table));
        if a != b {
            differs.push(format!("{table}: {a:?} → {b:?}"));
        }
    }
    if (taken.audit_rows, &taken.audit_hash) != (found.audit_rows, &found.audit_hash) {
        differs.push(format!("audit chain: {} → {}", taken.audit_rows, found.audit_rows));
    }
    if differs.is_empty() { Proof::Matches } else { Proof::Differs(differs) }
}
