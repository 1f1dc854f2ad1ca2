use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::Method;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ExpenseCategory {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExpenseInput {
    pub id: Uuid,
    pub category_id: Uuid,
    pub amount_cents: i64,
    pub spent_on: NaiveDate,
    pub method: Method,
    pub supplier_id: Option<Uuid>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Expense {
    pub id: Uuid,
    pub category_id: Uuid,
    pub category_name: String,
    pub amount_cents: i64,
    pub spent_on: NaiveDate,
    pub method: Method,
    pub supplier_id: Option<Uuid>,
    pub supplier_name: Option<String>,
    pub note: String,
    pub session_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub created_by_name: String,
}
