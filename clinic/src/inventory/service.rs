//! The stock ledger's rules: what may be taken, received, adjusted and paid, each audited.

use chrono::Utc;
use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{ManualStockMovement, PurchaseInput, StockKind, StockMovement, StockOverview};
use super::repo::{self, Link};
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::expenses::model::{Expense, ExpenseInput};
use crate::money::Method;
use crate::profile::time;
use crate::validate::{cents, required, trimmed};

/// Stock per product (low ones first), how many are low, and the valuation at cost.
pub async fn overview(ctx: &Ctx) -> AppResult<StockOverview> {
    let levels = repo::levels(&ctx.pool).await?;
    let low_count = levels.iter().filter(|l| l.active && l.low).count() as i32;
    let valuation_cents = levels.iter().map(|l| l.value_cents).sum();
    Ok(StockOverview { levels, low_count, valuation_cents })
}

/// A product's stock card: every movement, newest first.
pub async fn card(ctx: &Ctx, product: Uuid) -> AppResult<Vec<StockMovement>> {
    repo::card(&ctx.pool, product).await
}

/// Takes `quantity` of a product out of stock (a sale, a visit's consumables) in the caller's
/// transaction, holding the product's row until it ends. Short stock is refused naming the
/// product, unless `partial`: then what there is is taken and the missing rest returned.
pub async fn take(
    conn: &mut PgConnection,
    product: Uuid,
    quantity: i32,
    kind: StockKind,
    link: &Link,
    by: Uuid,
    partial: bool,
) -> AppResult<i32> {
    let (name, on_hand) = repo::product_for_update(&mut *conn, product)
        .await?
        .ok_or_else(|| AppError::validation("productId", "unknown_product"))?;
    if on_hand < quantity && !partial {
        return Err(AppError::StockShort { product_name: name, needed: quantity, available: on_hand });
    }
    let taken = quantity.min(on_hand);
    if taken > 0 {
        repo::insert(&mut *conn, Uuid::now_v7(), product, kind, -taken, link, Some(by)).await?;
    }
    Ok(quantity - taken)
}

/// An adjustment, loss or return, with its reason. Idempotent by `id`. Returns the stock after it.
#[tracing::instrument(skip_all, fields(movement_id = %input.id, product_id = %input.product_id))]
pub async fn record(ctx: &Ctx, input: ManualStockMovement) -> AppResult<i32> {
    let mut m = input;
    trimmed(&mut m.reason, "reason", crate::limits::STOCK_REASON)?;
    let quantity = match m.kind {
        StockKind::Adjustment if m.quantity != 0 => m.quantity,
        StockKind::Loss | StockKind::Return if m.quantity > 0 => -m.quantity,
        StockKind::Adjustment | StockKind::Loss | StockKind::Return => {
            return Err(AppError::validation("quantity", "out_of_range"));
        }
        _ => return Err(AppError::validation("kind", "not_manual")),
    };
    if m.kind != StockKind::Return {
        required(&mut m.reason, "reason", crate::limits::STOCK_REASON)?;
    }
    let signed = ManualStockMovement { quantity, ..m.clone() };
    let mut tx = ctx.pool.begin().await?;
    if db::replayed(&mut tx, &signed).await?.is_some() {
        return repo::stock_on_hand(&mut *tx, m.product_id).await;
    }
    let link = Link { supplier_id: m.supplier_id, reason: m.reason.clone(), ..Link::default() };
    let after = repo::insert(&mut *tx, m.id, m.product_id, m.kind, quantity, &link, Some(ctx.session.user_id)).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::StockMovement, "product", m.product_id).after(&m)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Receives a supplier's delivery: the purchase, its lines into stock at their cost, and each
/// product's last cost from that supplier. Idempotent by `id`.
#[tracing::instrument(skip_all, fields(purchase_id = %input.id, supplier_id = %input.supplier_id))]
pub async fn receive(ctx: &Ctx, input: PurchaseInput) -> AppResult<Uuid> {
    let mut p = input;
    trimmed(&mut p.invoice_ref, "invoiceRef", crate::limits::INVOICE_REF)?;
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
    let mut tx = ctx.pool.begin().await?;
    if db::replayed(&mut tx, &p).await?.is_some() {
        return Ok(p.id);
    }
    let by = ctx.session.user_id;
    repo::insert_purchase(&mut *tx, &p, total, by).await?;
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
        repo::insert(&mut *tx, id, l.product_id, StockKind::Purchase, l.quantity, &link, Some(by)).await?;
        repo::set_last_cost(&mut *tx, p.supplier_id, l.product_id, l.unit_cost_cents).await?;
    }
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::PurchaseReceive, "purchase", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(p.id)
}

/// The category purchases are paid under ("Insumos", created by the money migration).
pub const SUPPLIES_CATEGORY: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000101);

/// Pays a received purchase: its expense (cash from this desk's open session) is recorded and
/// linked in one transaction. Idempotent by `expense_id`; a purchase is paid once.
#[tracing::instrument(skip_all, fields(purchase_id = %purchase, expense_id = %expense_id))]
pub async fn pay(ctx: &Ctx, purchase: Uuid, expense_id: Uuid, method: Method) -> AppResult<Expense> {
    let mut tx = ctx.pool.begin().await?;
    // The expense's id is this create's, and its lock comes first (`db::locks`).
    db::lock_id(&mut tx, expense_id).await?;
    let row = repo::purchase_for_payment(&mut tx, purchase).await?;
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
    let today = time::local_date(time::zone(&mut *tx).await?, Utc::now());
    let input = ExpenseInput {
        id: expense_id,
        category_id: SUPPLIES_CATEGORY,
        amount_cents: total,
        spent_on: today,
        method,
        supplier_id: Some(supplier),
        note: if invoice.is_empty() { String::new() } else { format!("Compra {invoice}") },
    };
    let expense = crate::expenses::service::record_in(ctx, &mut tx, input).await?;
    repo::set_purchase_expense(&mut *tx, purchase, expense_id).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::PurchasePay, "purchase", purchase).after(&expense_id))
        .await?;
    tx.commit().await?;
    Ok(expense)
}
