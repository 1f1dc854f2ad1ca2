//! Reading the audit log.

use super::{AuditRow, repo};
use crate::auth::Ctx;
use crate::error::AppResult;

/// The newest `limit` entries (1 to 1,000).
#[tracing::instrument(skip_all, fields(limit))]
pub async fn recent(ctx: &Ctx, limit: u32) -> AppResult<Vec<AuditRow>> {
    repo::recent(&ctx.pool, i64::from(limit.clamp(1, 1000))).await
}
