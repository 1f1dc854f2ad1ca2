use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::consents::model::Ink;
use crate::error::{AppError, AppResult};
use crate::limits::{ARCO_ANSWER, ARCO_DETAILS, ARCO_REQUESTER, NOTICE_INTEGRAL, NOTICE_SIMPLIFIED};
use crate::validate::{required, trimmed};

/// A version of the clinic's aviso de privacidad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub id: Uuid,
    pub version: i32,
    /// The aviso simplificado, read to the patient at the desk.
    pub simplified: String,
    /// The aviso integral, printed or sent on request.
    pub integral: String,
    pub published_by_name: String,
    pub published_at: DateTime<Utc>,
}

/// A new version of the notice, as the admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NoticeInput {
    /// Made by the client: a retry is not a second version.
    pub id: Uuid,
    pub simplified: String,
    pub integral: String,
}

impl NoticeInput {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.simplified, "simplified", NOTICE_SIMPLIFIED)?;
        required(&mut self.integral, "integral", NOTICE_INTEGRAL)?;
        Ok(self)
    }
}

/// The voluntary purposes a patient says yes or no to, each on its own (opposition, ARCO's O, is
/// saying no to one of them later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Purposes {
    /// Clinical photos of their feet used for teaching (without their face or name).
    pub teaching_photos: bool,
    /// Promotions and news of the clinic.
    pub promotions: bool,
    /// Appointment reminders by message.
    pub reminders: bool,
}

impl Purposes {
    /// What a patient who was never asked is taken to have chosen: reminders (the clinic's
    /// service) yes, the rest no.
    pub const UNASKED: Purposes = Purposes { teaching_photos: false, promotions: false, reminders: true };
}

/// A patient's answers as last recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub patient_id: Uuid,
    /// The notice version they were shown and accepted; None when their choices were recorded
    /// before the clinic published one (express consent for health data not yet asked).
    pub notice_version: Option<i32>,
    /// Their express consent to the clinic's handling of their health data; None: not yet asked.
    pub health_data: Option<bool>,
    /// Whether the patient signed their answer on health data at the desk (answers recorded
    /// before signing was asked were not).
    pub signed: bool,
    pub purposes: Purposes,
    pub recorded_by_name: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// The patient's answers as given at the desk, on the notice version shown to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentInput {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The version the desk showed: refused when a newer one was published meanwhile.
    pub notice_version: i32,
    pub health_data: bool,
    /// The patient's signature under their consent to health data: required with a yes (express
    /// written consent), kept with the answer.
    pub signature: Option<Ink>,
    pub purposes: Purposes,
}

impl ConsentInput {
    /// A yes to health data is signed, with a signature the pad could have drawn.
    pub fn check_signature(&self) -> AppResult<()> {
        match (&self.signature, self.health_data) {
            (Some(ink), _) => ink.check("signature"),
            (None, true) => Err(AppError::validation("signature", "signature_missing")),
            (None, false) => Ok(()),
        }
    }
}

/// The four rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ArcoKind {
    Access,
    Rectification,
    Cancellation,
    Opposition,
}

impl ArcoKind {
    /// Every right, in the order the form lists them.
    pub const ALL: [ArcoKind; 4] =
        [ArcoKind::Access, ArcoKind::Rectification, ArcoKind::Cancellation, ArcoKind::Opposition];
}

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ArcoOutcome {
    Granted,
    Denied,
}

/// The working days the law gives the clinic to answer a request (LFPDPPP 2025: twenty days).
pub const ANSWER_DAYS: u32 = 20;

/// The day an answer is due: `ANSWER_DAYS` working days (Monday to Friday) after the request
/// arrived. Public holidays are not counted out: the date errs early, never late.
pub fn due_date(received: NaiveDate) -> NaiveDate {
    let mut day = received;
    let mut left = ANSWER_DAYS;
    while left > 0 {
        day = day + Days::new(1);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// A request in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ArcoRequest {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub kind: ArcoKind,
    pub requester: String,
    pub details: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub outcome: Option<ArcoOutcome>,
    pub answer: String,
    pub answered_on: Option<NaiveDate>,
    pub answered_by_name: Option<String>,
    pub created_by_name: String,
    /// Whether the patient's record is blocked (by this request or another).
    pub blocked: bool,
    /// For the cancellation that blocked the record: when its retention ends (five years after the
    /// patient's last act), from which it may be deleted.
    pub retention_ends: Option<DateTime<Utc>>,
    /// For that cancellation: when the record was deleted.
    pub purged_at: Option<DateTime<Utc>>,
}

/// What a deletion erased and kept, as its audit entry records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PurgeReport {
    pub request: Uuid,
    /// The patient's last act, from which the five years were counted.
    pub last_act: DateTime<Utc>,
    /// Rows erased (or, for visits, appointments and requests, emptied), by table.
    pub erased: std::collections::BTreeMap<String, i64>,
    /// Rows kept (the charges and payments), by table.
    pub kept: std::collections::BTreeMap<String, i64>,
    /// The audit rows the deletion changed (emptied, or the patient's name taken out), each with
    /// the hash (hex) the chain holds it to.
    pub redacted: Vec<(i64, String)>,
}

/// A request as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ArcoInput {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: ArcoKind,
    /// Who asked: the patient, or their representative (named, with the relationship).
    pub requester: String,
    pub details: String,
    pub received_on: NaiveDate,
}

impl ArcoInput {
    pub fn parse(mut self, today: NaiveDate) -> AppResult<Self> {
        required(&mut self.requester, "requester", ARCO_REQUESTER)?;
        trimmed(&mut self.details, "details", ARCO_DETAILS)?;
        if self.received_on > today {
            return Err(AppError::validation("receivedOn", "in_future"));
        }
        Ok(self)
    }
}

/// The answer to a request. A granted cancellation blocks the patient's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ArcoAnswer {
    pub request_id: Uuid,
    pub outcome: ArcoOutcome,
    pub answer: String,
}

impl ArcoAnswer {
    pub fn parse(mut self) -> AppResult<Self> {
        trimmed(&mut self.answer, "answer", ARCO_ANSWER)?;
        // A denial says why (the law asks the clinic to give its reasons).
        if self.outcome == ArcoOutcome::Denied && self.answer.is_empty() {
            return Err(AppError::validation("answer", "required"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_answer_is_due_twenty_working_days_later() {
        // Monday 7 Dec 2026 → four weeks of five working days → Monday 4 Jan 2027.
        assert_eq!(due_date(day(2026, 12, 7)), day(2027, 1, 4));
        // Received on a Saturday: the count starts on Monday and ends on a Friday.
        assert_eq!(due_date(day(2026, 12, 12)), day(2027, 1, 8));
        // Received on a Friday: the next Friday four weeks on.
        assert_eq!(due_date(day(2026, 12, 11)), day(2027, 1, 8));
    }

    #[test]
    fn a_denial_gives_its_reasons() {
        let answer = ArcoAnswer { request_id: Uuid::nil(), outcome: ArcoOutcome::Denied, answer: "  ".into() };
        assert_eq!(answer.clone().parse(), Err(AppError::validation("answer", "required")));
        assert!(ArcoAnswer { outcome: ArcoOutcome::Granted, ..answer }.parse().is_ok());
    }

    #[test]
    fn a_request_cannot_arrive_tomorrow() {
        let input = ArcoInput {
            id: Uuid::nil(),
            patient_id: Uuid::nil(),
            kind: ArcoKind::Access,
            requester: " La paciente ".into(),
            details: String::new(),
            received_on: day(2026, 12, 8),
        };
        assert_eq!(input.clone().parse(day(2026, 12, 7)), Err(AppError::validation("receivedOn", "in_future")));
        assert_eq!(input.parse(day(2026, 12, 8)).unwrap().requester, "La paciente");
    }
}
