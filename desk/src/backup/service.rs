//! The clinic's backups as the admin window and the schedule use them: settings, taking one
//! (dump, encrypt, prove, record, retention), the schedule's "is one due", and restoring one.
//!
//! The programs and the scratch database need more than the desks' role may do (read every table,
//! the audit chain's lock included; create databases): they run as the embedded cluster's schema
//! owner (no superuser), the development URL's login, or on a LAN the backup login an admin saved
//! at the desk that runs them (its password in the OS keyring, like the desk's own).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dump::{self, Conn, Contents, Proof};
use super::model::*;
use super::repo::{self, NewRecord, Stored};
use super::{file, key::RecoveryKey, retention};
use crate::db::connection::{self, ConnectionProfile, DeskConfig, ServerProfile};
use crate::state::AppState;
use podoclinic_clinic::audit::{self, Action, Actor, Entry};
use podoclinic_clinic::auth::Ctx;
use podoclinic_clinic::error::{AppError, AppResult};

/// The databases a backup or restore of this process is working on: one at a time each (a click
/// during the scheduled one is told one is running).
static BUSY: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Held while a backup or restore of one database runs.
struct Busy(String);

impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.lock().expect("never poisoned").remove(&self.0);
    }
}

fn busy(conn: &Conn) -> AppResult<Busy> {
    let key = format!("{}:{}/{}", conn.host, conn.port, conn.database);
    if !BUSY.lock().expect("never poisoned").insert(key.clone()) {
        return Err(AppError::conflict("backup_running", None));
    }
    Ok(Busy(key))
}

/// A login typed by an admin (the schema owner's, for a restore on a LAN server).
#[derive(Clone, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TypedLogin {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for TypedLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedLogin").field("user", &self.user).finish_non_exhaustive()
    }
}

/// How a LAN server is reached by the client programs and by this process, as `user`.
fn server_conn(state: &AppState, server: &ServerProfile, user: &str, password: String) -> Conn {
    let mode = serde_json::to_value(server.ssl_mode).ok().and_then(|v| v.as_str().map(String::from));
    let ssl = mode.filter(|m| m != "disable").map(|m| (m, server.ssl_root_cert.clone()));
    Conn {
        host: server.host.trim().into(),
        port: server.port,
        user: user.trim().into(),
        password: Some(password),
        database: server.database.trim().into(),
        ssl,
        tunnel: state.tunnel.get().cloned(),
    }
}

/// The login backups run as (see the module's note); a LAN desk without one saved is told so.
pub async fn maintenance(state: &AppState) -> AppResult<Conn> {
    if let Ok(url) = std::env::var(connection::DATABASE_URL_ENV) {
        return Conn::from_url(&url);
    }
    if let Some(local) = state.cluster.get() {
        return local.owner_conn().map_err(AppError::internal);
    }
    let config = DeskConfig::load_async(&state.paths.config_dir).await?;
    let (ConnectionProfile::Server(server), Some(user)) = (&config.connection, &config.backup_user) else {
        return Err(AppError::conflict("backup_login_missing", None));
    };
    let login = ServerProfile { user: user.clone(), ..server.clone() };
    let password =
        connection::keyring_password(&login).await.ok_or(AppError::conflict("backup_login_missing", None))?;
    Ok(server_conn(state, server, user, password))
}

/// The login a restore runs as: the schema's owner (the restored tables keep their owner and the
/// desks' grants). The embedded cluster and development have it; a LAN admin types it.
pub async fn owner(state: &AppState, typed: Option<TypedLogin>) -> AppResult<Conn> {
    let config = DeskConfig::load_async(&state.paths.config_dir).await?;
    match (&config.connection, typed) {
        (ConnectionProfile::Server(server), Some(login)) if std::env::var(connection::DATABASE_URL_ENV).is_err() => {
            let mut user = login.user;
            podoclinic_clinic::validate::required(&mut user, "user", 63)?;
            if login.password.is_empty() {
                return Err(AppError::validation("password", "required"));
            }
            Ok(server_conn(state, server, &user, login.password))
        }
        (ConnectionProfile::Server(_), None) if std::env::var(connection::DATABASE_URL_ENV).is_err() => {
            Err(AppError::validation("user", "required"))
        }
        _ => maintenance(state).await,
    }
}

/// Saves the LAN login this desk takes backups as: the name in the desk's settings file, the
/// password in the OS keyring. Answers whether a keyring took it.
pub async fn save_login(state: &AppState, user: String, password: String) -> AppResult<bool> {
    let mut user = user;
    podoclinic_clinic::validate::required(&mut user, "user", 63)?;
    if password.is_empty() {
        return Err(AppError::validation("password", "required"));
    }
    let mut config = DeskConfig::load_async(&state.paths.config_dir).await?;
    let ConnectionProfile::Server(server) = &config.connection else {
        return Err(AppError::conflict("backup_login_not_needed", None));
    };
    let login = ServerProfile { user: user.clone(), ..server.clone() };
    let stored = connection::store_keyring_password(&login, password).await;
    config.backup_user = Some(user);
    config.save_async(&state.paths.config_dir).await?;
    Ok(stored)
}

/// The settings, for the "Respaldos" tab.
pub async fn settings(ctx: &Ctx) -> AppResult<BackupSettings> {
    let mut shown = view(&repo::settings(&ctx.pool).await?, &ctx.actor.desk);
    shown.server_major = dump::server_major(&ctx.pool).await?;
    shown.tools_ready = dump::tools_for(shown.server_major).await.is_ok();
    Ok(shown)
}

fn view(s: &Stored, this_desk: &str) -> BackupSettings {
    BackupSettings {
        server_major: 0,
        tools_ready: false,
        runner_desk: s.runner_desk.clone(),
        folder: s.folder.clone(),
        daily_at: s.daily_at.format("%H:%M").to_string(),
        enabled: s.enabled,
        has_key: s.recipient.is_some(),
        this_desk: this_desk.into(),
    }
}

/// Saves the settings; a passphrase makes a new recovery key (backups taken before stay readable,
/// each with the sealed key it was taken under written beside it, `key_file_for`,
/// with the passphrase they were taken under). Audited without the key.
#[tracing::instrument(skip_all)]
pub async fn save_settings(ctx: &Ctx, input: BackupSettingsInput) -> AppResult<BackupSettings> {
    let before = repo::settings(&ctx.pool).await?;
    let parsed = input.parse(before.recipient.is_some())?;
    let made = match parsed.passphrase.clone() {
        Some(passphrase) => Some(tokio::task::spawn_blocking(move || RecoveryKey::create(&passphrase)).await??),
        None => None,
    };
    let mut tx = ctx.pool.begin().await?;
    let mut stored = repo::settings_for_update(&mut *tx).await?;
    let before_view = view(&stored, &ctx.actor.desk);
    stored.runner_desk = Some(parsed.runner_desk);
    stored.folder = Some(parsed.folder);
    stored.daily_at = parsed.daily_at;
    stored.enabled = parsed.enabled;
    if let Some(key) = &made {
        stored.recipient = Some(key.recipient.clone());
        stored.sealed_key = Some(key.sealed.clone());
    }
    repo::save_settings(&mut *tx, &stored).await?;
    let after = view(&stored, &ctx.actor.desk);
    let mut audited = serde_json::to_value(&after).map_err(AppError::internal)?;
    audited["newKey"] = serde_json::Value::Bool(made.is_some());
    let entry =
        Entry::new(Action::BackupSettingsUpdate, "backup_settings", "clinic").before(&before_view).after(&audited);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    settings(ctx).await
}

/// The backups on record, newest first.
pub async fn list(ctx: &Ctx) -> AppResult<Vec<BackupRecord>> {
    repo::recent(&ctx.pool, 60).await
}

/// "Último respaldo verificado", as `desk` sees it. A record says a backup was verified; on the
/// desk that writes them the file must also still be in its folder with the checksum it was
/// written with, or the backup is not counted (a row any desk login can insert does not make the
/// dashboard green).
pub async fn health(db: &sqlx::PgPool, desk: &str, now: DateTime<Utc>) -> AppResult<BackupHealth> {
    let stored = repo::settings(db).await?;
    let (last_verified_at, last_failed) = repo::health(db).await?;
    let mut file_differs = false;
    if stored.runner_desk.as_deref() == Some(desk)
        && let Some(newest) = repo::newest_verified_file(db).await?
    {
        file_differs = !on_disk_as_written(Path::new(&newest.folder), &newest.file_name, &newest.sha256).await;
    }
    let stale = file_differs || last_verified_at.is_none_or(|at| now - at > chrono::Duration::hours(STALE_AFTER_HOURS));
    Ok(BackupHealth {
        configured: stored.recipient.is_some() && stored.folder.is_some(),
        last_verified_at,
        stale,
        last_failed,
        file_differs,
    })
}

/// Whether `folder/name` is one of this app's backup files and has the SHA-256 `sha256`. The
/// answer is remembered while the file's size and time stay the same (a dashboard refresh does
/// not read a whole backup again).
async fn on_disk_as_written(folder: &Path, name: &str, sha256: &str) -> bool {
    type Seen = std::collections::HashMap<PathBuf, (u64, std::time::SystemTime, String)>;
    static SEEN: std::sync::Mutex<Option<Seen>> = std::sync::Mutex::new(None);
    if !is_backup_file_name(name) {
        return false;
    }
    let path = folder.join(name);
    let Ok(meta) = tokio::fs::metadata(&path).await else { return false };
    let stamp = (meta.len(), meta.modified().unwrap_or(std::time::UNIX_EPOCH));
    let known = SEEN.lock().expect("never poisoned").as_ref().and_then(|seen| seen.get(&path).cloned());
    let found = match known {
        Some((len, at, sum)) if (len, at) == stamp => sum,
        _ => {
            let p = path.clone();
            let Ok(Ok(sum)) = tokio::task::spawn_blocking(move || file::sha256_of(&p)).await else { return false };
            SEEN.lock().expect("never poisoned").get_or_insert_default().insert(path, (stamp.0, stamp.1, sum.clone()));
            sum
        }
    };
    found == sha256
}

/// Refuses, naming what is missing, when backups are not set up (no folder or no key yet).
pub async fn ensure_configured(pool: &sqlx::PgPool) -> AppResult<()> {
    let stored = repo::settings(pool).await?;
    if stored.folder.is_none() || stored.recipient.is_none() {
        return Err(AppError::conflict("backup_not_configured", None));
    }
    Ok(())
}

/// A file name for a backup taken at `at`: sorts by time, says what it is.
fn file_name(at: DateTime<Utc>) -> String {
    format!("podoclinic-{}.backup.age", at.format("%Y%m%d-%H%M%S"))
}

/// Whether `name` is a name `file_name` makes: the only files retention deletes and the dashboard
/// counts (a record's name is a desk's word; a path or another file is never touched).
pub fn is_backup_file_name(name: &str) -> bool {
    let Some(stamp) = name.strip_prefix("podoclinic-").and_then(|n| n.strip_suffix(".backup.age")) else {
        return false;
    };
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").is_ok() && stamp.len() == 15
}

/// Removes whatever a crash left in the work folder (a plain dump holds every patient in clear):
/// at start, before anything could be using it.
pub fn clear_work(data_dir: &Path) {
    let dir = data_dir.join("backup-work");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        match removed {
            Ok(()) => tracing::info!("a plain dump left by an earlier run was removed"),
            Err(e) => tracing::warn!(error = %e, "a file left in the backups' work folder could not be removed"),
        }
    }
}

/// This desk's private working folder for plain dumps (never the clinic's chosen folder), in its
/// data folder.
fn work_dir(data_dir: &Path) -> AppResult<PathBuf> {
    let dir = data_dir.join("backup-work");
    crate::platform::private_dir(&dir).map_err(AppError::internal)?;
    Ok(dir)
}

/// Where a backup's sealed recovery key is kept: beside it, `<name>.key` for `<name>.backup.age`.
pub fn key_file_for(backup: &Path) -> PathBuf {
    let name = backup.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    backup.with_file_name(format!("{}.key", name.strip_suffix(".backup.age").unwrap_or(&name)))
}

/// Writes a small file whole or not at all (a temporary file, synced, then renamed).
fn write_atomically(path: &Path, bytes: &[u8]) -> AppResult<()> {
    use std::io::Write;
    let part = path.with_extension("part");
    let mut file = std::fs::File::create(&part).map_err(AppError::internal)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(AppError::internal)?;
    std::fs::rename(&part, path).map_err(AppError::internal)
}

/// A plain file removed when dropped, whatever happens on the way.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Takes a backup now: the dump, encrypted into the clinic's folder, proven by a restore into a
/// scratch database, recorded (a failure too), then retention. `actor` is who asked (the schedule
/// is the desk itself); `conn` is the login the programs run as (`maintenance`); `data_dir` the
/// desk's data folder, where the plain dump waits to be encrypted and proven.
#[tracing::instrument(skip_all)]
pub async fn run(data_dir: &Path, pool: &sqlx::PgPool, actor: &Actor, conn: &Conn) -> AppResult<BackupRecord> {
    let _busy = busy(conn)?;
    let stored = repo::settings(pool).await?;
    let (Some(folder), Some(recipient)) = (stored.folder.clone(), stored.recipient.clone()) else {
        return Err(AppError::conflict("backup_not_configured", None));
    };
    let id = Uuid::now_v7();
    let started_at = Utc::now();
    let key = RecoveryKey { recipient, sealed: stored.sealed_key.clone().unwrap_or_default() };
    let attempt = take(data_dir, pool, conn, &folder, &key, started_at).await;
    let detail = match &attempt {
        Ok(Taken { proof: Proof::Differs(what), .. }) => Some(truncate(what.join("; "), 4000)),
        Ok(_) => None,
        Err(e) => Some(truncate(failure_detail(e), 4000)),
    };
    let counts = match &attempt {
        Ok(t) => Some(serde_json::to_value(&t.contents.row_counts).map_err(AppError::internal)?),
        Err(_) => None,
    };
    let blank = NewRecord {
        id,
        desk: &actor.desk,
        started_at,
        outcome: Outcome::Failed,
        file_name: None,
        folder: Some(&folder),
        bytes: None,
        sha256: None,
        plain_sha256: None,
        row_counts: counts,
        audit_rows: None,
        audit_hash: None,
        server_major: None,
        detail: detail.as_deref(),
    };
    let record = match &attempt {
        Ok(t) => NewRecord {
            outcome: if t.proof == Proof::Matches { Outcome::Verified } else { Outcome::Differs },
            file_name: Some(&t.file_name),
            bytes: Some(t.written.bytes as i64),
            sha256: Some(&t.written.sha256),
            plain_sha256: Some(&t.written.plain_sha256),
            audit_rows: Some(t.contents.audit_rows),
            audit_hash: Some(&t.contents.audit_hash),
            server_major: Some(t.major as i32),
            ..blank
        },
        Err(_) => blank,
    };
    let mut tx = pool.begin().await?;
    repo::insert(&mut *tx, &record).await?;
    let entry = Entry::new(Action::BackupRun, "backup", id).after(&serde_json::json!({
        "outcome": record.outcome,
        "fileName": record.file_name,
        "bytes": record.bytes,
        "sha256": record.sha256,
        "auditRows": record.audit_rows,
        "auditHash": record.audit_hash,
    }));
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    if let Ok(t) = &attempt {
        tracing::info!(bytes = t.written.bytes, outcome = ?record.outcome, "backup taken");
        if let Err(e) = prune(pool, &folder, &actor.desk).await {
            tracing::warn!(error = %e, "backup retention did not run");
        }
    }
    attempt?;
    let saved = repo::recent(pool, 1).await?.into_iter().next();
    saved.ok_or_else(|| AppError::internal("the backup's record is missing"))
}

fn truncate(mut text: String, max: usize) -> String {
    if text.chars().count() > max {
        text = text.chars().take(max).collect();
    }
    text
}

/// What a failed backup's record says: the error's kind, never a row's content (the programs'
/// stderr names tables and options, not data).
fn failure_detail(e: &AppError) -> String {
    match e {
        AppError::Conflict { key, .. } => key.clone(),
        AppError::Internal { log_id } => format!("internal: {log_id}"),
        AppError::Validation { field, key, .. } => format!("{field}: {key}"),
        other => other.to_string(),
    }
}

struct Taken {
    file_name: String,
    written: file::Written,
    contents: Contents,
    proof: Proof,
    major: u32,
}

async fn take(
    data_dir: &Path,
    pool: &sqlx::PgPool,
    conn: &Conn,
    folder: &str,
    key: &RecoveryKey,
    at: DateTime<Utc>,
) -> AppResult<Taken> {
    let folder_path = PathBuf::from(folder);
    if !folder_path.is_dir() {
        return Err(AppError::validation("folder", "folder_unreachable"));
    }
    let major = dump::server_major(pool).await?;
    let tools = dump::tools_for(major).await?;
    let plain = Scratch(work_dir(data_dir)?.join(format!("{}.dump", Uuid::now_v7().simple())));
    let contents = dump::dump(conn, &tools, &plain.0).await?;
    let file_name = file_name(at);
    let (src, dst, to) = (plain.0.clone(), folder_path.join(&file_name), key.recipient.clone());
    let sealed = (key_file_for(&dst), key.sealed.clone());
    let written = tokio::task::spawn_blocking(move || {
        // The sealed key beside the backup: the file can be read back with the passphrase even
        // when the database that held the key is the one lost.
        write_atomically(&sealed.0, &sealed.1)?;
        file::encrypt(&src, &to, &dst)
    })
    .await?
    .map_err(|e| {
        tracing::warn!(error = %e, "the backup could not be written to its folder");
        AppError::validation("folder", "folder_unwritable")
    })?;
    let proof = dump::verify(conn, &tools, &plain.0, &contents).await?;
    Ok(Taken { file_name, written, contents, proof, major })
}

/// Removes the files retention lets go from `folder`, and records it.
async fn prune(pool: &sqlx::PgPool, folder: &str, desk: &str) -> AppResult<usize> {
    let tz = podoclinic_clinic::profile::time::zone(pool).await?;
    let files = repo::files_in(pool, folder, desk).await?;
    let kept: Vec<retention::Kept<Uuid>> = files
        .iter()
        .map(|f| retention::Kept {
            id: f.id,
            taken_on: podoclinic_clinic::profile::time::local_date(tz, f.started_at),
            order: f.started_at.timestamp_micros(),
            verified: f.verified,
        })
        .collect();
    let today = podoclinic_clinic::profile::time::local_date(tz, Utc::now());
    let mut pruned = 0;
    for id in retention::to_prune(&kept, today) {
        let Some(f) = files.iter().find(|f| f.id == id) else { continue };
        if !is_backup_file_name(&f.file_name) {
            tracing::warn!(backup = %f.id, "a backup record names a file that is not a backup's: left alone");
            continue;
        }
        let path = Path::new(folder).join(&f.file_name);
        let _ = std::fs::remove_file(key_file_for(&path));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(error = %e, "a pruned backup file could not be removed");
                continue;
            }
        }
        repo::mark_pruned(pool, id).await?;
        pruned += 1;
    }
    Ok(pruned)
}

/// Whether this desk's scheduled backup is due at `now`: it is the runner, backups are set up and
/// on, today's time has come, and no backup was written since; a failed attempt is tried again
/// after an hour.
pub async fn due(pool: &sqlx::PgPool, desk: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let s = repo::settings(pool).await?;
    if !s.enabled || s.recipient.is_none() || s.folder.is_none() || s.runner_desk.as_deref() != Some(desk) {
        return Ok(false);
    }
    let tz = podoclinic_clinic::profile::time::zone(pool).await?;
    let today = podoclinic_clinic::profile::time::local_date(tz, now);
    let due_at = podoclinic_clinic::profile::time::to_utc(tz, today.and_time(s.daily_at));
    if now < due_at {
        return Ok(false);
    }
    let written = repo::last_written(pool).await?;
    let attempted = repo::last_attempt(pool).await?;
    let written_since = written.is_some_and(|w| w >= due_at);
    let tried_lately = attempted.is_some_and(|a| a >= due_at && now - a < chrono::Duration::hours(1));
    Ok(!written_since && !tried_lately)
}

/// Runs the schedule once: takes the backup when due (the schedule's loop calls this every minute).
pub async fn tick(state: &AppState) -> AppResult<Option<BackupRecord>> {
    let pool = state.db()?;
    if !due(&pool, &state.desk, Utc::now()).await? {
        return Ok(None);
    }
    tracing::info!("the scheduled backup is due");
    let conn = maintenance(state).await?;
    run(&state.paths.data_dir, &pool, &Actor::system(&state.desk), &conn).await.map(Some)
}

/// The schedule, for the app's life: once a minute, while the database answers, `tick`.
pub async fn schedule(state: &AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if !matches!(state.health.current(), crate::db::health::DbStatus::Online) {
            continue;
        }
        match tick(state).await {
            Ok(Some(record)) => tracing::info!(outcome = ?record.outcome, "scheduled backup"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "scheduled backup check failed"),
        }
    }
}

/// The recovery key's private half for the backup at `path`, opened with `passphrase`: the key the
/// backup was taken under, written beside it; else the clinic's current one.
async fn unseal_for(pool: &sqlx::PgPool, path: &Path, passphrase: &str) -> AppResult<age::x25519::Identity> {
    let beside = tokio::fs::read(key_file_for(path)).await.ok();
    let stored = repo::settings(pool).await?;
    let Some(sealed) = beside.or(stored.sealed_key.clone()) else {
        return Err(AppError::conflict("backup_not_configured", None));
    };
    let key = RecoveryKey { recipient: stored.recipient.clone().unwrap_or_default(), sealed };
    let phrase = passphrase.to_string();
    tokio::task::spawn_blocking(move || key.unseal(&phrase)).await?
}

/// Proves, with the passphrase an admin types, that the newest verified backup opens with the
/// clinic's recovery key: its file is as written (SHA-256), and decrypted it gives back the plain
/// dump that was verified (the plain stream's SHA-256, recorded when it was taken). Run at the
/// desk that takes the backups (the file is in its folder). Recorded on the backup and audited,
/// a failure too.
#[tracing::instrument(skip_all)]
pub async fn prove_key(ctx: &Ctx, passphrase: &str) -> AppResult<BackupRecord> {
    let Some(newest) = repo::newest_verified_file(&ctx.pool).await? else {
        return Err(AppError::conflict("no_verified_backup", None));
    };
    let Some(plain_sha256) = newest.plain_sha256.clone() else {
        return Err(AppError::conflict("backup_taken_before_key_proof", None));
    };
    let path = Path::new(&newest.folder).join(&newest.file_name);
    if !is_backup_file_name(&newest.file_name) || !path.is_file() {
        return Err(AppError::validation("file", "file_missing"));
    }
    let proof = async {
        let identity = unseal_for(&ctx.pool, &path, passphrase).await?;
        let (sealed, expected) = (path.clone(), newest.sha256.clone());
        tokio::task::spawn_blocking(move || {
            if file::sha256_of(&sealed)? != expected {
                return Err(AppError::validation("file", "backup_checksum_mismatch"));
            }
            file::plain_sha256(&sealed, &identity)
        })
        .await?
    }
    .await;
    let outcome = match &proof {
        Ok(found) if *found == plain_sha256 => Ok(()),
        Ok(_) => Err(AppError::validation("file", "backup_checksum_mismatch")),
        Err(e) => Err(e.clone()),
    };
    let mut tx = ctx.pool.begin().await?;
    if outcome.is_ok() {
        repo::mark_key_proven(&mut *tx, newest.id).await?;
    }
    let result = match &outcome {
        Ok(()) => "proven".to_string(),
        Err(e) => failure_detail(e),
    };
    let entry = Entry::new(Action::BackupKeyProof, "backup", newest.id).after(&serde_json::json!({"result": result}));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    outcome?;
    let record = repo::by_file(&ctx.pool, &newest.folder, &newest.file_name).await?;
    record.ok_or_else(|| AppError::internal("the backup's record is missing"))
}

/// A restore under way: the backup read with the passphrase and restored into a database of its
/// own beside the clinic's, not yet in its place.
pub async fn restore(
    data_dir: &Path,
    ctx: &Ctx,
    path: &Path,
    passphrase: &str,
    owner: &Conn,
) -> AppResult<BackupPreview> {
    let _busy = busy(owner)?;
    if !path.is_file() {
        return Err(AppError::validation("file", "file_missing"));
    }
    let folder = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    // Audited when it begins, before the passphrase is tried: a restore that fails or is abandoned
    // is in the audit too, with the file it was asked for.
    let started = Entry::new(Action::BackupRestoreStart, "backup", name.clone())
        .after(&serde_json::json!({ "folder": folder, "file": name }));
    audit::record(&ctx.pool, &ctx.actor, started).await?;
    let identity = unseal_for(&ctx.pool, path, passphrase).await?;
    let record = repo::by_file(&ctx.pool, &folder, &name).await?;
    let plain = Scratch(work_dir(data_dir)?.join(format!("{}.dump", Uuid::now_v7().simple())));
    let (src, dst) = (path.to_path_buf(), plain.0.clone());
    let expected = record.as_ref().and_then(|r| r.sha256.clone());
    tokio::task::spawn_blocking(move || {
        if let Some(expected) = expected
            && file::sha256_of(&src)? != expected
        {
            return Err(AppError::validation("file", "backup_checksum_mismatch"));
        }
        file::decrypt(&src, &identity, &dst)
    })
    .await??;
    let major = dump::server_major(&ctx.pool).await?;
    let tools = dump::tools_for(major).await?;
    let staged = staged_name(&owner.database, Utc::now());
    let restored = dump::restore(owner, &tools, &plain.0, &staged).await?;
    let current = dump::count(owner).await?;
    Ok(BackupPreview {
        token: Uuid::now_v7(),
        file_name: name,
        taken_at: record.map(|r| r.started_at),
        row_counts: shown(&restored.row_counts),
        current_counts: shown(&current.row_counts),
        database: staged,
    })
}

/// The name of a database restored and waiting for the switch: `<clinic>_restaurada_<when>`.
fn staged_name(current: &str, at: DateTime<Utc>) -> String {
    dump::derived_name(current, "restaurada", at)
}

fn is_staged(current: &str, name: &str) -> bool {
    dump::is_derived(current, "restaurada", name)
}

/// Puts a restored database in the clinic's place (after the admin confirmed what is lost): the
/// schema is brought up to this app's, the current database is kept under another name, and the
/// desks reconnect to the restored one. Audited in both: before, in the database being replaced;
/// after, in the restored one.
#[tracing::instrument(skip_all)]
pub async fn switch(ctx: &Ctx, staged: &str, owner: &Conn) -> AppResult<String> {
    let _busy = busy(owner)?;
    if !is_staged(&owner.database, staged) {
        return Err(AppError::validation("database", "not_a_restored_database"));
    }
    // A backup taken by an older app gets this app's migrations, as any database would.
    let restored = owner.on(staged).options();
    let target = crate::db::Target { desk: restored.clone(), owner: Some(restored), tunnel: None };
    if let crate::db::Schema::TooNew { .. } = crate::db::prepare(&target).await? {
        return Err(AppError::conflict("backup_newer_than_app", None));
    }
    let keep_as = dump::kept_name(&owner.database, Utc::now());
    audit::record(&ctx.pool, &ctx.actor, restore_entry(&owner.database, staged, &keep_as)).await?;
    dump::switch(owner, &owner.database, staged, &keep_as).await?;
    // The pool's connections were ended with the old database: the first uses after may fail
    // once each while the pool replaces them.
    for attempt in 0.. {
        match audit::record(&ctx.pool, &ctx.actor, restore_entry(&owner.database, staged, &keep_as)).await {
            Ok(()) => break,
            Err(e) if attempt >= 6 => return Err(e),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    tracing::info!("a restored backup now serves the desks");
    Ok(keep_as)
}

fn restore_entry<'a>(database: &str, staged: &str, keep_as: &str) -> Entry<'a> {
    Entry::new(Action::BackupRestore, "database", database)
        .after(&serde_json::json!({ "restored": staged, "keptAs": keep_as }))
}

/// Drops a database a restore left waiting (the admin cancelled).
pub async fn discard(staged: &str, owner: &Conn) -> AppResult<()> {
    let _busy = busy(owner)?;
    if !is_staged(&owner.database, staged) {
        return Err(AppError::validation("database", "not_a_restored_database"));
    }
    dump::drop_database(owner, staged).await
}

/// The databases earlier restores kept.
pub async fn kept(owner: &Conn) -> AppResult<Vec<KeptDatabase>> {
    let found = dump::kept(owner, &owner.database).await?;
    Ok(found.into_iter().map(|(name, bytes)| KeptDatabase { name, bytes }).collect())
}

/// Drops a database an earlier restore kept. Audited.
pub async fn drop_kept(ctx: &Ctx, name: &str, owner: &Conn) -> AppResult<()> {
    let _busy = busy(owner)?;
    if !dump::is_kept(&owner.database, name) {
        return Err(AppError::validation("name", "not_a_kept_database"));
    }
    dump::drop_database(owner, name).await?;
    let entry = Entry::new(Action::BackupDatabaseDrop, "database", name);
    audit::record(&ctx.pool, &ctx.actor, entry).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_names_are_recognised_and_nothing_else() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T07:15:00Z").unwrap().with_timezone(&Utc);
        let staged = staged_name("clinic", at);
        assert_eq!(staged, "clinic_restaurada_20261202_071500");
        assert!(is_staged("clinic", &staged));
        assert!(!is_staged("clinic", "clinic"));
        assert!(!is_staged("clinic", "clinic_restaurada_x; DROP"));
        assert!(dump::is_kept("clinic", &dump::kept_name("clinic", at)));
        assert!(!dump::is_kept("clinic", "postgres"));
        assert!(!dump::is_kept("clinic", "clinic_antes_2026"));
        // A name as long as PostgreSQL allows: the clinic's part is cut, the tag and time stay.
        let long = "_sqlx_test_40TKESomj4BhQEAIkE9XGjNfOVabZmNgPKT803XCcKUiQaj_BBFO";
        let kept = dump::kept_name(long, at);
        assert_eq!(kept.len(), 63);
        assert!(dump::is_kept(long, &kept) && !is_staged(long, &kept));
        assert!(is_staged(long, &staged_name(long, at)));
        assert!(!dump::is_kept(long, long));
    }

    /// What a crash left in the work folder (a plain dump, a half-written one, a folder of
    /// pieces) is gone after the next start; the folder itself is the desk user's alone.
    #[test]
    fn a_plain_dump_a_crash_left_is_removed_at_start_and_the_work_folder_is_private() {
        let data = std::env::temp_dir().join(format!("podoclinic-work-test-{}", Uuid::now_v7().simple()));
        let work = work_dir(&data).unwrap();
        std::fs::write(work.join("0192.dump"), b"COPY patients FROM stdin;").unwrap();
        std::fs::create_dir_all(work.join("pieces")).unwrap();
        std::fs::write(work.join("pieces").join("toc.dat"), b"x").unwrap();
        clear_work(&data);
        assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "nothing of the crash is left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&work).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "only the desk's OS user may open the work folder");
        }
        clear_work(&data.join("never-made"));
        std::fs::remove_dir_all(&data).unwrap();
    }
}
