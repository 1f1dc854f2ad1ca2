//! Windows desks: the desk's folders live under the user's profile (`%APPDATA%`,
//! `%LOCALAPPDATA%`), which Windows already keeps to that user, and the cluster runs as the
//! desk's own user (PostgreSQL for Windows refuses administrators only when they hold the
//! privileges; the installer runs the desk as the signed-in user).

use std::io;
use std::path::Path;

use super::NoClusterUser;

pub fn restrict_dir(_path: &Path) -> io::Result<()> {
    Ok(())
}

pub fn restrict_new_file(_options: &mut std::fs::OpenOptions) {}

/// No other user: there is no value of this type on Windows.
#[derive(Debug, Clone)]
pub enum ClusterUser {}

pub fn cluster_user() -> Result<Option<ClusterUser>, NoClusterUser> {
    Ok(None)
}

impl ClusterUser {
    pub fn apply(&self, _cmd: &mut tokio::process::Command, _home: &Path) {
        match *self {}
    }

    pub fn apply_std(&self, _cmd: &mut std::process::Command) {
        match *self {}
    }

    pub fn hand_over(&self, _path: &Path) -> io::Result<()> {
        match *self {}
    }
}

/// What a `DeskListener` accepts.
pub type DeskStream = tokio::net::TcpStream;

/// Loopback TCP on a port the system picks: only this machine can connect, and what answers asks
/// for the server's own password.
pub struct DeskListener {
    listener: tokio::net::TcpListener,
    port: u16,
}

impl DeskListener {
    pub async fn bind(_server_port: u16) -> io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    pub async fn accept(&self) -> io::Result<DeskStream> {
        Ok(self.listener.accept().await?.0)
    }

    pub fn options(&self) -> sqlx::postgres::PgConnectOptions {
        sqlx::postgres::PgConnectOptions::new_without_pgpass().host("127.0.0.1").port(self.port)
    }
}

/// Where the embedded cluster listens: loopback TCP only, on a port of the desk's own (PostgreSQL
/// for Windows, whose binaries the cluster runs, usually has its service on 5432), every
/// connection asked for a password (scram-sha-256): Windows has no socket-folder permissions to
/// lean on.
#[derive(Debug, Clone)]
pub struct ClusterAddress {
    pub sockets: std::path::PathBuf,
    pub port: u16,
}

impl ClusterAddress {
    pub const HBA: &'static str = "# Written by Podoclinic: this machine only, and every connection needs a password.\nhost all all 127.0.0.1/32 scram-sha-256\n";

    /// A port from the data folder's path (20000–39999): the same for a desk each time, and two
    /// desks' clusters on one machine (tests) apart.
    pub fn default_port(root: &Path) -> u16 {
        let mut h: u32 = 0x811c9dc5;
        for b in root.as_os_str().as_encoded_bytes() {
            h = (h ^ u32::from(*b)).wrapping_mul(0x01000193);
        }
        20000 + (h % 20000) as u16
    }

    pub fn server_options(&self) -> String {
        // No quotes: pg_ctl for Windows hands these to the server through cmd.exe, which keeps
        // single quotes as part of the value. No Unix socket: PostgreSQL for Windows makes none
        // unless told to.
        format!("-c listen_addresses=127.0.0.1 -p {}", self.port)
    }

    pub fn connect_options(&self) -> sqlx::postgres::PgConnectOptions {
        sqlx::postgres::PgConnectOptions::new_without_pgpass().host("127.0.0.1").port(self.port)
    }

    pub fn host(&self) -> String {
        "127.0.0.1".into()
    }

    /// An address no desk knows, for a server the upgrade runs on its own: the `nth` port after.
    pub fn aside(&self, _tag: &str, nth: u16) -> Self {
        Self { sockets: self.sockets.clone(), port: self.port.wrapping_add(nth) }
    }
}

/// Waits for Windows to ask the app to stop: the console's Ctrl+C or Ctrl+Break, its window
/// closed, or the session ending (log off, shut down). Never returns if the handlers cannot be
/// installed.
pub async fn shutdown_requested() {
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_logoff, ctrl_shutdown};
    let (Ok(mut c), Ok(mut brk), Ok(mut close), Ok(mut logoff), Ok(mut shutdown)) =
        (ctrl_c(), ctrl_break(), ctrl_close(), ctrl_logoff(), ctrl_shutdown())
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = c.recv() => {}
        _ = brk.recv() => {}
        _ = close.recv() => {}
        _ = logoff.recv() => {}
        _ = shutdown.recv() => {}
    }
}

/// Where PostgreSQL for Windows (the EDB installer) puts each major: `Program Files\PostgreSQL\<major>`.
pub fn postgres_installs() -> Vec<std::path::PathBuf> {
    ["ProgramW6432", "ProgramFiles"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|dir| std::path::PathBuf::from(dir).join("PostgreSQL"))
        .collect()
}

/// The embedded cluster's locale (`initdb` options): Windows has no "C.UTF-8", and its "C" leaves
/// accented letters out of case folding and of pg_trgm's words ("Peña" searched as "pe" and "a").
/// Spanish (Mexico), in the BCP 47 form PostgreSQL for Windows takes, is on every Windows: with
/// UTF-8 it folds and searches "Ñ" as a letter and sorts names the Spanish way (á with a, ñ after n).
/// The server's own messages stay in English, as on Linux, for whoever reads its log.
pub const CLUSTER_LOCALE: &[&str] = &["--locale=es-MX", "--lc-messages=C"];
