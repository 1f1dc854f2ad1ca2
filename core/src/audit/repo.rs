//! The audit log's SQL.

use sqlx::PgExecutor;

use super::{Actor, AuditRow, Entry};
use crate::error::AppResult;

pub async fn insert(db: impl PgExecutor<'_>, actor: &Actor, entry: &Entry<'_>) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (user_id, username, desk, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.user_id)
    .bind(actor.username.as_deref())
    .bind(&actor.desk)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id.as_deref())
    .bind(entry.before.as_ref())
    .bind(entry.after.as_ref())
    .execute(db)
    .await?;
    Ok(())
}

/// The newest entries first, up to `limit`.
pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> AppResult<Vec<AuditRow>> {
    Ok(sqlx::query_as::<_, AuditRow>(
        "SELECT id, at, username, desk, action, entity, entity_id, before, after
         FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?)
}
