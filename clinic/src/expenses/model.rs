use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
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

impl ExpenseInput {
    /// The checks an expense passes before it is stored, `today` in the clinic's zone (at the
    /// server, or at the desk while the server is away): never in the future, and cash comes out
    /// of today's drawer.
    pub fn parse(mut self, today: NaiveDate) -> AppResult<Self> {
        crate::validate::trimmed(&mut self.note, "note", crate::limits::EXPENSE_NOTE)?;
        crate::validate::positive_cents(self.amount_cents, "amountCents")?;
        if self.spent_on > today {
            return Err(AppError::validation("spentOn", "in_future"));
        }
        Ok(self)
    }

    /// Cash is spent from today's drawer (checked after a replay is told from a new expense: an
    /// expense stored yesterday and sent again today is the same expense).
    pub fn check_cash_day(&self, today: NaiveDate) -> AppResult<()> {
        if self.method == Method::Cash && self.spent_on != today {
            return Err(AppError::validation("spentOn", "cash_is_today"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
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
