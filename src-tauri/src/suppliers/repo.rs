use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::model::{PurchaseSummary, SuppliedProduct, Supplier, SupplierDetail};
use crate::audit::{self, Actor, Entry};
use crate::db::replay;
use crate::error::{AppError, AppResult};

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

/// Adds a supplier; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all)]
pub async fn create(pool: &PgPool, actor: &Actor, input: Supplier) -> AppResult<Supplier> {
    let s = input.parse()?;
    let mut tx = pool.begin().await?;
    let inserted = bind_record(
        sqlx::query(
            "INSERT INTO suppliers (id, name, rfc, contact, phone, email, address, notes, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        ),
        &s,
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        let stored = find(&mut *tx, s.id).await?.ok_or_else(|| AppError::not_found("supplier"))?;
        return replay(stored, &s);
    }
    audit::record(&mut *tx, actor, Entry::new("supplier.create", "supplier", s.id).after(&s)).await?;
    tx.commit().await?;
    Ok(s)
}

/// Edits a supplier; `active: false` archives them (suppliers are never deleted).
#[tracing::instrument(skip_all)]
pub async fn update(pool: &PgPool, actor: &Actor, input: Supplier) -> AppResult<Supplier> {
    let s = input.parse()?;
    let mut tx = pool.begin().await?;
    let before = find(&mut *tx, s.id).await?.ok_or_else(|| AppError::not_found("supplier"))?;
    bind_record(
        sqlx::query(
            "UPDATE suppliers SET name = $2, rfc = $3, contact = $4, phone = $5, email = $6, address = $7, notes = $8,
                 active = $9, updated_at = now()
             WHERE id = $1",
        ),
        &s,
    )
    .execute(&mut *tx)
    .await?;
    audit::record(&mut *tx, actor, Entry::new("supplier.update", "supplier", s.id).before(&before).after(&s)).await?;
    tx.commit().await?;
    Ok(s)
}

pub async fn detail(pool: &PgPool, id: Uuid) -> AppResult<SupplierDetail> {
    let supplier = find(pool, id).await?.ok_or_else(|| AppError::not_found("supplier"))?;
    let products: Vec<SuppliedProduct> = sqlx::query_as(
        "SELECT p.id AS product_id, p.name, sp.last_cost_cents
         FROM supplier_products sp JOIN products p ON p.id = sp.product_id
         WHERE sp.supplier_id = $1 ORDER BY p.name",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let purchases: Vec<PurchaseSummary> = sqlx::query_as(
        "SELECT id, invoice_ref, received_on, total_cents, expense_id IS NOT NULL AS paid
         FROM purchases WHERE supplier_id = $1 ORDER BY received_on DESC, created_at DESC LIMIT 200",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(SupplierDetail { supplier, products, purchases })
}
