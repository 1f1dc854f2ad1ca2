use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum StockKind {
    Purchase,
    Consumption,
    Sale,
    Adjustment,
    Loss,
    Return,
}

/// A product with its stock, as the stock list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct StockLevel {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub cost_cents: i64,
    pub min_stock: i32,
    pub stock_on_hand: i32,
    pub active: bool,
    /// At or below the minimum.
    pub low: bool,
    /// Stock × cost.
    pub value_cents: i64,
}

/// One line of a product's stock card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StockMovement {
    pub id: Uuid,
    pub kind: StockKind,
    pub quantity: i32,
    pub balance_after: i32,
    pub unit_cost_cents: Option<i64>,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by_name: String,
}

/// A manual movement: an adjustment (signed: a count found more or fewer), a loss or a return to
/// the supplier (entered positive, taken out of stock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ManualStockMovement {
    pub id: Uuid,
    pub product_id: Uuid,
    pub kind: StockKind,
    pub quantity: i32,
    pub reason: String,
    pub supplier_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseLine {
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_cost_cents: i64,
}

/// A supplier's delivery as received at the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseInput {
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub invoice_ref: String,
    pub received_on: NaiveDate,
    pub lines: Vec<PurchaseLine>,
}

/// Whole-inventory figures for the stock screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StockOverview {
    pub levels: Vec<StockLevel>,
    pub low_count: i32,
    pub valuation_cents: i64,
}
