use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Where an appointment is in the day's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Confirmed,
    Arrived,
    InConsultation,
    Completed,
    Cancelled,
    NoShow,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Scheduled,
        Status::Confirmed,
        Status::Arrived,
        Status::InConsultation,
        Status::Completed,
        Status::Cancelled,
        Status::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Confirmed => "confirmed",
            Status::Arrived => "arrived",
            Status::InConsultation => "in_consultation",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Only scheduled and confirmed appointments can be moved or cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Scheduled | Status::Confirmed)
    }

    /// The workflow (the database trigger `appointments_check_transition` holds the same rule).
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Scheduled, Confirmed)
                | (Scheduled | Confirmed, Arrived)
                | (Arrived, InConsultation)
                | (InConsultation, Completed)
                | (Scheduled | Confirmed, Cancelled | NoShow)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    /// Diabetes, vascular disease or anticoagulants.
    pub patient_at_risk: bool,
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub status: Status,
    pub cancel_reason: Option<String>,
    pub series_id: Option<Uuid>,
    pub outside_schedule: bool,
}

/// One appointment on the calendar, as an array (no repeated keys on the trip to the webview):
/// id, podiatrist (index into `AgendaPage::podiatrists`), start and end (minutes after
/// `AgendaPage::from`), status, patient name, reason, flags (`AT_RISK`, `OUTSIDE_SCHEDULE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AgendaRow(pub Uuid, pub u32, pub i32, pub i32, pub Status, pub String, pub String, pub u8);

/// `AgendaRow` flag: the patient has diabetes, vascular disease or takes anticoagulants.
pub const AT_RISK: u8 = 1;
/// `AgendaRow` flag: booked outside the podiatrist's working hours.
pub const OUTSIDE_SCHEDULE: u8 = 2;

/// The calendar's range, compact: a week of a 20-podiatrist clinic is thousands of rows, and
/// whole records cost more to serialise and parse than the query costs to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AgendaPage {
    pub from: DateTime<Utc>,
    pub podiatrists: Vec<Uuid>,
    pub rows: Vec<AgendaRow>,
}

/// What the calendar query returns: only the columns the calendar shows.
#[derive(Debug, Clone)]
pub struct CalendarRow {
    pub id: Uuid,
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
    pub patient_name: String,
    pub reason: String,
    pub patient_at_risk: bool,
    pub outside_schedule: bool,
}

/// Read by position, in the calendar query's column order: a week of twenty podiatrists is
/// thousands of rows, and a lookup by name per column per row shows in its time.
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for CalendarRow {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self {
            id: row.try_get(0)?,
            podiatrist_id: row.try_get(1)?,
            starts_at: row.try_get(2)?,
            ends_at: row.try_get(3)?,
            status: row.try_get(4)?,
            patient_name: row.try_get(5)?,
            reason: row.try_get(6)?,
            patient_at_risk: row.try_get(7)?,
            outside_schedule: row.try_get(8)?,
        })
    }
}

impl AgendaPage {
    pub fn new(from: DateTime<Utc>, rows: Vec<CalendarRow>) -> AppResult<Self> {
        let mut podiatrists: Vec<Uuid> = Vec::new();
        let minutes = |at: DateTime<Utc>| (at - from).num_minutes() as i32;
        let rows = rows
            .into_iter()
            .map(|a| {
                let pod = match podiatrists.iter().position(|p| *p == a.podiatrist_id) {
                    Some(i) => i,
                    None => {
                        podiatrists.push(a.podiatrist_id);
                        podiatrists.len() - 1
                    }
                };
                let status = Status::parse(&a.status)
                    .ok_or_else(|| AppError::internal(format!("unknown status {}", a.status)))?;
                let flags =
                    if a.patient_at_risk { AT_RISK } else { 0 } | if a.outside_schedule { OUTSIDE_SCHEDULE } else { 0 };
                Ok(AgendaRow(
                    a.id,
                    pod as u32,
                    minutes(a.starts_at),
                    minutes(a.ends_at),
                    status,
                    a.patient_name,
                    a.reason,
                    flags,
                ))
            })
            .collect::<AppResult<_>>()?;
        Ok(Self { from, podiatrists, rows })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BookInput {
    /// Made by the client (UUID v7).
    pub id: Uuid,
    pub patient_id: Uuid,
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    /// Book outside the podiatrist's working hours (needs that permission).
    pub override_schedule: bool,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RescheduleInput {
    pub id: Uuid,
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub override_schedule: bool,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesInput {
    /// The first appointment; its `id` names the series, and each date's id is derived from it.
    pub first: BookInput,
    pub every_weeks: u8,
    pub count: u8,
}

/// One date of a series that could not be booked, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesClash {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub error: AppError,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesOutcome {
    pub series_id: Uuid,
    pub booked: Vec<Appointment>,
    pub clashes: Vec<SeriesClash>,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SlotQuery {
    /// One podiatrist, or any active one when null.
    pub podiatrist_id: Option<Uuid>,
    pub duration_minutes: i32,
    /// Search from this instant (never earlier than now)…
    pub from: DateTime<Utc>,
    /// …up to this one.
    pub to: DateTime<Utc>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The longest appointment the desk books.
pub const MAX_MINUTES: i64 = 8 * 60;

pub fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> AppResult<()> {
    if ends_at <= starts_at {
        return Err(AppError::validation("endsAt", "time_order"));
    }
    if (ends_at - starts_at).num_minutes() > MAX_MINUTES {
        return Err(AppError::validation("endsAt", "too_long"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agenda_page_counts_minutes_from_its_start_and_indexes_podiatrists() {
        use chrono::TimeZone;
        let from = Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap();
        let (p1, p2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let appointment = |pod, start_min: i64, at_risk| CalendarRow {
            id: Uuid::from_u128((1000 + start_min) as u128),
            podiatrist_id: pod,
            starts_at: from + chrono::Duration::minutes(start_min),
            ends_at: from + chrono::Duration::minutes(start_min + 30),
            status: "scheduled".into(),
            patient_name: "Ana".into(),
            reason: "Revisión".into(),
            patient_at_risk: at_risk,
            outside_schedule: false,
        };
        let page = AgendaPage::new(
            from,
            vec![appointment(p2, -20, true), appointment(p1, 60, false), appointment(p2, 90, false)],
        )
        .unwrap();
        assert_eq!(page.podiatrists, vec![p2, p1]);
        let cols: Vec<(u32, i32, i32, u8)> = page.rows.iter().map(|r| (r.1, r.2, r.3, r.7)).collect();
        assert_eq!(cols, vec![(0, -20, 10, AT_RISK), (1, 60, 90, 0), (0, 90, 120, 0)]);
    }

    #[test]
    fn the_workflow_goes_forward_only() {
        assert!(Status::Scheduled.can_become(Status::Confirmed));
        assert!(Status::Confirmed.can_become(Status::Arrived));
        assert!(Status::InConsultation.can_become(Status::Completed));
        assert!(!Status::Completed.can_become(Status::Scheduled));
        assert!(!Status::Arrived.can_become(Status::Cancelled));
        assert!(!Status::Cancelled.can_become(Status::Confirmed));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
