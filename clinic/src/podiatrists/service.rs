//! The clinic's podiatrists.

use uuid::Uuid;

use super::model::Podiatrist;
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};

/// Every podiatrist, active first.
pub async fn list(ctx: &Ctx) -> AppResult<Vec<Podiatrist>> {
    repo::list(&ctx.pool).await
}

/// The podiatrist linked to the signed-in user's account, if any.
pub async fn own(ctx: &Ctx) -> AppResult<Option<Uuid>> {
    repo::for_user(&ctx.pool, ctx.session.user_id).await
}

/// Creates a podiatrist; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all, fields(podiatrist_id = %input.id))]
pub async fn create(ctx: &Ctx, input: Podiatrist) -> AppResult<Podiatrist> {
    let p = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &p).await? {
        return Ok(stored);
    }
    repo::insert(&mut *tx, &p).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::PodiatristCreate, "podiatrist", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(p)
}

/// Edits a podiatrist (archiving is `active = false`; podiatrists are never deleted).
#[tracing::instrument(skip_all, fields(podiatrist_id = %input.id))]
pub async fn update(ctx: &Ctx, input: Podiatrist) -> AppResult<Podiatrist> {
    let p = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find(&mut *tx, p.id).await?.ok_or_else(|| AppError::not_found("podiatrist"))?;
    repo::update(&mut *tx, &p).await?;
    let entry = Entry::new(Action::PodiatristUpdate, "podiatrist", p.id).before(&before).after(&p);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(p)
}
