//! The audit log's SQL.

use sqlx::PgExecutor;

use super::{Action, Actor, AuditRow, Entry};
use crate::error::AppResult;

pub async fn insert(db: impl PgExecutor<'_>, actor: &Actor, entry: &Entry<'_>) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO audit_log (user_id, username, desk, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        actor.user_id,
        actor.username.as_deref(),
        &actor.desk,
        entry.action as Action,
        entry.entity,
        entry.entity_id.as_deref(),
        entry.before.as_ref(),
        entry.after.as_ref()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The newest entries first, up to `limit`.
pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> AppResult<Vec<AuditRow>> {
    Ok(sqlx::query_as!(
        AuditRow,
        "SELECT id, at, username, desk, action, entity, entity_id, before, after
         FROM audit_log ORDER BY id DESC LIMIT $1",
        limit
    )
    .fetch_all(db)
    .await?)
}
