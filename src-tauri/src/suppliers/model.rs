use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::validate::{required, trimmed};

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

/// An RFC: 3 letters (company) or 4 (person), a real date YYMMDD, a 3-character homoclave.
pub fn valid_rfc(rfc: &str) -> bool {
    let chars: Vec<char> = rfc.chars().collect();
    let letters = match chars.len() {
        12 => 3,
        13 => 4,
        _ => return false,
    };
    let is_letter = |c: &char| c.is_ascii_uppercase() || *c == 'Ñ' || *c == '&';
    if !chars[..letters].iter().all(is_letter) {
        return false;
    }
    let date: String = chars[letters..letters + 6].iter().collect();
    // YY is 19YY or 20YY: a date valid in either century (29 February 2000, not 1900) counts.
    let real = |century: &str| NaiveDate::parse_from_str(&format!("{century}{date}"), "%Y%m%d").is_ok();
    if !date.chars().all(|c| c.is_ascii_digit()) || !(real("19") || real("20")) {
        return false;
    }
    chars[letters + 6..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl Supplier {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.name, "name", 120)?;
        self.rfc = self.rfc.trim().to_uppercase();
        if !self.rfc.is_empty() && !valid_rfc(&self.rfc) {
            return Err(AppError::validation("rfc", "rfc_format"));
        }
        trimmed(&mut self.contact, "contact", 120)?;
        trimmed(&mut self.phone, "phone", 40)?;
        trimmed(&mut self.email, "email", 120)?;
        trimmed(&mut self.address, "address", 300)?;
        trimmed(&mut self.notes, "notes", 1000)?;
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

#[cfg(test)]
mod tests {
    use super::valid_rfc;

    #[test]
    fn rfcs_are_checked_with_their_date() {
        assert!(valid_rfc("DMC900101AB1"), "company");
        assert!(valid_rfc("GOMJ8001019Q8"), "person");
        assert!(valid_rfc("ÑAN000229XY1"), "Ñ and a leap day");
        assert!(!valid_rfc("DMC901301AB1"), "month 13");
        assert!(!valid_rfc("DMC010229XY1"), "no 29 February in 2001");
        assert!(!valid_rfc("DM900101AB1"), "two letters");
        assert!(!valid_rfc("dmc900101ab1"), "lower case (parse upper-cases first)");
    }
}
