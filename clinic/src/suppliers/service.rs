//! Suppliers: contact data, what they supply, what was bought from them.

use uuid::Uuid;

use super::model::{Supplier, SupplierDetail};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};

/// Every supplier, active first.
pub async fn list(ctx: &Ctx) -> AppResult<Vec<Supplier>> {
    repo::list(&ctx.pool).await
}

/// A supplier with the products they supply (at the last cost) and their purchases.
#[tracing::instrument(skip_all, fields(supplier_id = %id))]
pub async fn detail(ctx: &Ctx, id: Uuid) -> AppResult<SupplierDetail> {
    let supplier = repo::find(&ctx.pool, id).await?.ok_or_else(|| AppError::not_found("supplier"))?;
    let products = repo::supplied_products(&ctx.pool, id).await?;
    let purchases = repo::purchases(&ctx.pool, id).await?;
    Ok(SupplierDetail { supplier, products, purchases })
}

/// Adds a supplier; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all, fields(supplier_id = %input.id))]
pub async fn create(ctx: &Ctx, input: Supplier) -> AppResult<Supplier> {
    let s = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &s).await? {
        return Ok(stored);
    }
    repo::insert(&mut *tx, &s).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::SupplierCreate, "supplier", s.id).after(&s)).await?;
    tx.commit().await?;
    Ok(s)
}

/// Edits a supplier; `active: false` archives them (suppliers are never deleted).
#[tracing::instrument(skip_all, fields(supplier_id = %input.id))]
pub async fn update(ctx: &Ctx, input: Supplier) -> AppResult<Supplier> {
    let s = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find(&mut *tx, s.id).await?.ok_or_else(|| AppError::not_found("supplier"))?;
    repo::update(&mut *tx, &s).await?;
    let entry = Entry::new(Action::SupplierUpdate, "supplier", s.id).before(&before).after(&s);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(s)
}
