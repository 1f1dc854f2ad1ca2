use std::collections::HashMap;

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{Consumable, Product, Treatment};
use crate::consents::model::ConsentKind;
use crate::error::AppResult;

pub async fn products(db: impl PgExecutor<'_>) -> AppResult<Vec<Product>> {
    Ok(sqlx::query_as!(Product, "SELECT id, sku, name, unit, cost_cents, price_cents, min_stock, active FROM products ORDER BY active DESC, name")
        .fetch_all(db)
        .await?)
}

pub async fn product(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Product>> {
    Ok(sqlx::query_as!(
        Product,
        "SELECT id, sku, name, unit, cost_cents, price_cents, min_stock, active FROM products WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert_product(db: impl PgExecutor<'_>, p: &Product) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO products (id, sku, name, unit, cost_cents, price_cents, min_stock, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        p.id,
        &p.sku,
        &p.name,
        &p.unit,
        p.cost_cents,
        p.price_cents,
        p.min_stock,
        p.active
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_product(db: impl PgExecutor<'_>, p: &Product) -> AppResult<()> {
    sqlx::query!(
        "UPDATE products SET sku = $2, name = $3, unit = $4, cost_cents = $5, price_cents = $6, min_stock = $7,
                 active = $8, updated_at = now()
             WHERE id = $1",
        p.id,
        &p.sku,
        &p.name,
        &p.unit,
        p.cost_cents,
        p.price_cents,
        p.min_stock,
        p.active
    )
    .execute(db)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct TreatmentRow {
    id: Uuid,
    name: String,
    duration_minutes: i32,
    price_cents: i64,
    active: bool,
    requires_consent: Option<ConsentKind>,
}

#[derive(sqlx::FromRow)]
struct ConsumableRow {
    treatment_id: Uuid,
    product_id: Uuid,
    quantity: i32,
}

async fn load_treatments(db: &mut PgConnection, only: Option<Uuid>) -> AppResult<Vec<Treatment>> {
    let rows: Vec<TreatmentRow> = sqlx::query_as!(
        TreatmentRow,
        r#"SELECT id, name, duration_minutes, price_cents, active, requires_consent AS "requires_consent: ConsentKind"
           FROM treatments WHERE $1::uuid IS NULL OR id = $1 ORDER BY active DESC, name"#,
        only
    )
    .fetch_all(&mut *db)
    .await?;
    let consumables: Vec<ConsumableRow> = sqlx::query_as!(
        ConsumableRow,
        "SELECT treatment_id, product_id, quantity FROM treatment_consumables
         WHERE $1::uuid IS NULL OR treatment_id = $1 ORDER BY product_id",
        only
    )
    .fetch_all(&mut *db)
    .await?;
    let mut by_treatment: HashMap<Uuid, Vec<Consumable>> = HashMap::new();
    for c in consumables {
        by_treatment
            .entry(c.treatment_id)
            .or_default()
            .push(Consumable { product_id: c.product_id, quantity: c.quantity });
    }
    Ok(rows
        .into_iter()
        .map(|r| Treatment {
            consumables: by_treatment.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            duration_minutes: r.duration_minutes,
            price_cents: r.price_cents,
            active: r.active,
            requires_consent: r.requires_consent,
        })
        .collect())
}

pub async fn treatments(db: &mut PgConnection) -> AppResult<Vec<Treatment>> {
    load_treatments(db, None).await
}

pub async fn treatment(db: &mut PgConnection, id: Uuid) -> AppResult<Option<Treatment>> {
    Ok(load_treatments(db, Some(id)).await?.pop())
}

pub async fn write_consumables(db: &mut PgConnection, t: &Treatment) -> AppResult<()> {
    sqlx::query!("DELETE FROM treatment_consumables WHERE treatment_id = $1", t.id).execute(&mut *db).await?;
    let (products, quantities): (Vec<Uuid>, Vec<i32>) =
        t.consumables.iter().map(|c| (c.product_id, c.quantity)).unzip();
    sqlx::query!(
        "INSERT INTO treatment_consumables (treatment_id, product_id, quantity)
         SELECT $1, * FROM unnest($2::uuid[], $3::int[])",
        t.id,
        &products,
        &quantities
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn insert_treatment(db: impl PgExecutor<'_>, t: &Treatment) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO treatments (id, name, duration_minutes, price_cents, active, requires_consent)
         VALUES ($1, $2, $3, $4, $5, $6)",
        t.id,
        &t.name,
        t.duration_minutes,
        t.price_cents,
        t.active,
        t.requires_consent as Option<ConsentKind>
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_treatment(db: impl PgExecutor<'_>, t: &Treatment) -> AppResult<()> {
    sqlx::query!(
        "UPDATE treatments SET name = $2, duration_minutes = $3, price_cents = $4, active = $5, requires_consent = $6,
                               updated_at = now()
         WHERE id = $1",
        t.id,
        &t.name,
        t.duration_minutes,
        t.price_cents,
        t.active,
        t.requires_consent as Option<ConsentKind>
    )
    .execute(db)
    .await?;
    Ok(())
}

crate::db::stored_as_asked!(Product, product);

crate::db::stored_as_asked!(Treatment, treatment);
