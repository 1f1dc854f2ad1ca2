use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Permission;
use crate::error::{AppError, AppResult};
use crate::money::Method;
use crate::validate::{cents, trimmed};

/// One line as checkout sends it: a treatment or a product, how many, and any discount. The price
/// is the catalog's at this moment, read by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LineInput {
    pub treatment_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub quantity: i32,
    pub discount_cents: i64,
    pub discount_reason: String,
    /// The unit price the desk showed for the line (checkout's catalog, or the desk store's
    /// while the server was away): if the catalog's price is another by the time the charge is
    /// made, the charge is refused instead of costing the patient what they were not told.
    /// `None`: the catalog's price of the moment.
    pub unit_price_cents: Option<i64>,
}

impl LineInput {
    /// The line at a catalog item's `(name, unit price, still sold)`: the server's catalog, or the
    /// desk's copy of it. The same rules either way.
    pub fn priced(&self, item: Option<(String, i64, bool)>) -> AppResult<ChargeLine> {
        let (description, unit_price_cents, active) =
            item.ok_or_else(|| AppError::validation("lines", "unknown_item"))?;
        if !active {
            return Err(AppError::validation("lines", "inactive_item"));
        }
        if self.unit_price_cents.is_some_and(|shown| shown != unit_price_cents) {
            return Err(AppError::conflict("price_changed", Some("lines")));
        }
        if self.discount_cents > i64::from(self.quantity) * unit_price_cents {
            return Err(AppError::validation("discountCents", "discount_too_large"));
        }
        Ok(ChargeLine {
            treatment_id: self.treatment_id,
            product_id: self.product_id,
            description,
            quantity: self.quantity,
            unit_price_cents,
            discount_cents: self.discount_cents,
            discount_reason: self.discount_reason.clone(),
            total_cents: crate::money::line_total(self.quantity, unit_price_cents, self.discount_cents),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChargeInput {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub visit_id: Option<Uuid>,
    pub lines: Vec<LineInput>,
}

impl ChargeInput {
    pub fn parse(mut self) -> AppResult<Self> {
        if self.lines.is_empty() {
            return Err(AppError::validation("lines", "required"));
        }
        if self.lines.len() > 50 {
            return Err(AppError::validation("lines", "too_many"));
        }
        for line in &mut self.lines {
            if line.treatment_id.is_some() == line.product_id.is_some() {
                return Err(AppError::validation("lines", "one_item_per_line"));
            }
            if !(1..=999).contains(&line.quantity) {
                return Err(AppError::validation("quantity", "out_of_range"));
            }
            cents(line.discount_cents, "discountCents")?;
            trimmed(&mut line.discount_reason, "discountReason", crate::limits::DISCOUNT_REASON)?;
            if line.discount_cents > 0 && line.discount_reason.is_empty() {
                return Err(AppError::validation("discountReason", "required"));
            }
        }
        Ok(self)
    }

    /// A discount needs `payments.discount` among `permissions`.
    pub fn check_discount(&self, permissions: &[Permission]) -> AppResult<()> {
        if self.has_discount() && !permissions.contains(&Permission::PaymentsDiscount) {
            return Err(AppError::Forbidden { permission: Permission::PaymentsDiscount });
        }
        Ok(())
    }

    pub fn has_discount(&self) -> bool {
        self.lines.iter().any(|l| l.discount_cents > 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ChargeLine {
    pub treatment_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub description: String,
    pub quantity: i32,
    pub unit_price_cents: i64,
    pub discount_cents: i64,
    pub discount_reason: String,
    pub total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub id: Uuid,
    /// The receipt number (0: made at this desk while the server was away, numbered when sent).
    pub folio: i64,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub visit_id: Option<Uuid>,
    pub total_cents: i64,
    /// Payments less refunds on this charge.
    pub paid_cents: i64,
    pub created_at: DateTime<Utc>,
    pub created_by_name: String,
    pub lines: Vec<ChargeLine>,
}

/// Money received. Idempotent by `id`: a retried payment is stored once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInput {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub charge_id: Option<Uuid>,
    pub method: Method,
    pub amount_cents: i64,
    /// Card voucher or transfer reference.
    pub reference: String,
}

impl PaymentInput {
    /// The reference trimmed and within its limit, the amount positive.
    pub fn parse(mut self) -> AppResult<Self> {
        trimmed(&mut self.reference, "reference", crate::limits::PAYMENT_REFERENCE)?;
        self.amount_cents = crate::validate::positive_cents(self.amount_cents, "amountCents")?;
        Ok(self)
    }
}

/// Money given back (entered positive, stored negative), with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefundInput {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub charge_id: Option<Uuid>,
    pub method: Method,
    pub amount_cents: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub charge_id: Option<Uuid>,
    pub method: Method,
    /// Negative for a refund.
    pub amount_cents: i64,
    pub reason: String,
    pub reference: String,
    pub session_id: Uuid,
    pub at: DateTime<Utc>,
    pub created_by_name: String,
}

/// A patient's charges, payments and balance (positive: the patient owes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PatientAccount {
    pub patient_id: Uuid,
    pub charged_cents: i64,
    pub paid_cents: i64,
    pub balance_cents: i64,
    pub charges: Vec<Charge>,
    pub payments: Vec<Payment>,
}

/// A line checkout proposes from what the visit recorded, at today's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct DraftLine {
    pub treatment_id: Uuid,
    pub description: String,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

/// What reception sees at checkout for one appointment: the procedures the podiatrist recorded
/// (never the clinical note itself) and the charge, once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub visit_id: Option<Uuid>,
    pub visit_signed: bool,
    pub proposed: Vec<DraftLine>,
    pub charge: Option<Charge>,
    pub balance_cents: i64,
}

/// Money for `patient`'s account, `amount` cents (a refund is negative), checked against what the
/// account holds: when it is for a charge (`charge`: its owner and total), the charge must be the
/// patient's and a payment never takes more than it still owes after `paid`; a refund never gives
/// back more than was `paid`. The service checks it under the patient's lock, the desk's outbox
/// against a charge it made while the server was away.
pub fn check_amount(patient: Uuid, amount: i64, paid: i64, charge: Option<(Uuid, i64)>) -> AppResult<()> {
    if charge.is_some_and(|(owner, _)| owner != patient) {
        return Err(AppError::validation("chargeId", "unknown_charge"));
    }
    if amount > 0 {
        if charge.is_some_and(|(_, total)| paid + amount > total) {
            return Err(AppError::validation("amountCents", "exceeds_balance"));
        }
    } else if paid + amount < 0 {
        return Err(AppError::validation("amountCents", "refund_exceeds_paid"));
    }
    Ok(())
}

/// A payment or refund after the checks of its kind, in this desk's open cash session.
#[derive(PartialEq)]
pub struct CheckedPayment {
    pub id: Uuid,
    pub patient: Uuid,
    pub charge: Option<Uuid>,
    pub method: Method,
    pub amount: i64,
    pub reason: String,
    pub reference: String,
}

impl Charge {
    /// The stored charge's request, to tell a replay from a reused id.
    pub fn as_input(&self) -> ChargeInput {
        ChargeInput {
            id: self.id,
            patient_id: self.patient_id,
            visit_id: self.visit_id,
            lines: self
                .lines
                .iter()
                .map(|l| LineInput {
                    treatment_id: l.treatment_id,
                    product_id: l.product_id,
                    quantity: l.quantity,
                    discount_cents: l.discount_cents,
                    discount_reason: l.discount_reason.clone(),
                    unit_price_cents: None,
                })
                .collect(),
        }
    }
}
