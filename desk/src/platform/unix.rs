//! Linux and other Unix desks.

use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::NoClusterUser;

pub fn restrict_dir(path: &Path) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

pub fn restrict_new_file(options: &mut std::fs::OpenOptions) {
    options.mode(0o600);
}

/// The system user a cluster runs as when the desk runs as root.
#[derive(Debug, Clone)]
pub struct ClusterUser(nix::unistd::User);

pub fn cluster_user() -> Result<Option<ClusterUser>, NoClusterUser> {
    if !nix::unistd::Uid::effective().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name("postgres").ok().flatten().ok_or(NoClusterUser)?;
    Ok(Some(ClusterUser(user)))
}

impl ClusterUser {
    /// Runs `cmd` as this user, with its home in `home`.
    pub fn apply(&self, cmd: &mut tokio::process::Command, home: &Path) {
        cmd.uid(self.0.uid.as_raw()).gid(self.0.gid.as_raw()).env("HOME", home);
    }

    /// The same for a blocking command (the stop on exit).
    pub fn apply_std(&self, cmd: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        cmd.uid(self.0.uid.as_raw()).gid(self.0.gid.as_raw());
    }

    /// Gives a file or folder to this user.
    pub fn hand_over(&self, path: &Path) -> io::Result<()> {
        std::os::unix::fs::chown(path, Some(self.0.uid.as_raw()), Some(self.0.gid.as_raw()))
    }
}

/// What a `DeskListener` accepts.
pub type DeskStream = tokio::net::UnixStream;

/// A socket in a fresh folder only this OS user can open; the folder goes with the listener.
pub struct DeskListener {
    listener: tokio::net::UnixListener,
    folder: std::path::PathBuf,
    port: u16,
}

impl DeskListener {
    /// Listens for PostgreSQL clients as a server on `port` would (the socket's name carries it).
    pub async fn bind(port: u16) -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let folder = std::env::temp_dir().join(format!("podoclinic-tls-{}", uuid::Uuid::new_v4().simple()));
        std::fs::DirBuilder::new().mode(0o700).create(&folder)?;
        let listener = tokio::net::UnixListener::bind(folder.join(format!(".s.PGSQL.{port}")))?;
        Ok(Self { listener, folder, port })
    }

    pub async fn accept(&self) -> io::Result<DeskStream> {
        Ok(self.listener.accept().await?.0)
    }

    /// How sqlx reaches this listener (user, password and database still to set).
    pub fn options(&self) -> sqlx::postgres::PgConnectOptions {
        sqlx::postgres::PgConnectOptions::new_without_pgpass().socket(&self.folder).port(self.port)
    }
}

impl Drop for DeskListener {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// Where the embedded cluster listens: a socket in `sockets` (a folder only its owner can open),
/// no TCP at all; the port only names the socket.
#[derive(Debug, Clone)]
pub struct ClusterAddress {
    pub sockets: std::path::PathBuf,
    pub port: u16,
}

impl ClusterAddress {
    /// The cluster's one `pg_hba.conf` rule: its socket, with a password.
    pub const HBA: &'static str =
        "# Written by Podoclinic: every connection needs a password.\nlocal all all scram-sha-256\n";

    /// The port a desk's cluster takes: here it only names the socket (no TCP port is opened).
    pub fn default_port(_root: &Path) -> u16 {
        5432
    }

    /// `pg_ctl -o` options: listen here only.
    pub fn server_options(&self) -> String {
        format!("-k {} -c listen_addresses='' -p {} -c unix_socket_permissions=0700", self.sockets.display(), self.port)
    }

    pub fn connect_options(&self) -> sqlx::postgres::PgConnectOptions {
        sqlx::postgres::PgConnectOptions::new_without_pgpass().socket(&self.sockets).port(self.port)
    }

    /// The host the client programs (pg_dump, psql) are given.
    pub fn host(&self) -> String {
        self.sockets.display().to_string()
    }

    /// An address no desk knows, for a server the upgrade runs on its own: a socket folder beside
    /// this one (`<folder>-<tag>`, as short: a socket's path has a hard limit).
    pub fn aside(&self, tag: &str, _nth: u16) -> Self {
        Self { sockets: std::path::PathBuf::from(format!("{}-{tag}", self.sockets.display())), port: self.port }
    }
}

/// Waits for the system to ask the app to stop: SIGTERM (a shutdown, `systemctl`, `kill`) or
/// SIGINT (Ctrl+C in a terminal). Never returns if the handlers cannot be installed.
pub async fn shutdown_requested() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Where the system's PostgreSQL majors are installed, one folder per major (Debian's layout).
pub fn postgres_installs() -> Vec<std::path::PathBuf> {
    vec!["/usr/lib/postgresql".into()]
}

/// The embedded cluster's locale (`initdb` options): C.UTF-8, which every glibc has, sorts by code
/// point and still knows that "Ñ" and "ñ" are one letter (lower, ILIKE, pg_trgm's words).
pub const CLUSTER_LOCALE: &[&str] = &["--locale=C.UTF-8"];
