//! The desk's own settings file (which database to use, the desk's name) and the password keyring.
//! The password is never written to the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{Connection, PgConnection};

use crate::db::Target;
use crate::db::tls::{SslMode, TlsRefusal, Tunnel};

use podoclinic_clinic::error::{AppError, AppResult};

/// Overrides the profile with a full connection URL (development and tests).
pub const DATABASE_URL_ENV: &str = "PODOCLINIC_DATABASE_URL";
pub(crate) const KEYRING_SERVICE: &str = "mx.podoclinic.desk";

/// The clinic's PostgreSQL server on the LAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerProfile {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub ssl_mode: SslMode,
    /// CA certificate file for `verify-ca` / `verify-full`.
    pub ssl_root_cert: Option<String>,
}

impl ServerProfile {
    pub fn validate(&self) -> AppResult<()> {
        use podoclinic_clinic::validate::required;
        required(&mut self.host.clone(), "host", 253)?;
        if self.port == 0 {
            return Err(AppError::validation("port", "invalid_port"));
        }
        required(&mut self.database.clone(), "database", 63)?;
        required(&mut self.user.clone(), "user", 63)?;
        let needs_ca = matches!(self.ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull);
        if let Some(mut ca) = self.ssl_root_cert.clone() {
            podoclinic_clinic::validate::trimmed(&mut ca, "sslRootCert", 4096)?;
        }
        if needs_ca && self.ssl_root_cert.as_deref().is_none_or(|c| c.trim().is_empty()) {
            return Err(AppError::validation("sslRootCert", "required"));
        }
        Ok(())
    }

    /// How to connect: straight to the server without TLS, else through a TLS tunnel of this
    /// process (see `db::tls`), which the caller keeps alive as long as it connects.
    pub async fn options(&self, password: Option<&str>) -> Result<(PgConnectOptions, Option<Arc<Tunnel>>), TlsRefusal> {
        let (base, tunnel) = match self.ssl_mode {
            SslMode::Disable => {
                let direct = PgConnectOptions::new_without_pgpass().host(self.host.trim()).port(self.port);
                (direct.ssl_mode(PgSslMode::Disable), None)
            }
            mode => {
                let ca = self.ssl_root_cert.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(Path::new);
                let tunnel = Tunnel::start(self.host.trim(), self.port, mode, ca).await?;
                (tunnel.options(), Some(tunnel))
            }
        };
        let mut o = base.database(self.database.trim()).username(self.user.trim());
        if let Some(p) = password {
            o = o.password(p);
        }
        Ok((o, tunnel))
    }

    fn keyring_user(&self) -> String {
        format!("{}@{}:{}/{}", self.user.trim(), self.host.trim(), self.port, self.database.trim())
    }
}

/// Where this desk's database is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ConnectionProfile {
    /// A private cluster in the app's data folder (single-desk clinics).
    Local,
    /// The clinic's server on the LAN.
    Server(ServerProfile),
}

/// The desk's settings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskConfig {
    /// Shown in the audit log: which reception desk did it.
    pub desk_name: String,
    pub connection: ConnectionProfile,
    /// On a LAN server, the login this desk takes backups as (one that reads every table and may
    /// create databases; see the README), its password in the OS keyring. `None`: this desk does
    /// not take backups, or uses the embedded cluster's owner.
    #[serde(default)]
    pub backup_user: Option<String>,
}

impl ConnectionProfile {
    /// Whether `other` reaches the same clinic's database (the same server, port and database; the
    /// login, TLS mode or certificate may differ).
    pub fn same_clinic(&self, other: &ConnectionProfile) -> bool {
        match (self, other) {
            (ConnectionProfile::Local, ConnectionProfile::Local) => true,
            (ConnectionProfile::Server(a), ConnectionProfile::Server(b)) => {
                a.host.trim().eq_ignore_ascii_case(b.host.trim())
                    && a.port == b.port
                    && a.database.trim() == b.database.trim()
            }
            _ => false,
        }
    }
}

impl DeskConfig {
    fn default_for_host() -> Self {
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        let desk_name = if host.is_empty() { "Recepción".to_string() } else { host };
        Self { desk_name, connection: ConnectionProfile::Local, backup_user: None }
    }

    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("desk.json")
    }

    /// Reads the file; a missing file means "local database, desk named after the host".
    pub fn load(config_dir: &Path) -> AppResult<Self> {
        match std::fs::read(Self::path(config_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(AppError::internal),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default_for_host()),
            Err(e) => Err(AppError::internal(e)),
        }
    }

    /// `load` on a blocking thread, for async callers.
    pub async fn load_async(config_dir: &Path) -> AppResult<Self> {
        let dir = config_dir.to_path_buf();
        tokio::task::spawn_blocking(move || Self::load(&dir)).await?
    }

    /// `save` on a blocking thread, for async callers.
    pub async fn save_async(self, config_dir: &Path) -> AppResult<()> {
        let dir = config_dir.to_path_buf();
        tokio::task::spawn_blocking(move || self.save(&dir)).await?
    }

    /// Writes atomically (temp file + rename) so a crash never leaves half a config.
    pub fn save(&self, config_dir: &Path) -> AppResult<()> {
        podoclinic_clinic::validate::required(
            &mut self.desk_name.clone(),
            "deskName",
            podoclinic_clinic::limits::DESK_NAME,
        )?;
        if let ConnectionProfile::Server(s) = &self.connection {
            s.validate()?;
        }
        std::fs::create_dir_all(config_dir).map_err(AppError::internal)?;
        let tmp = config_dir.join("desk.json.tmp");
        let json = serde_json::to_vec_pretty(self).map_err(AppError::internal)?;
        std::fs::write(&tmp, json).map_err(AppError::internal)?;
        std::fs::rename(&tmp, Self::path(config_dir)).map_err(AppError::internal)
    }
}

/// What a desk's settings change needs besides the caller's permission, given what is saved now.
/// While the desk is online the admin's session is the proof (checked by the command); this is
/// for the rest: a desk that once reached a server cannot be pointed elsewhere, or have its TLS
/// switched off, by whoever stands at it while the server is away. `current_password` must then be
/// the saved profile's database password, checked against the keyring or, with none, by
/// connecting. A weaker TLS mode never reuses the stored password: the new one must be typed.
pub async fn guard_change(
    before: &DeskConfig,
    after: &DeskConfig,
    signed_in_admin: bool,
    current_password: Option<&str>,
    new_password: Option<&str>,
) -> AppResult<()> {
    if let (ConnectionProfile::Server(old), ConnectionProfile::Server(new)) = (&before.connection, &after.connection)
        && new.ssl_mode.strength() < old.ssl_mode.strength()
        && new_password.is_none_or(str::is_empty)
    {
        return Err(AppError::validation("password", "password_for_weaker_tls"));
    }
    let ConnectionProfile::Server(old) = &before.connection else {
        // A desk never connected to a server (the embedded database, or first set-up).
        return Ok(());
    };
    if signed_in_admin || before.connection == after.connection && before.desk_name == after.desk_name {
        return Ok(());
    }
    let Some(proof) = current_password.filter(|p| !p.is_empty()) else {
        return Err(AppError::validation("currentPassword", "required"));
    };
    let proven = match keyring_password(old).await {
        Some(stored) => constant_time_eq(stored.as_bytes(), proof.as_bytes()),
        None => try_server(old, Some(proof)).await.is_ok(),
    };
    if proven { Ok(()) } else { Err(AppError::validation("currentPassword", "wrong_db_password")) }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the saved password from the OS keyring. `None` when there is none or no keyring at all
/// (then the desk asks for it at start and keeps it in memory only).
pub async fn keyring_password(server: &ServerProfile) -> Option<String> {
    let user = server.keyring_user();
    tokio::task::spawn_blocking(move || keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|e| e.get_password()).ok())
        .await
        .ok()
        .flatten()
}

/// Stores the password in the OS keyring. Returns false when no keyring is available.
pub async fn store_keyring_password(server: &ServerProfile, password: String) -> bool {
    let user = server.keyring_user();
    tokio::task::spawn_blocking(move || {
        match keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|e| e.set_password(&password)) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "no OS keyring; the password will be asked at start");
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// Why a connection attempt from the connection screens failed, as an error on the field to fix.
pub(crate) fn connect_error(e: sqlx::Error, target: &Target) -> AppError {
    if let Some(refused) = target.tls_refusal() {
        return refused.error();
    }
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("28P01") => {
            AppError::validation("password", "wrong_db_password")
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            AppError::validation("database", "unknown_database")
        }
        _ => {
            tracing::info!(error = %e, "connection attempt failed");
            AppError::validation("host", "connection_failed")
        }
    }
}

/// What "test connection" found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTest {
    pub server_version: String,
    /// `empty` (new database), `current`, `older` (the owner must upgrade it) or `newer` (update this desk).
    pub schema: String,
}

/// Connects once with the given settings (no pool) and reports what is there.
pub async fn try_server(server: &ServerProfile, password: Option<&str>) -> AppResult<ConnectionTest> {
    server.validate()?;
    let target = Target::desk_only(server.options(password).await.map_err(TlsRefusal::error)?);
    let attempt = async {
        let mut conn = PgConnection::connect_with(&target.desk).await?;
        let server_version = podoclinic_clinic::db::server_version(&mut conn).await?;
        let db_version = podoclinic_clinic::db::database_schema_version(&mut conn).await?;
        conn.close().await?;
        Ok::<_, sqlx::Error>((server_version, db_version))
    };
    let (server_version, db_version) = match tokio::time::timeout(Duration::from_secs(8), attempt).await {
        Err(_) => return Err(AppError::validation("host", "connection_timeout")),
        Ok(Err(e)) => return Err(connect_error(e, &target)),
        Ok(Ok(found)) => found,
    };
    let app = podoclinic_clinic::db::app_schema_version();
    let schema = match db_version {
        0 => "empty",
        v if v == app => "current",
        v if v < app => "older",
        _ => "newer",
    };
    Ok(ConnectionTest { server_version, schema: schema.into() })
}
