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

use podoclinic_clinic::error::{AppError, AppResult};

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
    let mut folders: Vec<PathBuf> =
        crate::platform::postgres_installs().into_iter().map(|root| root.join(major.to_string()).join("bin")).collect();
    if let Some(path) = std::env::var_os("PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    for dir in folders {
        let (pg_dump, pg_restore) =
            (crate::db::programs::program(&dir, "pg_dump"), crate::db::programs::program(&dir, "pg_restore"));
        if pg_dump.is_file()
            && pg_restore.is_file()
            && crate::db::programs::program_major(&pg_dump).await == Some(major)
        {
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
    let (audit_rows, hash) = podoclinic_clinic::audit::repo::head(&mut *conn).await?;
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
    /// libpq's `sslmode` and CA file for the client programs (a LAN server with TLS).
    pub ssl: Option<(String, Option<String>)>,
    /// The TLS tunnel this process's own connections go through (see `db::tls`), when the server
    /// speaks TLS: sqlx here is built without it.
    pub tunnel: Option<std::sync::Arc<crate::db::tls::Tunnel>>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("host", &self.host).field("database", &self.database).finish_non_exhaustive()
    }
}

impl Conn {
    /// A plain connection URL's server, login and database (development, tests:
    /// `postgres://user:password@host:port/database`).
    pub fn from_url(url: &str) -> AppResult<Conn> {
        let rest = url.split_once("://").ok_or_else(|| AppError::internal("not a connection URL"))?.1;
        let (login, server) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
        let (user, password) = match login.split_once(':') {
            Some((user, password)) => (user.to_string(), Some(password.to_string())),
            None => (login.to_string(), None),
        };
        let (server, database) = server.split_once('/').unwrap_or((server, "postgres"));
        let database = database.split('?').next().unwrap_or_default();
        let (host, port) = match server.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(AppError::internal)?),
            None => (server, 5432),
        };
        let database = if database.is_empty() { "postgres" } else { database };
        Ok(Conn { host: host.into(), port, user, password, database: database.into(), ssl: None, tunnel: None })
    }

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
        if let Some((mode, ca)) = &self.ssl {
            cmd.env("PGSSLMODE", mode);
            if let Some(ca) = ca {
                cmd.env("PGSSLROOTCERT", ca);
            }
        }
        cmd
    }

    pub fn options(&self) -> PgConnectOptions {
        let options = match &self.tunnel {
            // The tunnel's socket has the tunnel's own port number.
            Some(tunnel) => tunnel.options(),
            None if self.host.starts_with('/') => {
                PgConnectOptions::new_without_pgpass().socket(&self.host).port(self.port)
            }
            None => PgConnectOptions::new_without_pgpass().host(&self.host).port(self.port),
        };
        let options = options.username(&self.user).database(&self.database);
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
    Err(AppError::internal(format_args!("{step} failed: {}", program_errors(&String::from_utf8_lossy(&out.stderr)))))
}

/// What of a program's error output may reach the log (and the diagnostics zip): the program's own
/// lines, cut before any quoted text or key value, never the server's DETAIL or CONTEXT lines,
/// which can carry a row's content (a COPY's line, a duplicate key's value).
fn program_errors(stderr: &str) -> String {
    let kept: Vec<String> = stderr
        .lines()
        .filter(|l| l.starts_with("pg_dump:") || l.starts_with("pg_restore:"))
        .map(|l| {
            let cut = [": \"", "(", "line "].iter().filter_map(|m| l.find(m)).min().unwrap_or(l.len());
            l[..cut].chars().take(200).collect()
        })
        .take(10)
        .collect();
    if kept.is_empty() { "(no message of its own)".into() } else { kept.join(" | ") }
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

/// The database a proof restores into: named for the database it proves (so what a proof leaves
/// behind is found by its source, whatever else runs on the server), unique per proof, and under
/// PostgreSQL's 63 bytes.
pub fn scratch_name(source: &str) -> String {
    let source: String = source.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(30).collect();
    let unique = uuid::Uuid::now_v7().simple().to_string();
    format!("podoclinic_verify_{source}_{}", &unique[20..])
}

/// Restores `dump` into a new database on `admin`'s server (`admin` may create databases),
/// compares what it holds with `taken`, and drops it.
pub async fn verify(admin: &Conn, tools: &Tools, dump: &Path, taken: &Contents) -> AppResult<Proof> {
    let scratch = scratch_name(&admin.database);
    let mut server = PgConnection::connect_with(&admin.options()).await?;
    ddl(&mut server, Ddl::Create(&scratch)).await?;
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
    let dropped = ddl(&mut server, Ddl::Drop(&scratch)).await;
    server.close().await?;
    let proof = proof?;
    dropped?;
    Ok(proof)
}

/// PostgreSQL's longest identifier, in bytes (longer names are cut, silently).
const MAX_NAME: usize = 63;

/// A database name made from the clinic's and a tag with a time: `<current>_<tag>_<YYYYmmdd_HHMMSS>`,
/// the clinic's part cut to fit PostgreSQL's 63 bytes.
pub fn derived_name(current: &str, tag: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let suffix = format!("_{tag}_{}", at.format("%Y%m%d_%H%M%S"));
    format!("{}{suffix}", cut(current, MAX_NAME.saturating_sub(suffix.len())))
}

/// Whether `name` is one `derived_name` made from `current` and `tag`.
pub fn is_derived(current: &str, tag: &str, name: &str) -> bool {
    let suffix_len = tag.len() + 2 + 15;
    if name.len() < suffix_len || !name.is_char_boundary(name.len() - suffix_len) {
        return false;
    }
    let (base, suffix) = name.split_at(name.len() - suffix_len);
    let Some(when) = suffix.strip_prefix(&format!("_{tag}_")) else { return false };
    base == cut(current, MAX_NAME.saturating_sub(suffix_len))
        && when.bytes().enumerate().all(|(i, b)| if i == 8 { b == b'_' } else { b.is_ascii_digit() })
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The name a database is kept under once a restore took its place.
pub fn kept_name(current: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    derived_name(current, "antes", at)
}

/// Whether `name` is a database a restore kept beside `current` (what an admin may drop).
pub fn is_kept(current: &str, name: &str) -> bool {
    is_derived(current, "antes", name)
}

/// A statement about a whole database. PostgreSQL takes a database's name in these as an
/// identifier, never as a bound parameter, and runs CREATE and DROP DATABASE only outside a
/// transaction (so not inside a function that could format them): `ddl` is the one place their
/// text is made, from a fixed template per kind and names quoted by the server's own `quote_ident`.
/// The names themselves are the app's (a scratch name, `derived_name`s, the profile's database).
enum Ddl<'a> {
    Create(&'a str),
    Drop(&'a str),
    AllowConnections(&'a str, bool),
    Rename(&'a str, &'a str),
    /// No temporary tables but the owner's (migration 19 does it where the migrations run; a
    /// database created for a restore gets it here).
    NoTemporary(&'a str),
}

async fn quote(server: &mut PgConnection, name: &str) -> AppResult<String> {
    Ok(sqlx::query_scalar!(r#"SELECT quote_ident($1) AS "q!""#, name).fetch_one(server).await?)
}

async fn ddl(server: &mut PgConnection, statement: Ddl<'_>) -> AppResult<()> {
    let text = match statement {
        Ddl::Create(name) => format!("CREATE DATABASE {}", quote(server, name).await?),
        Ddl::Drop(name) => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(server, name).await?),
        Ddl::AllowConnections(name, allow) => {
            let setting = if allow { "ALLOW_CONNECTIONS true" } else { "ALLOW_CONNECTIONS false" };
            format!("ALTER DATABASE {} {setting}", quote(server, name).await?)
        }
        Ddl::Rename(from, to) => {
            format!("ALTER DATABASE {} RENAME TO {}", quote(server, from).await?, quote(server, to).await?)
        }
        Ddl::NoTemporary(name) => format!("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC", quote(server, name).await?),
    };
    // Safe as text: the template is fixed, and the only parts that vary are names the server
    // quoted itself (an identifier cannot be a bound parameter).
    sqlx::query(sqlx::AssertSqlSafe(text)).execute(server).await?;
    Ok(())
}

/// Restores `dump` into a new database `target` on `owner`'s server, with the same privileges
/// (the desks' group keeps exactly its grants), and returns what it holds. Restored by a login
/// that is not a superuser (the embedded cluster's schema owner), every object is that login's,
/// whoever owned it in the backup (a backup an older app took names the cluster's superuser):
/// `pg_restore` runs with the schema owner's rights and no more. On failure the half-restored
/// database is dropped.
pub async fn restore(owner: &Conn, tools: &Tools, dump: &Path, target: &str) -> AppResult<Contents> {
    let mut server = PgConnection::connect_with(&owner.on("postgres").options()).await?;
    let superuser = sqlx::query_scalar!(r#"SELECT current_setting('is_superuser') = 'on' AS "superuser!""#)
        .fetch_one(&mut server)
        .await?;
    ddl(&mut server, Ddl::Create(target)).await?;
    let restored = async {
        ddl(&mut server, Ddl::NoTemporary(target)).await?;
        let mut cmd = owner.on(target).command(&tools.pg_restore);
        cmd.args(["--exit-on-error", "--single-transaction"]);
        if !superuser {
            cmd.arg("--no-owner");
        }
        cmd.arg("--dbname").arg(target).arg(dump);
        run(cmd, "pg_restore").await?;
        let mut restored = PgConnection::connect_with(&owner.on(target).options()).await?;
        let found = contents(&mut restored).await;
        restored.close().await?;
        found
    }
    .await;
    if restored.is_err() {
        let _ = ddl(&mut server, Ddl::Drop(target)).await;
    }
    server.close().await?;
    restored
}

/// Puts the restored database in the clinic database's place: `current` is renamed `keep_as`
/// (kept until an admin drops it) and `restored` takes its name, so every desk, whose profile
/// names `current`, reconnects to the restored data. The desks' open sessions are ended first
/// (both databases refuse new ones meanwhile); the kept one then refuses connections for good.
pub async fn switch(owner: &Conn, current: &str, restored: &str, keep_as: &str) -> AppResult<()> {
    let mut server = PgConnection::connect_with(&owner.on("postgres").options()).await?;
    // The restored one first: if this fails, the clinic's database was never closed.
    ddl(&mut server, Ddl::AllowConnections(restored, false)).await?;
    let mut kept = false;
    let switched = async {
        ddl(&mut server, Ddl::AllowConnections(current, false)).await?;
        // What this login may end: a superuser, every session; the owner, the sessions of roles
        // that are no superusers (a superuser's may not be ended by it, and from PostgreSQL 17
        // neither may a process with no role, such as autovacuum on the freshly restored
        // database: the error would undo the switch; the rename ends autovacuum itself).
        sqlx::query!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname IN ($1, $2) AND pid <> pg_backend_pid()
               AND (current_setting('is_superuser') = 'on' OR usesysid IN (SELECT oid FROM pg_roles WHERE NOT rolsuper))",
            current,
            restored
        )
        .fetch_all(&mut server)
        .await?;
        ddl(&mut server, Ddl::Rename(current, keep_as)).await?;
        kept = true;
        ddl(&mut server, Ddl::Rename(restored, current)).await
    }
    .await;
    if switched.is_err() && kept {
        // The clinic's data goes back under its name rather than leave the desks without one.
        let _ = ddl(&mut server, Ddl::Rename(keep_as, current)).await;
    }
    // Whatever happened, the database under the clinic's name takes connections again.
    ddl(&mut server, Ddl::AllowConnections(current, true)).await?;
    if switched.is_err() {
        let _ = ddl(&mut server, Ddl::AllowConnections(restored, true)).await;
    }
    server.close().await?;
    switched
}

/// The databases restores kept beside `current`, with their size.
pub async fn kept(owner: &Conn, current: &str) -> AppResult<Vec<(String, i64)>> {
    let mut server = PgConnection::connect_with(&owner.on("postgres").options()).await?;
    let rows = sqlx::query!(
        r#"SELECT datname::text AS "name!", pg_database_size(oid) AS "bytes!" FROM pg_database
           WHERE datname::text LIKE '%\_antes\_%' ORDER BY datname"#
    )
    .fetch_all(&mut server)
    .await?;
    server.close().await?;
    Ok(rows.into_iter().filter(|r| is_kept(current, &r.name)).map(|r| (r.name, r.bytes)).collect())
}

/// What `conn`'s database holds now (counted in one snapshot).
pub async fn count(conn: &Conn) -> AppResult<Contents> {
    let mut db = PgConnection::connect_with(&conn.options()).await?;
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let held = contents(&mut tx).await?;
    tx.rollback().await?;
    db.close().await?;
    Ok(held)
}

/// Drops a database (the caller checked it is one a restore made or kept).
pub async fn drop_database(owner: &Conn, name: &str) -> AppResult<()> {
    let mut server = PgConnection::connect_with(&owner.on("postgres").options()).await?;
    ddl(&mut server, Ddl::Drop(name)).await?;
    server.close().await?;
    Ok(())
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_programs_errors_reach_the_log_without_a_rows_content() {
        let stderr = "pg_restore: error: COPY failed for table \"patients\": ERROR:  duplicate key value violates unique constraint \"patients_pkey\"
DETAIL:  Key (id)=(0190f0aa-0000-7000-8000-000000000001) already exists.
CONTEXT:  COPY patients, line 1: \"0190f0aa-0000-7000-8000-000000000001\tMaría\tLópez Díaz\t5512345678\"
pg_restore: warning: errors ignored on restore: 1
";
        let kept = super::program_errors(stderr);
        for secret in ["María", "López", "5512345678", "0190f0aa", "already exists"] {
            assert!(!kept.contains(secret), "{secret} in {kept}");
        }
        assert_eq!(
            kept,
            "pg_restore: error: COPY failed for table \"patients\": ERROR:  duplicate key value violates unique \
             constraint \"patients_pkey\" | pg_restore: warning: errors ignored on restore: 1"
        );
        let typed = super::program_errors("pg_restore: error: invalid input syntax for type date: \"María 31/02\"\n");
        assert_eq!(typed, "pg_restore: error: invalid input syntax for type date");
        assert_eq!(super::program_errors("FATAL: x\n"), "(no message of its own)");
    }
}
