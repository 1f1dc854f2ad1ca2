use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::appointments::model::Status;

use crate::money::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IncomePoint {
    /// First day of the period (clinic time).
    pub period: NaiveDate,
    pub method: Method,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct CategoryTotal {
    pub category: String,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct PodiatristStatusCount {
    pub podiatrist_id: Uuid,
    pub podiatrist_name: String,
    pub status: Status,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct TreatmentStat {
    pub treatment_id: Uuid,
    pub name: String,
    pub quantity: i64,
    pub revenue_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct TreatmentMargin {
    pub treatment_id: Uuid,
    pub name: String,
    pub price_cents: i64,
    pub consumables_cost_cents: i64,
    pub margin_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct LowStock {
    pub product_id: Uuid,
    pub name: String,
    pub stock_on_hand: i32,
    pub min_stock: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub bucket: Bucket,
    pub income: Vec<IncomePoint>,
    pub income_cents: i64,
    pub expenses: Vec<CategoryTotal>,
    pub expenses_cents: i64,
    pub net_cents: i64,
    pub appointments: Vec<PodiatristStatusCount>,
    /// No-shows over (completed + no-shows), in per mille; `None` when there were none of either.
    pub no_show_per_mille: Option<i64>,
    pub top_treatments: Vec<TreatmentStat>,
    pub new_patients: i64,
    pub returning_patients: i64,
    pub margins: Vec<TreatmentMargin>,
    pub low_stock: Vec<LowStock>,
}
