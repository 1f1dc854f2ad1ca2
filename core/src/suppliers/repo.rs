use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::{PurchaseSummary, SuppliedProduct, Supplier};
use crate::error::AppResult;

// A literal (not a `const`) so the queries built from it stay static strings.
macro_rules! supplier_columns {
    () => {
        "id, name, rfc, contact, phone, email, address, notes, active"
    };
}

pub async fn list(db: impl PgExecutor<'_>) -> AppResult<Vec<Supplier>> {
    Ok(sqlx::query_as(concat!("SELECT ", supplier_columns!(), " FROM suppliers ORDER BY active DESC, name"))
        .fetch_all(db)
        .await?)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Supplier>> {
    Ok(sqlx::query_as(concat!("SELECT ", supplier_columns!(), " FROM suppliers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

fn bind_record<'q>(q: PgQuery<'q>, s: &'q Supplier) -> PgQuery<'q> {
    q.bind(s.id)
        .bind(&s.name)
        .bind(&s.rfc)
        .bind(&s.contact)
        .bind(&s.phone)
        .bind(&s.email)
        .bind(&s.address)
        .bind(&s.notes)
        .bind(s.active)
}

pub async fn insert(db: impl PgExecutor<'_>, s: &Supplier) -> AppResult<()> {
    bind_record(
        sqlx::query(
            "INSERT INTO suppliers (id, name, rfc, contact, phone, email, address, notes, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ),
        s,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl PgExecutor<'_>, s: &Supplier) -> AppResult<()> {
    bind_record(
        sqlx::query(
            "UPDATE suppliers SET name = $2, rfc = $3, contact = $4, phone = $5, email = $6, address = $7, notes = $8,
                 active = $9, updated_at = now()
             WHERE id = $1",
        ),
        s,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The products a supplier supplies, with the last cost paid.
pub async fn supplied_products(db: impl PgExecutor<'_>, supplier: Uuid) -> AppResult<Vec<SuppliedProduct>> {
    Ok(sqlx::query_as(
        "SELECT p.id AS product_id, p.name, sp.last_cost_cents
         FROM supplier_products sp JOIN products p ON p.id = sp.product_id
         WHERE sp.supplier_id = $1 ORDER BY p.name",
    )
    .bind(supplier)
    .fetch_all(db)
    .await?)
}

/// A supplier's latest 200 received purchases, newest first.
pub async fn purchases(db: impl PgExecutor<'_>, supplier: Uuid) -> AppResult<Vec<PurchaseSummary>> {
    Ok(sqlx::query_as(
        "SELECT id, invoice_ref, received_on, total_cents, expense_id IS NOT NULL AS paid
         FROM purchases WHERE supplier_id = $1 ORDER BY received_on DESC, created_at DESC LIMIT 200",
    )
    .bind(supplier)
    .fetch_all(db)
    .await?)
}

crate::db::stored_as_asked!(Supplier, find);
