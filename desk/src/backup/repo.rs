use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::{BackupRecord, Outcome};
use podoclinic_clinic::error::AppResult;

/// The settings row as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub runner_desk: Option<String>,
    pub folder: Option<String>,
    pub daily_at: NaiveTime,
    pub enabled: bool,
    pub recipient: Option<String>,
    pub sealed_key: Option<Vec<u8>>,
}

pub async fn settings(db: impl PgExecutor<'_>) -> AppResult<Stored> {
    Ok(sqlx::query_as!(
        Stored,
        "SELECT runner_desk, folder, daily_at, enabled, recipient, sealed_key FROM backup_settings"
    )
    .fetch_one(db)
    .await?)
}

/// The settings, locked for a change (one admin's save at a time).
pub async fn settings_for_update(db: impl PgExecutor<'_>) -> AppResult<Stored> {
    Ok(sqlx::query_as!(
        Stored,
        "SELECT runner_desk, folder, daily_at, enabled, recipient, sealed_key FROM backup_settings FOR NO KEY UPDATE"
    )
    .fetch_one(db)
    .await?)
}

pub async fn save_settings(db: impl PgExecutor<'_>, s: &Stored) -> AppResult<()> {
    sqlx::query!(
        "UPDATE backup_settings SET runner_desk = $1, folder = $2, daily_at = $3, enabled = $4, recipient = $5,
             sealed_key = $6, updated_at = now()",
        s.runner_desk,
        s.folder,
        s.daily_at,
        s.enabled,
        s.recipient,
        s.sealed_key
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A backup's record, as inserted once it ended.
pub struct NewRecord<'a> {
    pub id: Uuid,
    pub desk: &'a str,
    pub started_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub file_name: Option<&'a str>,
    pub folder: Option<&'a str>,
    pub bytes: Option<i64>,
    pub sha256: Option<&'a str>,
    pub plain_sha256: Option<&'a str>,
    pub row_counts: Option<serde_json::Value>,
    pub audit_rows: Option<i64>,
    pub audit_hash: Option<&'a str>,
    pub server_major: Option<i32>,
    pub detail: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, r: &NewRecord<'_>) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO backups (id, desk, started_at, finished_at, outcome, file_name, folder, bytes, sha256, row_counts,
                              audit_rows, audit_hash, server_major, verified_at, detail, plain_sha256)
         VALUES ($1, $2, $3, clock_timestamp(), $4, $5, $6, $7, $8, $9, $10, $11, $12,
                 CASE WHEN $4 = 'verified' THEN clock_timestamp() END, $13, $14)",
        r.id,
        r.desk,
        r.started_at,
        r.outcome as Outcome,
        r.file_name,
        r.folder,
        r.bytes,
        r.sha256,
        r.row_counts,
        r.audit_rows,
        r.audit_hash,
        r.server_major,
        r.detail,
        r.plain_sha256
    )
    .execute(db)
    .await?;
    Ok(())
}

struct Row {
    id: Uuid,
    desk: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    outcome: Outcome,
    file_name: Option<String>,
    folder: Option<String>,
    bytes: Option<i64>,
    sha256: Option<String>,
    row_counts: Option<serde_json::Value>,
    verified_at: Option<DateTime<Utc>>,
    detail: Option<String>,
    pruned_at: Option<DateTime<Utc>>,
    key_proven_at: Option<DateTime<Utc>>,
}

impl From<Row> for BackupRecord {
    fn from(r: Row) -> Self {
        let row_counts: BTreeMap<String, i64> =
            r.row_counts.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
        BackupRecord {
            id: r.id,
            desk: r.desk,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome,
            file_name: r.file_name,
            folder: r.folder,
            bytes: r.bytes,
            sha256: r.sha256,
            row_counts: super::model::shown(&row_counts),
            verified_at: r.verified_at,
            detail: r.detail,
            pruned_at: r.pruned_at,
            key_proven_at: r.key_proven_at,
        }
    }
}

/// The newest backups first.
pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> AppResult<Vec<BackupRecord>> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, desk, started_at, finished_at, outcome AS "outcome: Outcome", file_name, folder, bytes, sha256,
                  row_counts, verified_at, detail, pruned_at, key_proven_at
           FROM backups ORDER BY started_at DESC LIMIT $1"#,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(BackupRecord::from).collect())
}

/// One backup's record.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<BackupRecord>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id, desk, started_at, finished_at, outcome AS "outcome: Outcome", file_name, folder, bytes, sha256,
                  row_counts, verified_at, detail, pruned_at, key_proven_at
           FROM backups WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(BackupRecord::from))
}

/// The record of a file in a folder (the newest, should a name repeat).
pub async fn by_file(db: impl PgExecutor<'_>, folder: &str, file_name: &str) -> AppResult<Option<BackupRecord>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id, desk, started_at, finished_at, outcome AS "outcome: Outcome", file_name, folder, bytes, sha256,
                  row_counts, verified_at, detail, pruned_at, key_proven_at
           FROM backups WHERE folder = $1 AND file_name = $2 ORDER BY started_at DESC LIMIT 1"#,
        folder,
        file_name
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(BackupRecord::from))
}

/// The last verified backup's time, and whether the last attempt of all failed.
pub async fn health(db: impl PgExecutor<'_>) -> AppResult<(Option<DateTime<Utc>>, bool)> {
    let row = sqlx::query!(
        r#"SELECT (SELECT max(verified_at) FROM backups) AS last_verified,
                  coalesce((SELECT outcome <> 'verified' FROM backups ORDER BY started_at DESC LIMIT 1), false) AS "last_failed!""#
    )
    .fetch_one(db)
    .await?;
    Ok((row.last_verified, row.last_failed))
}

/// A verified backup's file as recorded.
pub struct VerifiedFile {
    pub id: Uuid,
    pub folder: String,
    pub file_name: String,
    pub sha256: String,
    pub plain_sha256: Option<String>,
}

/// The newest verified backup whose file has not been pruned.
pub async fn newest_verified_file(db: impl PgExecutor<'_>) -> AppResult<Option<VerifiedFile>> {
    Ok(sqlx::query_as!(
        VerifiedFile,
        r#"SELECT id, folder AS "folder!", file_name AS "file_name!", sha256 AS "sha256!", plain_sha256 FROM backups
           WHERE verified_at IS NOT NULL AND pruned_at IS NULL AND folder IS NOT NULL
           ORDER BY verified_at DESC LIMIT 1"#
    )
    .fetch_optional(db)
    .await?)
}

/// Records that the backup `id` was read back with the clinic's recovery key now.
pub async fn mark_key_proven(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<()> {
    sqlx::query!("UPDATE backups SET key_proven_at = clock_timestamp() WHERE id = $1", id).execute(db).await?;
    Ok(())
}

/// When this desk last began a backup that wrote a file (scheduled or not).
pub async fn last_written(db: impl PgExecutor<'_>) -> AppResult<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar!("SELECT max(started_at) FROM backups WHERE outcome <> 'failed'").fetch_one(db).await?)
}

/// When the last attempt of any kind began.
pub async fn last_attempt(db: impl PgExecutor<'_>) -> AppResult<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar!("SELECT max(started_at) FROM backups").fetch_one(db).await?)
}

/// A file retention may look at: in `folder`, not pruned yet.
pub struct OnFile {
    pub id: Uuid,
    pub file_name: String,
    pub started_at: DateTime<Utc>,
    pub verified: bool,
}

/// `desk`'s files in `folder` (another desk's folder of the same name is another disk).
pub async fn files_in(db: impl PgExecutor<'_>, folder: &str, desk: &str) -> AppResult<Vec<OnFile>> {
    Ok(sqlx::query_as!(
        OnFile,
        r#"SELECT id, file_name AS "file_name!", started_at, verified_at IS NOT NULL AS "verified!"
           FROM backups WHERE folder = $1 AND desk = $2 AND file_name IS NOT NULL AND pruned_at IS NULL"#,
        folder,
        desk
    )
    .fetch_all(db)
    .await?)
}

pub async fn mark_pruned(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<()> {
    sqlx::query!("UPDATE backups SET pruned_at = now() WHERE id = $1 AND pruned_at IS NULL", id).execute(db).await?;
    Ok(())
}
