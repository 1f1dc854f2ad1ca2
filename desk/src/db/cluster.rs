//! The embedded default: a private PostgreSQL cluster run from the system's binaries, reachable
//! only through a Unix socket in a folder that only its owner can open, and only with a password
//! (scram-sha-256, socket included). Three roles, each for one thing:
//! - its superuser (`clinic`, the one `initdb` makes) creates the other two, the desks' group and
//!   the clinic's database, and moves the cluster to a newer PostgreSQL; nothing else runs as it;
//! - the schema's owner (`clinic_owner`: no superuser, may create databases) owns the clinic's
//!   database and every object in it, runs the migrations, and takes and restores backups, so a
//!   restored file runs with no more than the schema's own rights;
//! - the desk login (`clinic_desk`), the app's pool: a member of `podoclinic_app` that reads and
//!   writes rows and nothing more.
//!
//! The passwords are random, made when the cluster is, and kept in a file only the desk's OS user
//! can read, beside the data files that user can read anyway: this keeps out a stray `psql`, a
//! statement injected through the app or a bug in it, not the desk's OS user (the audit chain is
//! what catches that user's edits).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::{Deserialize, Serialize};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tokio::process::Command;

use crate::db::Target;
use crate::db::programs::{self, PG_BIN_ENV, binaries_major, find_binaries, has_server_binaries, installed_majors};
use crate::platform::{self, ClusterAddress, ClusterUser};

/// The cluster's superuser (the bootstrap role `initdb` makes).
const SUPERUSER: &str = "clinic";
/// The schema's owner: not a superuser.
const OWNER: &str = "clinic_owner";
/// The app's daily login.
const DESK: &str = "clinic_desk";
const DATABASE: &str = "clinic";
/// The one rule of the cluster's `pg_hba.conf`.
/// The one rule of the cluster's `pg_hba.conf` (per platform: its socket, or loopback TCP).
const HBA: &str = ClusterAddress::HBA;
/// The desks' group, made by the superuser (the schema's owner may not make roles; its migration
/// grants the group its rights).
const DESKS_GROUP: &str = "DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        CREATE ROLE podoclinic_app NOLOGIN;
    END IF;
END $$";
/// Every database of the cluster but its maintenance one, the schema owner's (run as the superuser).
const OWN_DATABASES: &str = "DO $$
DECLARE
    name text;
BEGIN
    FOR name IN SELECT datname FROM pg_database
        WHERE NOT datistemplate AND datname <> 'postgres' AND datdba <> 'clinic_owner'::regrole
    LOOP
        EXECUTE format('ALTER DATABASE %I OWNER TO clinic_owner', name);
    END LOOP;
END $$";
/// In one database (run as the superuser in each, `template1` included): the `public` schema is
/// its database owner's and nobody else may create in it (PostgreSQL 15's default; a 14 cluster
/// gives it to the superuser with CREATE for everyone, and a database made from its template
/// would too), and every object the superuser owns (a cluster an older app made) is the schema
/// owner's: one `ALTER … OWNER` each, since the bootstrap superuser's objects cannot be reassigned
/// in one statement. A column's sequence moves with its table; what an extension made stays the
/// extension's.
const OWN_OBJECTS: &str = "DO $$
DECLARE
    me oid := (SELECT oid FROM pg_roles WHERE rolname = current_user);
    r record;
BEGIN
    IF (SELECT nspowner FROM pg_namespace WHERE nspname = 'public') = me THEN
        ALTER SCHEMA public OWNER TO pg_database_owner;
    END IF;
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    FOR r IN SELECT c.oid::regclass::text AS name,
                    CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                        WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = me
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                   AND d.deptype IN ('a', 'i', 'e'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO clinic_owner', r.kind, r.name);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure::text AS name,
                    CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END AS kind
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = me
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                                   AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO clinic_owner', r.kind, r.name);
    END LOOP;
    FOR r IN SELECT t.oid::regtype::text AS name, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
        FROM pg_type t
        WHERE t.typnamespace = 'public'::regnamespace AND t.typowner = me
          AND (t.typtype IN ('e', 'd', 'r')
               OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                                                   AND d.deptype IN ('e', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO clinic_owner', r.kind, r.name);
    END LOOP;
END $$";
/// Unix socket paths are limited to 107 bytes; keep ours well under.
const MAX_SOCKET_DIR: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("no PostgreSQL server binaries (initdb, pg_ctl) were found")]
    NoBinaries,
    /// The cluster was made with a major whose binaries are not installed (a system update
    /// replaced them): nothing is started or changed until they are, or the data is upgraded.
    #[error("the cluster was made with PostgreSQL {cluster}, which is not installed (installed: {installed:?})")]
    VersionMissing { cluster: u32, installed: Vec<u32> },
    #[error("running as root and there is no unprivileged 'postgres' user to run the cluster as")]
    NoUnprivilegedUser,
    #[error("{step} failed: {detail}")]
    Step { step: &'static str, detail: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn step(step: &'static str) -> impl Fn(std::io::Error) -> ClusterError {
    move |e| ClusterError::Step { step, detail: e.to_string() }
}

/// The PostgreSQL major a cluster's data folder was made with (its `PG_VERSION`), once it exists.
pub fn cluster_major(data: &Path) -> Option<u32> {
    std::fs::read_to_string(data.join("PG_VERSION")).ok()?.trim().parse().ok()
}

/// The server binaries the cluster in `data` must run with: those of the major it was made with
/// (PostgreSQL cannot open another major's data files: a newer one installed beside it is not a
/// substitute, and only an upgrade moves the data to it). A new cluster takes the newest.
pub async fn binaries_for(data: &Path) -> Result<PathBuf, ClusterError> {
    let Some(major) = cluster_major(data) else {
        return find_binaries().ok_or(ClusterError::NoBinaries);
    };
    let mut candidates: Vec<PathBuf> = std::env::var_os(PG_BIN_ENV).map(PathBuf::from).into_iter().collect();
    candidates.extend(installed_majors().into_iter().filter(|(v, _)| *v == major).map(|(_, bin)| bin));
    candidates.extend(find_binaries());
    for bin in candidates.into_iter().filter(|b| has_server_binaries(b)) {
        if binaries_major(&bin).await == Some(major) {
            return Ok(bin);
        }
    }
    let installed = installed_majors().into_iter().map(|(v, _)| v).collect();
    Err(ClusterError::VersionMissing { cluster: major, installed })
}

/// How often the supervisor looks at the desk's own cluster while the desk is offline.
const SUPERVISE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// A private cluster: where it lives, which binaries run it, and as whom.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub bin: PathBuf,
    pub root: PathBuf,
    run_as: Option<ClusterUser>,
    /// The port (Unix: its socket's name, a TCP port only where `settings` make it listen;
    /// Windows: its loopback TCP port).
    pub port: u16,
    /// More server settings (`name=value`) given at start, after the app's own.
    pub settings: Vec<String>,
    /// Set when the app stops the cluster on exit: the supervisor must not start it again.
    closing: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Set while (and after) the cluster moves to another major: the supervisor stays out.
    upgrading: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Cluster {
    /// The desk's cluster for an app data folder, run with the binaries of the major its data was
    /// made with (see `binaries_for`).
    pub async fn for_desk(app_data_dir: &Path) -> Result<Self, ClusterError> {
        let planned = Self::plan(PathBuf::new(), app_data_dir)?;
        let bin = binaries_for(&planned.data_dir()).await?;
        Ok(Self { bin, ..planned })
    }

    /// Plans the cluster for an app data folder. As root, PostgreSQL will not run, so the cluster is
    /// run as the `postgres` system user and lives where that user can reach it.
    pub fn plan(bin: PathBuf, app_data_dir: &Path) -> Result<Self, ClusterError> {
        if let Some(user) = platform::cluster_user().map_err(|_| ClusterError::NoUnprivilegedUser)? {
            let root = PathBuf::from("/var/lib/podoclinic").join(short_hash(app_data_dir));
            Ok(Self {
                port: ClusterAddress::default_port(&root),
                bin,
                root,
                run_as: Some(user),
                settings: Vec::new(),
                closing: Default::default(),
                upgrading: Default::default(),
            })
        } else {
            let root = app_data_dir.join("pg");
            Ok(Self {
                port: ClusterAddress::default_port(&root),
                bin,
                root,
                run_as: None,
                settings: Vec::new(),
                closing: Default::default(),
                upgrading: Default::default(),
            })
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The socket folder: inside the cluster's folder when the path is short enough.
    pub fn socket_dir(&self) -> PathBuf {
        let inside = self.root.join("run");
        if inside.as_os_str().len() <= MAX_SOCKET_DIR {
            inside
        } else {
            std::env::temp_dir().join(format!("podoclinic-{}", short_hash(&self.root)))
        }
    }

    /// Where the cluster listens and how the desk reaches it.
    pub fn address(&self) -> ClusterAddress {
        ClusterAddress { sockets: self.socket_dir(), port: self.port }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(programs::program(&self.bin, program));
        cmd.current_dir(&self.root).env_remove("PGDATA").kill_on_drop(false);
        if let Some(user) = &self.run_as {
            user.apply(&mut cmd, &self.root);
        }
        cmd
    }

    fn std_command(&self, program: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(programs::program(&self.bin, program));
        cmd.current_dir(&self.root).env_remove("PGDATA");
        if let Some(user) = &self.run_as {
            user.apply_std(&mut cmd);
        }
        cmd
    }

    fn prepare_dir(&self, dir: &Path) -> Result<(), ClusterError> {
        platform::private_dir(dir).map_err(step("create folder"))?;
        self.hand_over(dir)
    }

    fn credentials_file(&self) -> PathBuf {
        self.root.join("credentials.json")
    }

    /// The cluster's passwords, made on first use (and the schema owner's, on a cluster an older
    /// app made).
    fn credentials(&self) -> Result<Credentials, ClusterError> {
        let path = self.credentials_file();
        let mut found = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ClusterError::Step { step: "read credentials", detail: e.to_string() })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Credentials { superuser: random_password(), desk: random_password(), owner: String::new() }
            }
            Err(e) => return Err(step("read credentials")(e)),
        };
        if found.owner.is_empty() {
            found.owner = random_password();
            write_private(&path, &serde_json::to_vec(&found).expect("strings serialise"))?;
        }
        Ok(found)
    }

    /// Creates the cluster on first use, starts it (or finds it running), makes every connection
    /// need a password (a cluster made by an older app trusted its socket), creates the clinic's
    /// database, and returns how the owner and the desk connect.
    #[tracing::instrument(skip_all)]
    pub async fn start(&self) -> Result<Target, ClusterError> {
        if let Some(parent) = self.root.parent() {
            std::fs::create_dir_all(parent).map_err(step("create folder"))?;
        }
        self.prepare_dir(&self.root)?;
        let address = self.address();
        self.prepare_dir(&address.sockets)?;
        let data = self.data_dir();
        tracing::info!(root = %self.root.display(), "local database cluster");
        let credentials = self.credentials()?;

        if !data.join("PG_VERSION").exists() {
            // A missing data folder beside an upgrade's is an interrupted upgrade, not a new desk:
            // making an empty cluster here would hide the clinic's data.
            let upgrade_left = std::fs::read_dir(&self.root)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("data-"));
            if upgrade_left {
                return Err(ClusterError::Step {
                    step: "start",
                    detail: format!("no data folder, but an upgrade's folders are in {}", self.root.display()),
                });
            }
            tracing::info!("creating the local database cluster");
            self.init(&data, &credentials.superuser).await?;
        }

        let running =
            self.command("pg_ctl").arg("status").arg("-D").arg(&data).output().await.map_err(step("pg_ctl status"))?;
        if !running.status.success() {
            tracing::info!("starting the local database cluster");
            self.serve(&data, &address).await?;
        }

        let base = address.connect_options();
        let superuser = base.clone().username(SUPERUSER).password(&credentials.superuser);
        let mut admin = PgConnection::connect_with(&superuser.clone().database("postgres")).await?;
        if std::fs::read_to_string(data.join("pg_hba.conf")).map_err(step("read pg_hba.conf"))? != HBA {
            // A cluster an older app made: its socket trusted anyone. The superuser gets its
            // password first (trust lets this connection in without one), then the socket stops
            // trusting.
            tracing::info!("the local cluster now asks every connection for a password");
            crate::db::set_login(&mut admin, SUPERUSER, &credentials.superuser, crate::db::Login::Existing).await?;
            self.write_hba()?;
            sqlx::query("SELECT pg_reload_conf()").execute(&mut admin).await?;
        }
        crate::db::set_login(&mut admin, OWNER, &credentials.owner, crate::db::Login::Owner).await?;
        sqlx::query(DESKS_GROUP).execute(&mut admin).await?;
        crate::db::set_login(&mut admin, DESK, &credentials.desk, crate::db::Login::Desk).await?;
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
            DATABASE
        )
        .fetch_one(&mut admin)
        .await?;
        if !exists {
            // Runtime text, not a macro: DDL on the cluster's maintenance database, outside the schema.
            sqlx::query("CREATE DATABASE clinic OWNER clinic_owner").execute(&mut admin).await?;
        }
        // The clinic's database, and those restores made or kept beside it, are the owner's, and
        // so is what is in them: a cluster an older app made had it all owned by its superuser.
        // (A kept database takes no connections: it is only ever dropped.)
        sqlx::query(OWN_DATABASES).execute(&mut admin).await?;
        // Runtime text, not a macro: the cluster's catalog, outside the schema.
        let databases: Vec<String> =
            sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datallowconn AND datname <> 'postgres'")
                .fetch_all(&mut admin)
                .await?;
        admin.close().await?;
        for name in databases {
            let mut db = PgConnection::connect_with(&superuser.clone().database(&name)).await?;
            sqlx::query(OWN_OBJECTS).execute(&mut db).await?;
            db.close().await?;
        }
        Ok(Target {
            desk: base.clone().username(DESK).password(&credentials.desk).database(DATABASE),
            owner: Some(base.username(OWNER).password(&credentials.owner).database(DATABASE)),
            tunnel: None,
        })
    }

    /// How the client programs (pg_dump, pg_restore) and the backup's own connections reach the
    /// clinic's database as the cluster's owner: its socket folder, with its password.
    pub fn owner_conn(&self) -> Result<crate::backup::dump::Conn, ClusterError> {
        let credentials = self.credentials()?;
        Ok(crate::backup::dump::Conn {
            host: self.address().host(),
            port: self.port,
            user: OWNER.into(),
            password: Some(credentials.owner),
            database: DATABASE.into(),
            ssl: None,
            tunnel: None,
        })
    }

    /// Makes a new data folder with this cluster's binaries: the superuser with its password, every
    /// connection asked for one, UTF-8; then the app's one `pg_hba.conf` rule.
    async fn init(&self, data: &Path, superuser_password: &str) -> Result<(), ClusterError> {
        self.prepare_dir(data)?;
        let pwfile = self.root.join("initdb.pw");
        write_private(&pwfile, superuser_password.as_bytes())?;
        self.hand_over(&pwfile)?;
        let mut args = vec!["-D".into(), data.display().to_string(), "-U".into(), SUPERUSER.into()];
        args.push(format!("--pwfile={}", pwfile.display()));
        args.extend(["--auth=scram-sha-256", "-E", "UTF8"].map(String::from));
        args.extend(platform::CLUSTER_LOCALE.iter().map(|a| a.to_string()));
        let made = run_step(self.command("initdb").args(&args), "initdb").await;
        let _ = std::fs::remove_file(&pwfile);
        made?;
        self.write_hba_in(data)
    }

    /// Starts a server on `data`, listening only at `at` (for this desk alone).
    async fn serve(&self, data: &Path, at: &ClusterAddress) -> Result<(), ClusterError> {
        let mut opts = at.server_options();
        for setting in &self.settings {
            opts.push_str(&format!(" -c {setting}"));
        }
        let log = if data == self.data_dir() { "postgresql.log" } else { "postgresql-upgrade.log" };
        let mut start = self.command("pg_ctl");
        start.args(["start", "-w", "-t", "60", "-s", "-D"]).arg(data).arg("-l").arg(self.root.join(log));
        start.arg("-o").arg(opts);
        run_step_leaving_server(&mut start, "pg_ctl start", &self.root.join("pg_ctl.out")).await
    }

    /// Stops the server on `data` (fast: open transactions roll back, committed data is safe).
    async fn halt(&self, data: &Path) -> Result<(), ClusterError> {
        run_step(self.command("pg_ctl").args(["stop", "-m", "fast", "-w", "-s", "-D"]).arg(data), "pg_ctl stop").await
    }

    /// The newest PostgreSQL major installed, when it is newer than the one this cluster runs:
    /// what the admin window offers to upgrade to.
    pub async fn upgrade_offer(&self) -> Option<(u32, u32, PathBuf)> {
        let current = cluster_major(&self.data_dir())?;
        let (newest, bin) = installed_majors().pop()?;
        (newest > current && bin != self.bin).then_some((current, newest, bin))
    }

    /// Moves the clinic's data to the PostgreSQL major of `new_bin` by dump and restore (the
    /// newer major's `pg_dumpall`, which reads older servers, into a new cluster made by its own
    /// `initdb`), proves that every table holds the same rows and the audit chain the same head,
    /// then puts the new data folder in place and keeps the old one beside it, untouched
    /// (`data-<major>-<when>`): the backup taken first. The app restarts afterwards to run the new
    /// binaries. On any failure the old cluster is started again and nothing is moved.
    #[tracing::instrument(skip_all)]
    pub async fn upgrade_to(&self, new_bin: &Path) -> Result<Upgraded, ClusterError> {
        let data = self.data_dir();
        let from = cluster_major(&data).ok_or(ClusterError::NoBinaries)?;
        let to = binaries_major(new_bin).await.ok_or(ClusterError::NoBinaries)?;
        if to <= from {
            return Err(ClusterError::Step { step: "upgrade", detail: format!("{to} is not newer than {from}") });
        }
        for program in ["pg_dumpall", "psql"] {
            if !programs::program(new_bin, program).is_file() {
                return Err(ClusterError::Step { step: "upgrade", detail: format!("{program} of {to} is missing") });
            }
        }
        self.upgrading.store(true, std::sync::atomic::Ordering::SeqCst);
        let outcome = self.move_to(new_bin, from, to).await;
        if outcome.is_err() {
            // Whatever failed, the desk goes on with its old cluster, on its own socket again.
            let _ = self.halt(&self.data_dir()).await;
            let _ = self.start().await;
            self.upgrading.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        outcome
    }

    async fn move_to(&self, new_bin: &Path, from: u32, to: u32) -> Result<Upgraded, ClusterError> {
        let data = self.data_dir();
        self.start().await?;
        // The old server again, on a socket of the upgrade's own: no desk can write to it while
        // it is counted and copied (a write after the copy would be left behind in the old folder).
        let private = self.address().aside("old", 1);
        self.prepare_dir(&private.sockets)?;
        self.halt(&data).await?;
        self.serve(&data, &private).await?;
        let old = crate::backup::dump::Conn { host: private.host(), port: private.port, ..self.owner_conn()? };
        let counted =
            |e: podoclinic_clinic::error::AppError| ClusterError::Step { step: "count rows", detail: e.to_string() };
        let before = crate::backup::dump::count(&old).await.map_err(counted)?;
        tracing::info!(from, to, "upgrading the local database cluster");

        let next = Self { bin: new_bin.to_path_buf(), ..self.clone() };
        let staged = self.root.join("data-upgrading");
        let sockets = self.address().aside("upgrading", 2);
        if staged.exists() {
            let _ = next.halt(&staged).await;
            std::fs::remove_dir_all(&staged).map_err(step("remove an unfinished upgrade"))?;
        }
        self.prepare_dir(&sockets.sockets)?;
        let credentials = self.credentials()?;
        next.init(&staged, &credentials.superuser).await?;
        next.serve(&staged, &sockets).await?;
        let copied = async {
            let script = self.root.join("upgrade.sql");
            let libpq = |cmd: &mut Command, at: &ClusterAddress| {
                cmd.env_clear()
                    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                    .env("PGHOST", at.host())
                    .env("PGPORT", at.port.to_string())
                    .env("PGUSER", SUPERUSER)
                    .env("PGPASSWORD", &credentials.superuser)
                    .kill_on_drop(true);
            };
            let mut dumpall = Command::new(programs::program(new_bin, "pg_dumpall"));
            libpq(&mut dumpall, &private);
            let result = async {
                run_step(dumpall.arg("--file").arg(&script), "pg_dumpall").await?;
                // The superuser exists already (initdb made it, with the same password): its
                // CREATE goes, so any other error stops the restore.
                let text = std::fs::read_to_string(&script).map_err(step("read the upgrade script"))?;
                let create_owner = format!("CREATE ROLE {SUPERUSER};");
                let text: String =
                    text.lines().filter(|l| l.trim() != create_owner).map(|l| format!("{l}\n")).collect();
                std::fs::write(&script, text).map_err(step("write the upgrade script"))?;
                let mut psql = Command::new(programs::program(new_bin, "psql"));
                libpq(&mut psql, &sockets);
                psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f"]).arg(&script);
                run_step(&mut psql, "psql").await
            }
            .await;
            let _ = std::fs::remove_file(&script);
            result?;
            let new = crate::backup::dump::Conn { host: sockets.host(), port: sockets.port, ..old.clone() };
            let after = crate::backup::dump::count(&new).await.map_err(counted)?;
            if after != before {
                return Err(ClusterError::Step { step: "upgrade", detail: "the new cluster holds other rows".into() });
            }
            Ok(())
        }
        .await;
        let halted = next.halt(&staged).await;
        if let Err(e) = copied.and(halted) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        // Nothing was written to the old server meanwhile (no desk reached it): the copy is whole.
        self.halt(&data).await?;
        let kept = self.root.join(format!("data-{from}-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
        std::fs::rename(&data, &kept).map_err(step("keep the old data folder"))?;
        if let Err(e) = std::fs::rename(&staged, &data) {
            // The old folder goes back in place rather than leave the desk without one.
            let _ = std::fs::rename(&kept, &data);
            return Err(step("put the new data folder in place")(e));
        }
        let _ = std::fs::remove_dir_all(&sockets.sockets);
        let _ = std::fs::remove_dir_all(&private.sockets);
        tracing::info!(from, to, kept = %kept.display(), "the local database cluster was upgraded");
        Ok(Upgraded { from, to, kept })
    }

    /// Whether the cluster's server is running (`pg_ctl status`: a live postmaster holds its lock
    /// file; a stale one left by a crash does not count).
    pub async fn running(&self) -> Result<bool, ClusterError> {
        let status = self.command("pg_ctl").arg("status").arg("-D").arg(self.data_dir()).output().await;
        Ok(status.map_err(step("pg_ctl status"))?.status.success())
    }

    /// Keeps the desk's own cluster up for the app's life: when the desk is offline and the
    /// cluster's server is not running (stopped, crashed, killed), it is started again (PostgreSQL
    /// recovers from its write-ahead log, and `pg_ctl status` first made sure no other server
    /// holds the folder). The pool then reconnects by itself.
    pub async fn supervise(&self, health: crate::db::health::Health) {
        loop {
            tokio::time::sleep(SUPERVISE_EVERY).await;
            if self.closing.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            if !matches!(health.current(), crate::db::health::DbStatus::Offline { .. })
                || self.upgrading.load(std::sync::atomic::Ordering::SeqCst)
            {
                continue;
            }
            match self.running().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the local cluster's state is unknown");
                    continue;
                }
            }
            tracing::warn!("the local database cluster is not running: starting it again");
            match self.start().await {
                Ok(_) => {
                    tracing::info!("the local database cluster is running again");
                    health.kick.notify_one();
                }
                Err(e) => tracing::error!(error = %e, "the local database cluster did not start again"),
            }
        }
    }

    /// Rewrites `pg_hba.conf` with the one rule (read by the server at start or on reload).
    fn write_hba(&self) -> Result<(), ClusterError> {
        self.write_hba_in(&self.data_dir())
    }

    fn write_hba_in(&self, data: &Path) -> Result<(), ClusterError> {
        let path = data.join("pg_hba.conf");
        write_private(&path, HBA.as_bytes())?;
        self.hand_over(&path)
    }

    /// Gives a file the cluster's server reads to the user it runs as.
    pub fn hand_over(&self, path: &Path) -> Result<(), ClusterError> {
        if let Some(user) = &self.run_as {
            user.hand_over(path).map_err(step("chown"))?;
        }
        Ok(())
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, committed data is safe).
    /// Blocking: call it on app exit, not on the async runtime.
    pub fn stop_blocking(&self) {
        self.closing.store(true, std::sync::atomic::Ordering::SeqCst);
        let result =
            self.std_command("pg_ctl").args(["stop", "-m", "fast", "-w", "-s", "-D"]).arg(self.data_dir()).output();
        match result {
            Ok(out) if out.status.success() => tracing::info!("local database cluster stopped"),
            Ok(out) => {
                tracing::warn!(stderr = %String::from_utf8_lossy(&out.stderr), "pg_ctl stop failed")
            }
            Err(e) => tracing::warn!(error = %e, "pg_ctl stop failed"),
        }
    }
}

/// What an upgrade did: the majors, and where the old data folder is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgraded {
    pub from: u32,
    pub to: u32,
    pub kept: PathBuf,
}

/// Runs a client program to its end; its stderr is the failure's detail.
async fn run_step(cmd: &mut Command, what: &'static str) -> Result<(), ClusterError> {
    let out = cmd.output().await.map_err(step(what))?;
    if out.status.success() {
        return Ok(());
    }
    Err(ClusterError::Step { step: what, detail: String::from_utf8_lossy(&out.stderr).into() })
}

/// `run_step` for a step that leaves a server running (`pg_ctl start`): its output goes to the
/// file `said`, not a pipe. The server inherits the step's handles (Windows hands every inheritable
/// one on) and would hold a pipe open for its whole life, so reading to the pipe's end never ends.
async fn run_step_leaving_server(cmd: &mut Command, what: &'static str, said: &Path) -> Result<(), ClusterError> {
    let out = tokio::fs::File::create(said).await.map_err(step(what))?.into_std().await;
    let err = out.try_clone().map_err(step(what))?;
    let status = cmd.stdin(Stdio::null()).stdout(out).stderr(err).status().await.map_err(step(what))?;
    if status.success() {
        return Ok(());
    }
    Err(ClusterError::Step { step: what, detail: tokio::fs::read_to_string(said).await.unwrap_or_default() })
}

/// The cluster's passwords. A file an older app wrote holds the superuser's (under "owner", when
/// it was also the schema's owner) and the desk's: the schema owner's is added to it.
#[derive(Serialize, Deserialize)]
struct Credentials {
    #[serde(rename = "owner")]
    superuser: String,
    desk: String,
    #[serde(rename = "schema_owner", default)]
    owner: String,
}

/// 244 random bits from the OS (two UUID v4s), as 64 hex digits: no character that needs quoting.
fn random_password() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Writes a file only its owner can read or write (temp file + rename: never half a file).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ClusterError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = platform::create_private_file(&tmp).map_err(step("write private file"))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(step("write private file"))?;
    std::fs::rename(&tmp, path).map_err(step("write private file"))
}

/// A short stable name for a path (FNV-1a), so different data folders get different clusters.
fn short_hash(path: &Path) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in path.as_os_str().as_encoded_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
}
