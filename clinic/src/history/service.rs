use serde_json::json;
use uuid::Uuid;

use super::model::{History, HistoryInput};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};

/// The patient's history as last recorded, if any. A reading of the clinical record: audited.
#[tracing::instrument(skip_all, fields(patient_id = %patient_id))]
pub async fn current(ctx: &Ctx, patient_id: Uuid) -> AppResult<Option<History>> {
    crate::privacy::service::ensure_open(&ctx.pool, patient_id).await?;
    let mut tx = ctx.pool.begin().await?;
    let history = repo::current(&mut *tx, patient_id).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::HistoryRead, "history", patient_id)).await?;
    tx.commit().await?;
    Ok(history)
}

/// Records the history again (a new version; the earlier ones stay). Idempotent by `id`; audited
/// by digest (the history's words are clinical).
#[tracing::instrument(skip_all, fields(patient_id = %input.patient_id, history_id = %input.id))]
pub async fn record(ctx: &Ctx, input: HistoryInput) -> AppResult<History> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if db::replayed(&mut tx, &input).await?.is_none() {
        crate::patients::repo::find(&mut *tx, input.patient_id)
            .await?
            .ok_or_else(|| AppError::validation("patientId", "unknown_patient"))?;
        repo::insert(&mut *tx, &input, ctx.session.user_id).await?;
        let content = serde_json::to_string(&input.content).map_err(AppError::internal)?;
        let entry = Entry::new(Action::HistoryRecord, "history", input.patient_id)
            .after(&json!({ "history": input.id, "content_sha256": audit::digest(&content) }));
        audit::record(&mut *tx, &ctx.actor, entry).await?;
    }
    let stored = repo::find(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("history"))?;
    tx.commit().await?;
    Ok(stored)
}
