//! "Exportar diagnóstico": what an owner sends when a desk misbehaves, as one zip in the desk's
//! documents folder: the last days' logs, the versions (app, schema, PostgreSQL) and the desk's
//! settings. The settings hold no secret (the server's password lives in the system keyring, the
//! embedded cluster's in its own folder, neither is read here) and the logs hold no patient data
//! (a house rule), so exporting needs no sign-in: it is what the desk's OS user can read anyway,
//! and it matters most when the desk cannot reach its database at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::Utc;
use serde::Serialize;

use crate::db::connection::DeskConfig;
use crate::state::AppState;
use podoclinic_clinic::documents::SavedDocument;
use podoclinic_clinic::error::{AppError, AppResult};

/// How many days of logs go in.
pub const LOG_DAYS: u64 = 7;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Versions {
    app: String,
    app_schema: i64,
    /// The database's schema and PostgreSQL's version, when the database answers.
    database_schema: Option<i64>,
    server: Option<String>,
    /// The embedded cluster's major (its `PG_VERSION`), when this desk has one.
    embedded_cluster_major: Option<u32>,
    installed_majors: Vec<u32>,
    os: &'static str,
    arch: &'static str,
    status: crate::db::health::DbStatus,
    /// The desk's store is open (writes can be kept through an outage); closed when the OS keyring
    /// could not keep its key (the log says why).
    desk_store_open: bool,
    exported_at: chrono::DateTime<Utc>,
}

async fn versions(state: &AppState, app: &str) -> Versions {
    let (mut database_schema, mut server) = (None, None);
    if let Ok(pool) = state.db()
        && let Ok(mut conn) = pool.acquire().await
    {
        database_schema = podoclinic_clinic::db::database_schema_version(&mut conn).await.ok();
        server = podoclinic_clinic::db::server_version(&mut conn).await.ok();
    }
    let cluster = crate::db::cluster::Cluster::plan(PathBuf::new(), &state.paths.data_dir).ok();
    Versions {
        app: app.into(),
        app_schema: podoclinic_clinic::db::app_schema_version(),
        database_schema,
        server,
        embedded_cluster_major: cluster.and_then(|c| crate::db::cluster::cluster_major(&c.data_dir())),
        installed_majors: crate::db::programs::installed_majors().into_iter().map(|(v, _)| v).collect(),
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
        status: state.health.current(),
        desk_store_open: state.store.get().is_some(),
        exported_at: Utc::now(),
    }
}

/// The log files written in the last `LOG_DAYS` days.
fn recent_logs(dir: &Path) -> Vec<PathBuf> {
    let since = SystemTime::now() - Duration::from_secs(LOG_DAYS * 86_400);
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.metadata().is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t >= since)))
        .map(|e| e.path())
        .collect();
    logs.sort();
    logs
}

/// Writes the zip and says where it is.
pub async fn export(state: &AppState, app_version: &str) -> AppResult<SavedDocument> {
    let versions = serde_json::to_vec_pretty(&versions(state, app_version).await).map_err(AppError::internal)?;
    let settings = match DeskConfig::load_async(&state.paths.config_dir).await {
        Ok(config) => serde_json::to_vec_pretty(&config).map_err(AppError::internal)?,
        Err(e) => format!("the desk's settings could not be read: {e}").into_bytes(),
    };
    let logs = recent_logs(&state.paths.log_dir);
    let dir = crate::documents::folder(&state.paths);
    let name = format!("diagnostico-{}.zip", Utc::now().format("%Y%m%d-%H%M%S"));
    let path = dir.join(&name);
    let written = path.clone();
    tokio::task::spawn_blocking(move || write_zip(&written, &versions, &settings, &logs)).await??;
    tracing::info!(file = %name, "diagnostics exported");
    Ok(SavedDocument { name, path: path.display().to_string() })
}

fn write_zip(path: &Path, versions: &[u8], settings: &[u8], logs: &[PathBuf]) -> AppResult<()> {
    use zip::write::SimpleFileOptions;
    let io = |e: std::io::Error| AppError::internal(format_args!("diagnostics: {e}"));
    let zipped = |e: zip::result::ZipError| AppError::internal(format_args!("diagnostics: {e}"));
    std::fs::create_dir_all(path.parent().expect("a file in a folder")).map_err(io)?;
    let part = path.with_extension("part");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&part).map_err(io)?);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (entry, bytes) in [("versions.json", versions), ("settings.json", settings)] {
        zip.start_file(entry, options).map_err(zipped)?;
        zip.write_all(bytes).map_err(io)?;
    }
    for log in logs {
        let entry = format!("logs/{}", log.file_name().expect("a file").to_string_lossy());
        zip.start_file(entry, options.large_file(true)).map_err(zipped)?;
        std::io::copy(&mut std::fs::File::open(log).map_err(io)?, &mut zip).map_err(io)?;
    }
    zip.finish().map_err(zipped)?.sync_all().map_err(io)?;
    std::fs::rename(&part, path).map_err(io)
}
