use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::{PurchaseSummary, SuppliedProduct, Supplier};
use crate::error::AppResult;

pub async fn list(db: impl PgExecutor<'_>) -> AppResult<Vec<Supplier>> {
    Ok(sqlx::query_as!(
        Supplier,
        "SELECT id, name, rfc, contact, phone, email, address, notes, active FROM suppliers ORDER BY active DESC, name"
    )
    .fetch_all(db)
    .await?)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Supplier>> {
    Ok(sqlx::query_as!(
        Supplier,
        "SELECT id, name, rfc, contact, phone, email, address, notes, active FROM suppliers WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert(db: impl PgExecutor<'_>, s: &Supplier) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO suppliers (id, name, rfc, contact, phone, email, address, notes, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        s.id,
        &s.name,
        &s.rfc,
        &s.contact,
        &s.phone,
        &s.email,
        &s.address,
        &s.notes,
        s.active
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl PgExecutor<'_>, s: &Supplier) -> AppResult<()> {
    sqlx::query!(
        "UPDATE suppliers SET name = $2, rfc = $3, contact = $4, phone = $5, email = $6, address = $7, notes = $8,
                 active = $9, updated_at = now()
             WHERE id = $1",
        s.id,
        &s.name,
        &s.rfc,
        &s.contact,
        &s.phone,
        &s.email,
        &s.address,
        &s.notes,
        s.active
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The products a supplier supplies, with the last cost paid.
pub async fn supplied_products(db: impl PgExecutor<'_>, supplier: Uuid) -> AppResult<Vec<SuppliedProduct>> {
    Ok(sqlx::query_as!(
        SuppliedProduct,
        "SELECT p.id AS product_id, p.name, sp.last_cost_cents
         FROM supplier_products sp JOIN products p ON p.id = sp.product_id
         WHERE sp.supplier_id = $1 ORDER BY p.name",
        supplier
    )
    .fetch_all(db)
    .await?)
}

/// A supplier's latest 200 received purchases, newest first.
pub async fn purchases(db: impl PgExecutor<'_>, supplier: Uuid) -> AppResult<Vec<PurchaseSummary>> {
    Ok(sqlx::query_as!(
        PurchaseSummary,
        r#"SELECT id, invoice_ref, received_on, total_cents, expense_id IS NOT NULL AS "paid!"
           FROM purchases WHERE supplier_id = $1 ORDER BY received_on DESC, created_at DESC LIMIT 200"#,
        supplier
    )
    .fetch_all(db)
    .await?)
}

crate::db::stored_as_asked!(Supplier, find);
