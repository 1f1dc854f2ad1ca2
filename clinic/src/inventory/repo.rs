use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{ManualStockMovement, PurchaseInput, StockKind, StockLevel, StockMovement};
use crate::db::ClientCreate;
use crate::error::AppResult;

/// What one ledger entry links to, besides its product.
#[derive(Default)]
pub struct Link {
    pub unit_cost_cents: Option<i64>,
    pub purchase_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub visit_id: Option<Uuid>,
    pub charge_id: Option<Uuid>,
    pub reason: String,
}

/// Appends a movement; the database applies it to stock on hand and refuses it if stock would
/// go below zero (`stock_short`). Returns the stock after it.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    product: Uuid,
    kind: StockKind,
    quantity: i32,
    link: &Link,
    by: Option<Uuid>,
) -> AppResult<i32> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO stock_movements (id, product_id, kind, quantity, unit_cost_cents, purchase_id, supplier_id,
                                      visit_id, charge_id, reason, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING balance_after",
        id,
        product,
        kind as StockKind,
        quantity,
        link.unit_cost_cents,
        link.purchase_id,
        link.supplier_id,
        link.visit_id,
        link.charge_id,
        &link.reason,
        by
    )
    .fetch_one(db)
    .await?)
}

/// Locks these products in id order until the transaction ends (lock order: step 7, see
/// `db::locks`): a sale takes them before it writes its lines.
pub async fn lock_products(conn: &mut PgConnection, products: &[Uuid]) -> AppResult<()> {
    sqlx::query!("SELECT id FROM products WHERE id = ANY ($1) ORDER BY id FOR NO KEY UPDATE", products)
        .fetch_all(conn)
        .await?;
    Ok(())
}

/// A product's name and stock on hand, holding its row until the transaction ends (lock order:
/// step 7; several products are taken in id order).
pub async fn product_for_update(conn: &mut PgConnection, product: Uuid) -> AppResult<Option<(String, i32)>> {
    let found = sqlx::query!("SELECT name, stock_on_hand FROM products WHERE id = $1 FOR NO KEY UPDATE", product)
        .fetch_optional(conn)
        .await?;
    Ok(found.map(|p| (p.name, p.stock_on_hand)))
}

pub async fn stock_on_hand(db: impl PgExecutor<'_>, product: Uuid) -> AppResult<i32> {
    Ok(sqlx::query_scalar!("SELECT stock_on_hand FROM products WHERE id = $1", product).fetch_one(db).await?)
}

/// Every product's stock level, active first, the low ones first among them.
pub async fn levels(db: impl PgExecutor<'_>) -> AppResult<Vec<StockLevel>> {
    Ok(sqlx::query_as!(
        StockLevel,
        r#"SELECT id AS product_id, sku, name, unit, cost_cents, min_stock, stock_on_hand, active,
                stock_on_hand <= min_stock AS "low!", stock_on_hand * cost_cents AS "value_cents!"
         FROM products ORDER BY active DESC, (stock_on_hand <= min_stock) DESC, name"#
    )
    .fetch_all(db)
    .await?)
}

/// A product's stock card: every movement, newest first.
pub async fn card(db: impl PgExecutor<'_>, product: Uuid) -> AppResult<Vec<StockMovement>> {
    Ok(sqlx::query_as!(
        StockMovement,
        r#"SELECT m.id, m.kind AS "kind: StockKind", m.quantity, m.balance_after, m.unit_cost_cents, m.reason, m.at,
                  coalesce(u.display_name, '') AS "by_name!"
           FROM stock_movements m LEFT JOIN users u ON u.id = m.created_by
           WHERE m.product_id = $1 ORDER BY m.at DESC, m.id DESC LIMIT 500"#,
        product
    )
    .fetch_all(db)
    .await?)
}

/// A manual movement as stored (quantity signed: losses and returns are negative).
pub async fn manual_movement(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<ManualStockMovement>> {
    Ok(sqlx::query_as!(
        ManualStockMovement,
        r#"SELECT id, product_id, kind AS "kind: StockKind", quantity, reason, supplier_id
           FROM stock_movements WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// A received purchase's header as stored: supplier, invoice, day received, total.
pub async fn purchase(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<StoredPurchase>> {
    Ok(sqlx::query_as!(
        StoredPurchase,
        "SELECT supplier_id, invoice_ref, received_on, total_cents FROM purchases WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert_purchase(db: impl PgExecutor<'_>, p: &PurchaseInput, total: i64, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO purchases (id, supplier_id, invoice_ref, received_on, total_cents, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
        p.id,
        p.supplier_id,
        &p.invoice_ref,
        p.received_on,
        total,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Remembers what a supplier last charged for a product.
pub async fn set_last_cost(db: impl PgExecutor<'_>, supplier: Uuid, product: Uuid, cost_cents: i64) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO supplier_products (supplier_id, product_id, last_cost_cents) VALUES ($1, $2, $3)
         ON CONFLICT (supplier_id, product_id) DO UPDATE SET last_cost_cents = EXCLUDED.last_cost_cents",
        supplier,
        product,
        cost_cents
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A purchase to pay, held until the transaction ends: supplier, invoice, total, and the expense
/// that paid it, if any. Lock order: step 6 (see `db::locks`).
pub async fn purchase_for_payment(
    conn: &mut PgConnection,
    id: Uuid,
) -> AppResult<Option<(Uuid, String, i64, Option<Uuid>)>> {
    let found = sqlx::query!(
        "SELECT supplier_id, invoice_ref, total_cents, expense_id FROM purchases WHERE id = $1 FOR NO KEY UPDATE",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|p| (p.supplier_id, p.invoice_ref, p.total_cents, p.expense_id)))
}

pub async fn set_purchase_expense(db: impl PgExecutor<'_>, purchase: Uuid, expense: Uuid) -> AppResult<()> {
    sqlx::query!("UPDATE purchases SET expense_id = $2 WHERE id = $1", purchase, expense).execute(db).await?;
    Ok(())
}

/// A purchase as the replay check sees it.
#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredPurchase {
    pub supplier_id: Uuid,
    pub invoice_ref: String,
    pub received_on: chrono::NaiveDate,
    pub total_cents: i64,
}

crate::db::stored_as_asked!(ManualStockMovement, manual_movement);

impl ClientCreate for PurchaseInput {
    type Stored = StoredPurchase;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<StoredPurchase>> {
        purchase(conn, id).await
    }
    fn same_as(&self, stored: &StoredPurchase) -> bool {
        let total: i64 = self.lines.iter().map(|l| i64::from(l.quantity) * l.unit_cost_cents).sum();
        (stored.supplier_id, stored.invoice_ref.as_str(), stored.received_on, stored.total_cents)
            == (self.supplier_id, self.invoice_ref.as_str(), self.received_on, total)
    }
}
