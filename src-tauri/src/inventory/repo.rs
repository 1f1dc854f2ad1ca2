use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::model::{ManualMovement, PurchaseInput, StockKind, StockLevel, StockMovement, StockOverview};
use crate::audit::{self, Actor, Entry};
use crate::db::replay;
use crate::error::{AppError, AppResult};
use crate::validate::{cents, required, trimmed};

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
    Ok(sqlx::query_scalar(
        "INSERT INTO stock_movements (id, product_id, kind, quantity, unit_cost_cents, purchase_id, supplier_id,
                                      visit_id, charge_id, reason, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING balance_after",
    )
    .bind(id)
    .bind(product)
    .bind(kind.as_str())
    .bind(quantity)
    .bind(link.unit_cost_cents)
    .bind(link.purchase_id)
    .bind(link.supplier_id)
    .bind(link.visit_id)
    .bind(link.charge_id)
    .bind(&link.reason)
    .bind(by)
    .fetch_one(db)
    .await?)
}

/// Takes `quantity` of a product out of stock (a sale, a visit's consumables), holding the
/// product's row until the transaction ends. Short stock is refused naming the product, unless
/// `partial`: then what there is is taken and the missing rest returned.
pub async fn take(
    conn: &mut PgConnection,
    product: Uuid,
    quantity: i32,
    kind: StockKind,
    link: &Link,
    by: Uuid,
    partial: bool,
) -> AppResult<i32> {
    let (name, on_hand): (String, i32) =
        sqlx::query_as("SELECT name, stock_on_hand FROM products WHERE id = $1 FOR UPDATE")
            .bind(product)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::validation("productId", "unknown_product"))?;
    if on_hand < quantity && !partial {
        return Err(AppError::StockShort { product_name: name, needed: quantity, available: on_hand });
    }
    let taken = quantity.min(on_hand);
    if taken > 0 {
        insert(&mut *conn, Uuid::now_v7(), product, kind, -taken, link, Some(by)).await?;
    }
    Ok(quantity - taken)
}

pub async fn overview(db: impl PgExecutor<'_>) -> AppResult<StockOverview> {
    let levels: Vec<StockLevel> = sqlx::query_as(
        "SELECT id AS product_id, sku, name, unit, cost_cents, min_stock, stock_on_hand, active,
                stock_on_hand <= min_stock AS low, stock_on_hand * cost_cents AS value_cents
         FROM products ORDER BY active DESC, (stock_on_hand <= min_stock) DESC, name",
    )
    .fetch_all(db)
    .await?;
    let low_count = levels.iter().filter(|l| l.active && l.low).count() as i32;
    let valuation_cents = levels.iter().map(|l| l.value_cents).sum();
    Ok(StockOverview { levels, low_count, valuation_cents })
}

#[derive(sqlx::FromRow)]
struct MovementRow {
    id: Uuid,
    kind: String,
    quantity: i32,
    balance_after: i32,
    unit_cost_cents: Option<i64>,
    reason: String,
    at: DateTime<Utc>,
    by_name: String,
}

/// A product's stock card: every movement, newest first.
pub async fn card(db: impl PgExecutor<'_>, product: Uuid) -> AppResult<Vec<StockMovement>> {
    let rows: Vec<MovementRow> = sqlx::query_as(
        "SELECT m.id, m.kind, m.quantity, m.balance_after, m.unit_cost_cents, m.reason, m.at,
                coalesce(u.display_name, '') AS by_name
         FROM stock_movements m LEFT JOIN users u ON u.id = m.created_by
         WHERE m.product_id = $1 ORDER BY m.at DESC, m.id DESC LIMIT 500",
    )
    .bind(product)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(StockMovement {
                id: r.id,
                kind: StockKind::parse(&r.kind).ok_or_else(|| AppError::internal(format!("kind {}", r.kind)))?,
                quantity: r.quantity,
                balance_after: r.balance_after,
                unit_cost_cents: r.unit_cost_cents,
                reason: r.reason,
                at: r.at,
                by_name: r.by_name,
            })
        })
        .collect()
}

/// An adjustment, loss or return, with its reason. Idempotent by `id`.
#[tracing::instrument(skip_all)]
pub async fn record(pool: &PgPool, actor: &Actor, input: ManualMovement) -> AppResult<i32> {
    let mut m = input;
    trimmed(&mut m.reason, "reason", 300)?;
    let quantity = match m.kind {
        StockKind::Adjustment if m.quantity != 0 => m.quantity,
        StockKind::Loss | StockKind::Return if m.quantity > 0 => -m.quantity,
        StockKind::Adjustment | StockKind::Loss | StockKind::Return => {
            return Err(AppError::validation("quantity", "out_of_range"));
        }
        _ => return Err(AppError::validation("kind", "not_manual")),
    };
    if m.kind != StockKind::Return {
        required(&mut m.reason, "reason", 300)?;
    }
    let mut tx = pool.begin().await?;
    // A replay (same id, same movement) changes nothing; the id with another movement is refused.
    let stored: Option<(Uuid, String, i32, Option<Uuid>, String)> =
        sqlx::query_as("SELECT product_id, kind, quantity, supplier_id, reason FROM stock_movements WHERE id = $1")
            .bind(m.id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(stored) = stored {
        replay(stored, &(m.product_id, m.kind.as_str().to_owned(), quantity, m.supplier_id, m.reason.clone()))?;
        return Ok(sqlx::query_scalar("SELECT stock_on_hand FROM products WHERE id = $1")
            .bind(m.product_id)
            .fetch_one(&mut *tx)
            .await?);
    }
    let link = Link { supplier_id: m.supplier_id, reason: m.reason.clone(), ..Link::default() };
    let after = insert(&mut *tx, m.id, m.product_id, m.kind, quantity, &link, actor.user_id).await?;
    audit::record(&mut *tx, actor, Entry::new("stock.movement", "product", m.product_id).after(&m)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Receives a supplier's delivery: the purchase, its lines into stock at their cost, and each
/// product's last cost from that supplier. Idempotent by `id`.
#[tracing::instrument(skip_all)]
pub async fn receive(pool: &PgPool, actor: &Actor, input: PurchaseInput) -> AppResult<Uuid> {
    let mut p = input;
    trimmed(&mut p.invoice_ref, "invoiceRef", 60)?;
    if p.lines.is_empty() {
        return Err(AppError::validation("lines", "required"));
    }
    for l in &p.lines {
        if !(1..=1_000_000).contains(&l.quantity) {
            return Err(AppError::validation("quantity", "out_of_range"));
        }
        cents(l.unit_cost_cents, "unitCostCents")?;
    }
    let total: i64 = p.lines.iter().map(|l| i64::from(l.quantity) * l.unit_cost_cents).sum();
    let mut tx = pool.begin().await?;
    // A replay (same id, same delivery) changes nothing; the id with another delivery is refused.
    let stored: Option<(Uuid, String, chrono::NaiveDate, i64)> =
        sqlx::query_as("SELECT supplier_id, invoice_ref, received_on, total_cents FROM purchases WHERE id = $1")
            .bind(p.id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(stored) = stored {
        replay(stored, &(p.supplier_id, p.invoice_ref.clone(), p.received_on, total))?;
        return Ok(p.id);
    }
    let by = actor.user_id;
    sqlx::query(
        "INSERT INTO purchases (id, supplier_id, invoice_ref, received_on, total_cents, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.id)
    .bind(p.supplier_id)
    .bind(&p.invoice_ref)
    .bind(p.received_on)
    .bind(total)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    // Products are locked in id order, as sales and visits lock them: no deadlock between them.
    let mut lines: Vec<_> = p.lines.iter().enumerate().collect();
    lines.sort_by_key(|(_, l)| l.product_id);
    for (i, l) in lines {
        let link = Link {
            unit_cost_cents: Some(l.unit_cost_cents),
            purchase_id: Some(p.id),
            supplier_id: Some(p.supplier_id),
            ..Link::default()
        };
        let id = Uuid::new_v5(&p.id, &(i as u32).to_be_bytes());
        insert(&mut *tx, id, l.product_id, StockKind::Purchase, l.quantity, &link, by).await?;
        sqlx::query(
            "INSERT INTO supplier_products (supplier_id, product_id, last_cost_cents) VALUES ($1, $2, $3)
             ON CONFLICT (supplier_id, product_id) DO UPDATE SET last_cost_cents = EXCLUDED.last_cost_cents",
        )
        .bind(p.supplier_id)
        .bind(l.product_id)
        .bind(l.unit_cost_cents)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(&mut *tx, actor, Entry::new("purchase.receive", "purchase", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(p.id)
}

/// The category purchases are paid under ("Insumos", created by the money migration).
pub const SUPPLIES_CATEGORY: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000101);

/// Pays a received purchase: its expense (cash from this desk's open session) is recorded and
/// linked in one transaction. Idempotent by `expense_id`; a purchase is paid once.
#[tracing::instrument(skip_all)]
pub async fn pay(
    pool: &PgPool,
    actor: &Actor,
    purchase: Uuid,
    expense_id: Uuid,
    method: crate::money::Method,
) -> AppResult<crate::expenses::model::Expense> {
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, String, i64, Option<Uuid>)> = sqlx::query_as(
        "SELECT supplier_id, invoice_ref, total_cents, expense_id FROM purchases WHERE id = $1 FOR UPDATE",
    )
    .bind(purchase)
    .fetch_optional(&mut *tx)
    .await?;
    let (supplier, invoice, total, paid) = row.ok_or_else(|| AppError::not_found("purchase"))?;
    if let Some(existing) = paid {
        if existing == expense_id {
            // A replay: the purchase was paid with this very expense.
            return crate::expenses::repo::find(&mut *tx, expense_id)
                .await?
                .ok_or_else(|| AppError::not_found("expense"));
        }
        return Err(AppError::conflict("purchase_paid", None));
    }
    let today = crate::clinic::time::local_date(crate::clinic::time::zone(&mut *tx).await?, Utc::now());
    let input = crate::expenses::model::ExpenseInput {
        id: expense_id,
        category_id: SUPPLIES_CATEGORY,
        amount_cents: total,
        spent_on: today,
        method,
        supplier_id: Some(supplier),
        note: if invoice.is_empty() { String::new() } else { format!("Compra {invoice}") },
    };
    let expense = crate::expenses::repo::record_in(&mut tx, actor, input).await?;
    sqlx::query("UPDATE purchases SET expense_id = $2 WHERE id = $1")
        .bind(purchase)
        .bind(expense_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut *tx, actor, Entry::new("purchase.pay", "purchase", purchase).after(&expense_id)).await?;
    tx.commit().await?;
    Ok(expense)
}
