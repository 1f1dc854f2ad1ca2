use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A weekly working block in the clinic's wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleBlock {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// Minutes from local midnight.
    pub start_minute: i32,
    pub end_minute: i32,
}

impl ScheduleBlock {
    pub fn check(&self) -> AppResult<()> {
        if !(1..=7).contains(&self.weekday) {
            return Err(AppError::validation("blocks", "out_of_range"));
        }
        if !(0..1440).contains(&self.start_minute) || !(1..=1440).contains(&self.end_minute) {
            return Err(AppError::validation("blocks", "out_of_range"));
        }
        if self.end_minute <= self.start_minute {
            return Err(AppError::validation("blocks", "block_order"));
        }
        Ok(())
    }
}

/// Why a podiatrist (or the clinic) is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ExceptionKind {
    Vacation,
    Sick,
    Course,
    Holiday,
    Other,
}

impl ExceptionKind {
    /// Every kind, in the order the form lists them.
    pub const ALL: [ExceptionKind; 5] = [
        ExceptionKind::Vacation,
        ExceptionKind::Sick,
        ExceptionKind::Course,
        ExceptionKind::Holiday,
        ExceptionKind::Other,
    ];
}

/// Time off: a podiatrist's, or the whole clinic's (`podiatristId` null, e.g. a holiday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleException {
    pub id: Uuid,
    pub podiatrist_id: Option<Uuid>,
    pub kind: ExceptionKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub note: String,
}

/// Time off as the form states it: whole days from/to (inclusive), or hours when minutes are given.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionInput {
    pub id: Uuid,
    pub podiatrist_id: Option<Uuid>,
    pub kind: ExceptionKind,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    /// With `endMinute`: from this minute of `fromDate` to that minute of `toDate`.
    pub start_minute: Option<i32>,
    pub end_minute: Option<i32>,
    pub note: String,
}

/// A podiatrist's week and upcoming time off.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub podiatrist_id: Uuid,
    pub blocks: Vec<ScheduleBlock>,
    pub exceptions: Vec<ScheduleException>,
}
