use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppResult;
use crate::validate::{required, rfc, trimmed};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Supplier {
    pub id: Uuid,
    pub name: String,
    /// Mexican tax id; empty when not known.
    pub rfc: String,
    pub contact: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub notes: String,
    pub active: bool,
}

impl Supplier {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.name, "name", crate::limits::SUPPLIER_NAME)?;
        rfc(&mut self.rfc, "rfc")?;
        trimmed(&mut self.contact, "contact", crate::limits::SUPPLIER_CONTACT)?;
        trimmed(&mut self.phone, "phone", crate::limits::SUPPLIER_PHONE)?;
        trimmed(&mut self.email, "email", crate::limits::SUPPLIER_EMAIL)?;
        trimmed(&mut self.address, "address", crate::limits::SUPPLIER_ADDRESS)?;
        trimmed(&mut self.notes, "notes", crate::limits::SUPPLIER_NOTES)?;
        Ok(self)
    }
}

/// A received purchase, as the supplier's history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseSummary {
    pub id: Uuid,
    pub invoice_ref: String,
    pub received_on: NaiveDate,
    pub total_cents: i64,
    pub paid: bool,
}

/// A supplier's page: what they supply (with the last cost) and their purchases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SupplierDetail {
    pub supplier: Supplier,
    pub products: Vec<SuppliedProduct>,
    pub purchases: Vec<PurchaseSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct SuppliedProduct {
    pub product_id: Uuid,
    pub name: String,
    pub last_cost_cents: Option<i64>,
}
