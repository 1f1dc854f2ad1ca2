//! The catalog's rules: what a treatment or product may be, with every change audited.

use super::model::{Product, Treatment};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};

/// Every product, active first.
pub async fn products(ctx: &Ctx) -> AppResult<Vec<Product>> {
    repo::products(&ctx.pool).await
}

/// Adds a product; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all, fields(product_id = %input.id))]
pub async fn create_product(ctx: &Ctx, input: Product) -> AppResult<Product> {
    let p = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &p).await? {
        return Ok(stored);
    }
    repo::insert_product(&mut *tx, &p).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::ProductCreate, "product", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(p)
}

/// Edits a product; `active: false` retires it (products are never deleted).
#[tracing::instrument(skip_all, fields(product_id = %input.id))]
pub async fn update_product(ctx: &Ctx, input: Product) -> AppResult<Product> {
    let p = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::product(&mut *tx, p.id).await?.ok_or_else(|| AppError::not_found("product"))?;
    repo::update_product(&mut *tx, &p).await?;
    let entry = Entry::new(Action::ProductUpdate, "product", p.id).before(&before).after(&p);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(p)
}

/// Every treatment with its consumables, active first.
pub async fn treatments(ctx: &Ctx) -> AppResult<Vec<Treatment>> {
    repo::treatments(&mut *ctx.pool.acquire().await?).await
}

/// Adds a treatment with its consumables; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all, fields(treatment_id = %input.id))]
pub async fn create_treatment(ctx: &Ctx, input: Treatment) -> AppResult<Treatment> {
    let t = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &t).await? {
        return Ok(stored);
    }
    repo::insert_treatment(&mut *tx, &t).await?;
    repo::write_consumables(&mut tx, &t).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::TreatmentCreate, "treatment", t.id).after(&t)).await?;
    tx.commit().await?;
    Ok(t)
}

/// Edits a treatment. Prices already charged keep the price of their moment.
#[tracing::instrument(skip_all, fields(treatment_id = %input.id))]
pub async fn update_treatment(ctx: &Ctx, input: Treatment) -> AppResult<Treatment> {
    let t = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::treatment(&mut tx, t.id).await?.ok_or_else(|| AppError::not_found("treatment"))?;
    repo::update_treatment(&mut *tx, &t).await?;
    repo::write_consumables(&mut tx, &t).await?;
    let entry = Entry::new(Action::TreatmentUpdate, "treatment", t.id).before(&before).after(&t);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(t)
}
