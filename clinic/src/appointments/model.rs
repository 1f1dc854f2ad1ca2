use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
pub use crate::reminders::model::ReminderOutcome;

/// Where an appointment is in the day's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
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

    /// Holds its slot: every status but cancelled and no-show (the exclusion constraint
    /// `appointments_no_overlap` holds the same rule).
    pub fn is_live(self) -> bool {
        !matches!(self, Status::Cancelled | Status::NoShow)
    }

    /// Only scheduled and confirmed appointments can be moved or cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Scheduled | Status::Confirmed)
    }

    /// An appointment in this status may be moved, cancelled or answered for (`appointment_closed`
    /// otherwise).
    pub fn check_open(self) -> AppResult<()> {
        if self.is_open() { Ok(()) } else { Err(AppError::conflict("appointment_closed", None)) }
    }

    /// A status asked for through "set status": every one but cancelled, which needs its reason
    /// (`cancel`).
    pub fn check_settable(self) -> AppResult<()> {
        if self == Status::Cancelled { Err(AppError::validation("status", "use_cancel")) } else { Ok(()) }
    }

    /// Whether going from this status to `next` changes anything: `false` when it is already
    /// there (a repeated click), `invalid_transition` when the workflow does not allow it.
    pub fn check_change(self, next: Status) -> AppResult<bool> {
        match self {
            s if s == next => Ok(false),
            s if s.can_become(next) => Ok(true),
            _ => Err(AppError::validation("status", "invalid_transition")),
        }
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
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
    /// What the patient answered to the reminder, if reception marked it. (Absent from
    /// appointments a desk kept before reminders existed.)
    #[serde(default)]
    pub reminder: Option<ReminderOutcome>,
}

/// One appointment on the calendar, as an array (no repeated keys on the trip to the webview):
/// id, podiatrist id, start and end (whole minutes since the Unix epoch), status, patient name,
/// reason, flags (`AT_RISK`, `OUTSIDE_SCHEDULE`, `PENDING`, `NO_ANSWER`).
///
/// This is the one definition of the calendar row. Three places follow it: the database writes it
/// with every appointment (`appointments.calendar_entry`, by the trigger function
/// `appointments_calendar_entry()` of migration 8, flag `NO_ANSWER` added by migration 18; a change of format is a new migration that
/// replaces that function and rewrites the column), `list_agenda` hands the stored rows to the
/// webview unparsed, and the UI reads them as this type (`AgendaRow` in `bindings.ts`, unpacked in
/// `ui/src/agenda/Calendar.tsx`). The test `the_calendar_shows_what_each_write_left_in_the_appointments`
/// compares the stored rows with rows built here from the whole appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AgendaRow(pub Uuid, pub Uuid, pub i32, pub i32, pub Status, pub String, pub String, pub u8);

/// `AgendaRow` flag: the patient has diabetes, vascular disease or takes anticoagulants.
pub const AT_RISK: u8 = 1;
/// `AgendaRow` flag: booked outside the podiatrist's working hours.
pub const OUTSIDE_SCHEDULE: u8 = 2;
/// `AgendaRow` flag: booked or changed at this desk while the server was away, not on it yet.
pub const PENDING: u8 = 4;
/// `AgendaRow` flag: reminded, and the patient did not answer.
pub const NO_ANSWER: u8 = 8;

impl AgendaRow {
    /// The calendar's row of a whole appointment, as the database writes it (see above); the
    /// desk builds it so for the appointments it keeps for an outage.
    pub fn of(a: &Appointment, pending: bool) -> AgendaRow {
        let minutes = |at: DateTime<Utc>| i32::try_from(at.timestamp().div_euclid(60)).unwrap_or(i32::MAX);
        let flags = if a.patient_at_risk { AT_RISK } else { 0 }
            | if a.outside_schedule { OUTSIDE_SCHEDULE } else { 0 }
            | if pending { PENDING } else { 0 }
            | if a.reminder == Some(ReminderOutcome::NoAnswer) { NO_ANSWER } else { 0 };
        AgendaRow(
            a.id,
            a.podiatrist_id,
            minutes(a.starts_at),
            minutes(a.ends_at),
            a.status,
            a.patient_name.clone(),
            a.reason.clone(),
            flags,
        )
    }
}

/// The calendar's range. A week of a 20-podiatrist clinic is thousands of appointments: the rows
/// travel as the database wrote them, checked as JSON but neither decoded nor encoded again.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AgendaPage {
    #[specta(type = Vec<AgendaRow>)]
    pub rows: Box<RawValue>,
}

impl AgendaPage {
    /// The page made of calendar entries (each a JSON array, see `AgendaRow`).
    pub fn from_entries(entries: &[String]) -> AppResult<Self> {
        let mut json = String::with_capacity(2 + entries.iter().map(|e| e.len() + 1).sum::<usize>());
        json.push('[');
        for (i, entry) in entries.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(entry);
        }
        json.push(']');
        let rows = RawValue::from_string(json).map_err(|e| AppError::internal(format!("calendar entry: {e}")))?;
        Ok(Self { rows })
    }

    /// The rows, decoded.
    pub fn rows(&self) -> AppResult<Vec<AgendaRow>> {
        serde_json::from_str(self.rows.get()).map_err(|e| AppError::internal(format!("calendar entry: {e}")))
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

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
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

impl BookInput {
    /// What a booking must hold before anything is looked up: its times in order and no longer
    /// than a day's work, and a reason of the allowed length. The service and the desk's outbox
    /// both call it.
    pub fn check(&self) -> AppResult<()> {
        check_times(self.starts_at, self.ends_at)?;
        crate::validate::text(self.reason.trim(), "reason", crate::limits::APPOINTMENT_REASON)
    }
}

impl RescheduleInput {
    /// The new times, as a booking's.
    pub fn check(&self) -> AppResult<()> {
        check_times(self.starts_at, self.ends_at)
    }
}

/// A cancellation's reason, trimmed: required, of the allowed length.
pub fn cancel_reason(reason: &str) -> AppResult<String> {
    let mut reason = reason.to_string();
    crate::validate::required(&mut reason, "cancelReason", crate::limits::CANCEL_REASON)?;
    Ok(reason)
}

pub fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> AppResult<()> {
    if ends_at <= starts_at {
        return Err(AppError::validation("endsAt", "time_order"));
    }
    // Compared whole: counted in minutes, 8 h 0 min 30 s would pass and the database refuse it.
    if ends_at - starts_at > chrono::Duration::minutes(MAX_MINUTES) {
        return Err(AppError::validation("endsAt", "too_long"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agenda_page_passes_entries_through_and_refuses_broken_ones() {
        let id = Uuid::from_u128(7);
        let pod = Uuid::from_u128(9);
        let entry =
            format!(r#"["{id}", "{pod}", 29400000, 29400030, "scheduled", "Ana \"Anita\" Ruiz", "Revisión", 1]"#);
        let page = AgendaPage::from_entries(&[entry.clone(), entry.clone()]).unwrap();
        assert_eq!(page.rows.get(), format!("[{entry},{entry}]"));
        let row = AgendaRow(
            id,
            pod,
            29400000,
            29400030,
            Status::Scheduled,
            "Ana \"Anita\" Ruiz".into(),
            "Revisión".into(),
            AT_RISK,
        );
        assert_eq!(page.rows().unwrap(), vec![row.clone(), row]);
        assert_eq!(AgendaPage::from_entries(&[]).unwrap().rows.get(), "[]");
        assert!(AgendaPage::from_entries(&["[1".into()]).is_err());
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
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
