use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::{EntryKind, Method};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Register {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct CashSession {
    pub id: Uuid,
    pub register_id: Uuid,
    pub register_name: String,
    pub opened_at: DateTime<Utc>,
    pub opened_by_name: String,
    pub opening_float_cents: i64,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by_name: Option<String>,
}

/// This desk's drawer: its register (if assigned) and the open session (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskCash {
    pub desk: String,
    pub register: Option<Register>,
    pub session: Option<CashSession>,
    pub registers: Vec<Register>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OpenSessionInput {
    pub id: Uuid,
    pub register_id: Uuid,
    pub opening_float_cents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum CashMovementKind {
    Withdrawal,
    Deposit,
    Adjustment,
}

/// A withdrawal or deposit (amount entered positive) or an adjusting entry (signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CashMovementInput {
    pub id: Uuid,
    pub kind: CashMovementKind,
    pub method: Method,
    pub amount_cents: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Denomination {
    /// Value of one bill or coin, in cents.
    pub cents: i64,
    pub count: i32,
}

/// What staff enter at the corte Z: the counted cash (or the pieces per denomination) and the
/// card and transfer totals from the terminal and the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CloseInput {
    pub session_id: Uuid,
    pub counted_cash_cents: Option<i64>,
    pub denominations: Option<Vec<Denomination>>,
    pub counted_card_cents: i64,
    pub counted_transfer_cents: i64,
    pub note: String,
}

/// One entry of a session, signed from the drawer's point of view (money in is positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CashEntry {
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    pub method: Method,
    pub amount_cents: i64,
    /// Patient, expense category or the reason, as staff wrote it.
    pub label: String,
    pub by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MethodSummary {
    pub method: Method,
    pub payments_cents: i64,
    pub refunds_cents: i64,
    pub expenses_cents: i64,
    pub withdrawals_cents: i64,
    pub deposits_cents: i64,
    pub adjustments_cents: i64,
    /// The opening float (cash) plus everything above.
    pub expected_cents: i64,
    pub counted_cents: Option<i64>,
    /// Counted minus expected: negative is money missing.
    pub difference_cents: Option<i64>,
}

/// Corte X (open session: expected so far) or corte Z (closed: expected, counted, difference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CashReport {
    pub session: CashSession,
    pub methods: Vec<MethodSummary>,
    pub entries: Vec<CashEntry>,
    pub denominations: Option<Vec<Denomination>>,
    pub note: String,
    pub generated_at: DateTime<Utc>,
}
