use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::validate::{cents, required};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    /// What one unit is: "pieza", "ml", "par"...
    pub unit: String,
    pub cost_cents: i64,
    pub price_cents: i64,
    pub min_stock: i32,
    pub active: bool,
}

impl Product {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.sku, "sku", crate::limits::PRODUCT_SKU)?;
        self.sku = self.sku.to_uppercase();
        if !self.sku.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)) {
            return Err(AppError::validation("sku", "sku_format"));
        }
        required(&mut self.name, "name", crate::limits::PRODUCT_NAME)?;
        required(&mut self.unit, "unit", crate::limits::PRODUCT_UNIT)?;
        cents(self.cost_cents, "costCents")?;
        cents(self.price_cents, "priceCents")?;
        if !(0..=1_000_000).contains(&self.min_stock) {
            return Err(AppError::validation("minStock", "out_of_range"));
        }
        Ok(self)
    }
}

/// One product a treatment uses, in the product's unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Consumable {
    pub product_id: Uuid,
    pub quantity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Treatment {
    pub id: Uuid,
    pub name: String,
    pub duration_minutes: i32,
    pub price_cents: i64,
    pub active: bool,
    pub consumables: Vec<Consumable>,
    /// The consent letter a note needs in force before it records this treatment.
    #[serde(default)]
    pub requires_consent: Option<crate::consents::model::ConsentKind>,
}

impl Treatment {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.name, "name", crate::limits::TREATMENT_NAME)?;
        if !(5..=480).contains(&self.duration_minutes) {
            return Err(AppError::validation("durationMinutes", "out_of_range"));
        }
        cents(self.price_cents, "priceCents")?;
        self.consumables.sort_by_key(|c| c.product_id);
        if self.consumables.windows(2).any(|w| w[0].product_id == w[1].product_id) {
            return Err(AppError::validation("consumables", "duplicate_product"));
        }
        if self.consumables.iter().any(|c| !(1..=10_000).contains(&c.quantity)) {
            return Err(AppError::validation("consumables", "out_of_range"));
        }
        Ok(self)
    }
}
